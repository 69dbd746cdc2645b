"""aotd: remote ahead-of-time compilation of PyTorch training steps.

    import aotd
    model = aotd.compile(model, (example_input,))
    loss = model(x).sum()
    loss.backward()            # runs the compiled backward

The forward is captured as an ATen graph (parameters and buffers lifted to
graph inputs), sent to an aotd server, and the compiled forward and backward
run in this process on the caller's tensors (DLPack, zero copy).
"""
import os


def _choose_blas_core():
    # OpenBLAS picks its slowest kernels when the CPU model is unknown (as in
    # many VMs); name the core from the instruction set before it loads, as
    # the C++ runtime does. Only effective if torch is not imported yet.
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith("flags")), "").split()
    except OSError:
        return
    if "avx512f" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif "avx2" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"


_choose_blas_core()

import torch  # noqa: E402

from aotd import _native  # noqa: E402
from aotd.capture import CaptureError  # noqa: E402
from aotd.compiled import CompiledFunction, CompiledModule  # noqa: E402

Error = _native.Error                    # Any failure reported by the runtime or server.
ServerUnavailable = _native.Unavailable  # The server cannot be reached.
InvalidArgument = _native.InvalidArgument  # The server or runtime refused an input.

__all__ = ["compile", "Error", "ServerUnavailable", "InvalidArgument", "CaptureError"]


def compile(fn_or_module, example_inputs, *, example_kwargs=None, server="127.0.0.1:50051",
            partitioner="min_cut", memory_budget=1.0, fallback="eager", cache_namespace="",
            deadline=300.0):
    """Compiles `fn_or_module` for `example_inputs` (a tensor or a sequence of
    arguments; `example_kwargs` for keyword arguments) on the aotd server at
    `server` ("HOST:PORT") and returns a callable with the same signature: a
    CompiledModule (an nn.Module sharing the module's parameters and
    buffers) for a module, a CompiledFunction otherwise.

    Tensor arguments (also inside tuples, lists and dicts) become graph
    inputs; other arguments (numbers, None, strings) are fixed in the graph.
    Calls whose tensors differ in shape, dtype, strides or requires_grad, or
    whose other arguments differ, compile again (a cache hit once the server
    has seen them).

    partitioner: "min_cut" (recompute cheap ops in the backward) or "default".
    memory_budget: 0..1, the share of the saved activations to keep.
    fallback: "eager" warns once and runs PyTorch eagerly when the server is
      unreachable or the function cannot be compiled; "raise" raises
      ServerUnavailable (naming the server and the cause), InvalidArgument or
      CaptureError.
    cache_namespace: the server cache's namespace ("" for its default).
    deadline: seconds per server call.
    """
    options = dict(server=server, partitioner=partitioner, memory_budget=memory_budget,
                   fallback=fallback, cache_namespace=cache_namespace, deadline=deadline)
    if isinstance(fn_or_module, torch.nn.Module):
        compiled = CompiledModule(fn_or_module, **options)
        compiler = compiled.compiler()
    elif callable(fn_or_module):
        compiled = CompiledFunction(fn_or_module, **options)
        compiler = compiled.compiler
    else:
        raise TypeError(f"aotd.compile takes a function or an nn.Module, "
                        f"not {type(fn_or_module).__name__}")
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    compiler.step_for(tuple(example_inputs), example_kwargs or {})
    return compiled
