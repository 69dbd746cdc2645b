"""Runs compiled steps as PyTorch autograd functions.

A Compiler captures and compiles one function (or module) per input
signature (dtype, shape, strides and requires_grad of every graph input,
plus the module's training flag), keeps the loaded artifacts, and falls back
to eager PyTorch when configured to and compilation is impossible.
"""
import logging
import os
import sys
import threading
import warnings

import torch
from torch.nn.utils import stateless
from torch.utils import _pytree as pytree
from torch.utils.dlpack import from_dlpack, to_dlpack

from aotd import _native
from aotd.capture import CaptureError, capture

log = logging.getLogger("aotd")

PARTITIONERS = ("min_cut", "default")
FALLBACKS = ("eager", "raise")

_clients = {}
_clients_lock = threading.Lock()


def client_for(server, cache_namespace, deadline):
    """The process's native Client for these settings (shared, so each
    artifact is fetched and loaded once per process)."""
    key = (server, cache_namespace, deadline)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = _native.Client(server, cache_namespace=cache_namespace,
                                           deadline_seconds=deadline)
        return _clients[key]


def reset():
    """Drops the process's server connections and their loaded-artifact
    caches; compiled objects keep the steps they already hold."""
    with _clients_lock:
        _clients.clear()


def _caller_stacklevel():
    """The stacklevel of the first frame outside aotd and torch.nn, so that
    a warning names the user's line."""
    internal = (os.path.dirname(__file__), os.path.dirname(torch.nn.modules.module.__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(internal):
        frame, level = frame.f_back, level + 1
    return level


def _to_capsule(tensor):
    # PyTorch 1.13 exports no bool tensors; the runtime takes uint8 for bool.
    if tensor.dtype == torch.bool:
        tensor = tensor.view(torch.uint8)
    return to_dlpack(tensor)


class Step:
    """One loaded artifact and how its flat inputs and outputs map to the
    caller's."""

    def __init__(self, artifact, captured):
        self.artifact = artifact
        self.constants = captured.constants  # Inputs after the caller's.
        self.output_spec = captured.output_spec
        self.bool_outputs = [dtype == "bool" for _, dtype, _, _ in artifact.outputs]
        self.tangent_outputs = artifact.tangent_outputs
        self.grad_inputs = artifact.grad_inputs

    def forward(self, inputs):
        """Flat outputs and the saved activations; no autograd."""
        capsules, saved = self.artifact.forward(
            [_to_capsule(t.detach()) for t in inputs] + [_to_capsule(t) for t in self.constants])
        outputs = [from_dlpack(c) for c in capsules]
        outputs = [o.view(torch.bool) if b else o for o, b in zip(outputs, self.bool_outputs)]
        return outputs, saved

    def backward(self, saved, grad_outputs):
        # Any layout: the runtime copies a tangent into its output's layout.
        tangents = [grad_outputs[i] for i in self.tangent_outputs]
        grads = self.artifact.backward(saved, [to_dlpack(t) for t in tangents])
        return [from_dlpack(c) for c in grads]


class _StepFunction(torch.autograd.Function):
    """forward(step, *inputs) -> flat outputs; backward runs the artifact's."""

    @staticmethod
    def forward(ctx, step, *inputs):
        outputs, saved = step.forward(inputs)
        ctx.step, ctx.saved, ctx.num_inputs = step, saved, len(inputs)
        differentiable = set(step.tangent_outputs)
        ctx.mark_non_differentiable(*[o for i, o in enumerate(outputs) if i not in differentiable])
        return tuple(outputs)

    @staticmethod
    def backward(ctx, *grad_outputs):
        if ctx.saved.consumed:
            raise RuntimeError("aotd: backward through a compiled step twice (retain_graph) "
                               "is not supported; its saved activations were consumed")
        grads = ctx.step.backward(ctx.saved, grad_outputs)
        result = [None] * (1 + ctx.num_inputs)
        for k, index in enumerate(ctx.step.grad_inputs):
            result[1 + index] = grads[k]
        return tuple(result)


class Compiler:
    """Compiles calls of a function per signature and runs them.

    The function is `call(state, args, kwargs)`, where `state` is the list of
    tensors `state()` returns (a module's parameters and buffers, lifted to
    the first graph inputs; labelled by `state_labels()`). The tensors among
    the call's arguments (args and kwargs, nested in tuples, lists and dicts)
    follow them as graph inputs; other arguments (numbers, None, strings)
    are part of the signature and fixed in the graph. `eager(*args,
    **kwargs)` is what runs when falling back."""

    def __init__(self, call, state, state_labels, eager, *, server, partitioner,
                 memory_budget, fallback, cache_namespace, deadline):
        if partitioner not in PARTITIONERS:
            raise ValueError(f"partitioner must be one of {PARTITIONERS}, not {partitioner!r}")
        if not 0.0 <= float(memory_budget) <= 1.0:
            raise ValueError(f"memory_budget must be in [0, 1], not {memory_budget!r}")
        if fallback not in FALLBACKS:
            raise ValueError(f"fallback must be one of {FALLBACKS}, not {fallback!r}")
        self.call = call
        self.state = state
        self.state_labels = state_labels
        self.eager = eager
        self.server = server
        self.partitioner = partitioner
        self.memory_budget = float(memory_budget)
        self.fallback = fallback
        self.cache_namespace = cache_namespace
        self.deadline = deadline
        self.steps = {}          # signature -> Step, or None for eager
        self.stats = {"compiles": 0, "cache_hits": 0, "uploads": 0, "eager_fallbacks": 0}
        self._warned = False
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        step, graph_inputs = self.step_for(args, kwargs)
        if step is None:
            return self.eager(*args, **kwargs)
        if torch.is_grad_enabled() and any(t.requires_grad for t in graph_inputs):
            outputs = _StepFunction.apply(step, *graph_inputs)
        else:
            outputs, _ = step.forward(graph_inputs)
        return pytree.tree_unflatten(list(outputs), step.output_spec)

    def step_for(self, args, kwargs):
        """(the Step for this call's signature, compiled on first use, or None
        when it runs eagerly; the call's graph inputs)."""
        leaves, spec = pytree.tree_flatten((args, kwargs))
        tensors = [leaf for leaf in leaves if isinstance(leaf, torch.Tensor)]
        graph_inputs = self.state() + tensors
        statics = tuple(None if isinstance(leaf, torch.Tensor) else (type(leaf), leaf)
                        for leaf in leaves)
        signature = (repr(spec), statics,
                     tuple((t.dtype, t.shape, t.stride(), t.requires_grad) for t in graph_inputs))
        try:
            hash(statics)
        except TypeError:
            kinds = sorted({type(leaf).__name__ for leaf in leaves
                            if not isinstance(leaf, torch.Tensor)})
            return self._cannot_compile(CaptureError(
                f"arguments must be tensors or hashable values; got {', '.join(kinds)}")), \
                graph_inputs
        with self._lock:
            if signature not in self.steps:
                self.steps[signature] = self._compile(leaves, spec, graph_inputs)
            return self.steps[signature], graph_inputs

    def _cannot_compile(self, error):
        """Raises `error`, or (fallback "eager") warns once and returns None."""
        if self.fallback == "raise":
            raise error
        self.stats["eager_fallbacks"] += 1
        message = f"aotd: running eagerly: {error}"
        if not self._warned:
            self._warned = True
            warnings.warn(message, RuntimeWarning, stacklevel=_caller_stacklevel())
        else:
            log.info("%s", message)
        return None

    def _traceable(self, leaves, spec, num_state):
        """The call as a function of the graph inputs alone."""
        slots = [i for i, leaf in enumerate(leaves) if isinstance(leaf, torch.Tensor)]

        def run(*graph_inputs):
            filled = list(leaves)
            for slot, tensor in zip(slots, graph_inputs[num_state:]):
                filled[slot] = tensor
            args, kwargs = pytree.tree_unflatten(filled, spec)
            return self.call(list(graph_inputs[:num_state]), args, kwargs)
        return run

    def _compile(self, leaves, spec, graph_inputs):
        state_labels = self.state_labels()
        labels = state_labels + [f"input:{i}" for i, leaf in enumerate(leaves)
                                 if isinstance(leaf, torch.Tensor)]
        try:
            captured = capture(self._traceable(leaves, spec, len(state_labels)),
                               list(zip(labels, graph_inputs)))
            compiled = client_for(self.server, self.cache_namespace, self.deadline).compile(
                captured.graph.SerializeToString(), self.partitioner, self.memory_budget)
        except (CaptureError, _native.Error) as error:
            return self._cannot_compile(error)
        self.stats["compiles"] += 1
        self.stats["cache_hits"] += int(compiled.cache_hit)
        self.stats["uploads"] += int(compiled.uploaded_graph)
        return Step(compiled.artifact, captured)


class CompiledModule(torch.nn.Module):
    """An nn.Module whose forward runs compiled. Its parameters and buffers
    are the wrapped module's (`.module`), updated in place by optimizers and
    by the compiled forward's write-backs."""

    def __init__(self, module, **options):
        super().__init__()
        self.module = module
        self._compilers = {}  # training flag -> Compiler
        self._options = options

    def _state(self):
        return [*self.module.parameters(), *self.module.buffers()]

    def _state_names(self):
        return ([n for n, _ in self.module.named_parameters()] +
                [n for n, _ in self.module.named_buffers()])

    def _state_labels(self):
        return ([f"param:{n}" for n, _ in self.module.named_parameters()] +
                [f"buffer:{n}" for n, _ in self.module.named_buffers()])

    def _call(self, state, args, kwargs):
        return stateless.functional_call(self.module, dict(zip(self._state_names(), state)),
                                         tuple(args), kwargs)

    def compiler(self):
        """The Compiler for the module's current mode (train or eval)."""
        mode = self.module.training
        if mode not in self._compilers:
            self._compilers[mode] = Compiler(self._call, self._state, self._state_labels,
                                             self.module, **self._options)
        return self._compilers[mode]

    @property
    def stats(self):
        """Counts summed over both modes."""
        total = {}
        for compiler in self._compilers.values():
            for k, v in compiler.stats.items():
                total[k] = total.get(k, 0) + v
        return total

    def forward(self, *args, **kwargs):
        return self.compiler()(*args, **kwargs)


class CompiledFunction:
    """A function whose calls run compiled."""

    def __init__(self, fn, **options):
        self.fn = fn
        self.compiler = Compiler(lambda state, args, kwargs: fn(*args, **kwargs),
                                 list, list, fn, **options)

    @property
    def stats(self):
        return dict(self.compiler.stats)

    def __call__(self, *args, **kwargs):
        return self.compiler(*args, **kwargs)
