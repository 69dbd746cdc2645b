"""Captures a PyTorch function's forward as an ATen graph (make_fx) and
writes it as an aotd.proto.Graph (proto/graph.proto, format version 1).

Graph inputs are the parameters, then the buffers, then the user's tensor
inputs, as AOTAutograd lifts them, then the tensor constants the function
creates (torch.tensor(...) in a forward), which every call passes again. Capture runs the function on copies of the
inputs, so buffers the forward mutates (BatchNorm's running statistics) are
left as they were.
"""
import operator

import torch
import torch.fx
from torch.fx.experimental.proxy_tensor import make_fx
from torch.utils import _pytree as pytree

from aotd import graph_pb2

FORMAT_VERSION = 1

_DTYPES = {
    torch.float32: graph_pb2.FLOAT32, torch.float64: graph_pb2.FLOAT64,
    torch.float16: graph_pb2.FLOAT16, torch.bfloat16: graph_pb2.BFLOAT16,
    torch.int64: graph_pb2.INT64, torch.int32: graph_pb2.INT32,
    torch.int16: graph_pb2.INT16, torch.int8: graph_pb2.INT8,
    torch.uint8: graph_pb2.UINT8, torch.bool: graph_pb2.BOOL,
}
_MEMORY_FORMATS = {
    torch.contiguous_format: "contiguous_format",
    torch.preserve_format: "preserve_format",
    torch.channels_last: "channels_last",
}


class CaptureError(ValueError):
    """The function cannot be captured as a graph aotd compiles; the message
    names the node or value at fault."""


class Captured:
    """A captured forward: `graph` (graph_pb2.Graph); `constants`, the
    tensors of its last inputs, which follow the caller's; and
    `output_spec`, the pytree spec that rebuilds the function's result from
    the graph's flat outputs."""

    def __init__(self, graph, constants, output_spec):
        self.graph = graph
        self.constants = constants
        self.output_spec = output_spec


def capture(fn, labelled_inputs):
    """Traces `fn(*tensors)` where `labelled_inputs` is a list of
    (label, tensor) in graph-input order; returns a Captured. `fn` must
    return a tensor or a pytree (tuple, list, dict) of tensors."""
    labels = [label for label, _ in labelled_inputs]
    originals = [t for _, t in labelled_inputs]
    for label, t in labelled_inputs:
        if not isinstance(t, torch.Tensor):
            raise CaptureError(f"input {label} is a {type(t).__name__}, not a tensor")
        if t.device.type != "cpu":
            raise CaptureError(f"input {label} is on {t.device}; aotd runs on CPU tensors")
        if t.dtype not in _DTYPES:
            raise CaptureError(f"input {label} has dtype {t.dtype}, which aotd does not support")
    spec_box = []

    def flat_fn(*args):
        out = fn(*args)
        flat, spec = pytree.tree_flatten(out)
        for i, value in enumerate(flat):
            if not isinstance(value, torch.Tensor):
                raise CaptureError(f"output {i} is a {type(value).__name__}, not a tensor")
        spec_box.append(spec)
        return flat

    module = make_fx(flat_fn)(*[_copy(t) for t in originals])
    constants, constant_values = _lift_constants(module, originals)
    values = _record_values(module, [_copy(t) for t in originals])
    graph = _to_proto(module.graph, labels, originals, constants, constant_values, values)
    return Captured(graph, constant_values, spec_box[-1])


def _lift_constants(module, originals):
    """The graph's tensor constants (get_attr nodes) and their values. A
    constant that is one of the inputs (a module that keeps its own
    references to its parameters, as RNNs do) is replaced by that input; a
    constant that requires grad and is none is an error, since its
    gradient would be lost."""
    placeholders = [n for n in module.graph.nodes if n.op == "placeholder"]
    constants, values = [], []
    for node in [n for n in module.graph.nodes if n.op == "get_attr"]:
        value = getattr(module, node.target)
        if not isinstance(value, torch.Tensor) or value.dtype not in _DTYPES:
            raise CaptureError(f"constant {node.target} is not a tensor aotd supports")
        same = [i for i, t in enumerate(originals) if t is value]
        if same:
            node.replace_all_uses_with(placeholders[same[0]])
            module.graph.erase_node(node)
        elif value.requires_grad:
            raise CaptureError(
                f"the function reads a tensor of shape {list(value.shape)} that requires grad "
                f"but is not among its inputs ({node.target}); pass it as an argument, a "
                f"parameter or a buffer")
        else:
            constants.append(node)
            values.append(value)
    module.recompile()
    return constants, values


def _copy(t):
    """A copy with `t`'s dtype, shape, strides and requires_grad."""
    with torch.no_grad():
        try:
            copy = torch.empty_strided(t.shape, t.stride(), dtype=t.dtype).copy_(t)
        except RuntimeError:  # Overlapping strides (an expanded tensor).
            copy = t.contiguous().clone()
    return copy.requires_grad_(t.requires_grad)


class _Layout:
    """A tensor's dtype, shape and strides when its node ran (a later
    in-place op such as transpose_ may change the tensor's own)."""

    def __init__(self, tensor):
        self.dtype = tensor.dtype
        self.shape = list(tensor.shape)
        self.strides = list(tensor.stride())


class _Recorder(torch.fx.Interpreter):
    """Runs a graph and keeps the layout of every node's results."""

    def __init__(self, module):
        super().__init__(module)
        self.values = {}

    def run_node(self, node):
        result = super().run_node(node)
        self.values[node] = pytree.tree_map(
            lambda v: _Layout(v) if isinstance(v, torch.Tensor) else v, result)
        return result


def _record_values(module, inputs):
    recorder = _Recorder(module)
    with torch.no_grad():
        recorder.run(*inputs)
    return recorder.values


def _meta(value, where):
    """The TensorMeta of a tensor or of a _Layout."""
    if isinstance(value, torch.Tensor):
        value = _Layout(value)
    if not isinstance(value, _Layout):
        raise CaptureError(f"{where} produced a {type(value).__name__}, not a tensor")
    if value.dtype not in _DTYPES:
        raise CaptureError(f"{where} produced dtype {value.dtype}, which aotd does not support")
    return graph_pb2.TensorMeta(dtype=_DTYPES[value.dtype], shape=value.shape,
                                strides=value.strides)


def _to_proto(fx_graph, labels, originals, constants, constant_values, values):
    graph = graph_pb2.Graph(format_version=FORMAT_VERSION)
    refs = {}  # fx node -> ValueRef it stands for.
    placeholders = [n for n in fx_graph.nodes if n.op == "placeholder"]
    inputs = list(zip(placeholders, labels, originals)) + [
        (node, f"constant:{node.target}", value)
        for node, value in zip(constants, constant_values)]
    for node, label, t in inputs:
        graph.inputs.add(name=node.name, label=label, meta=_meta(t, f"input {label}"),
                         requires_grad=t.requires_grad)
        refs[node] = graph_pb2.ValueRef(name=node.name)

    def argument(value, where):
        arg = graph_pb2.Argument()
        if isinstance(value, torch.fx.Node):
            if value not in refs:
                raise CaptureError(f"{where} uses {value.name}, which is not a tensor value")
            arg.ref.CopyFrom(refs[value])
        elif value is None:
            arg.none.SetInParent()
        elif isinstance(value, bool):
            arg.bool_value = value
        elif isinstance(value, int):
            arg.int_value = value
        elif isinstance(value, float):
            arg.float_value = value
        elif isinstance(value, str):
            arg.string_value = value
        elif isinstance(value, torch.dtype):
            if value not in _DTYPES:
                raise CaptureError(f"{where} names dtype {value}, which aotd does not support")
            arg.dtype = _DTYPES[value]
        elif isinstance(value, torch.device):
            arg.device = value.type
        elif isinstance(value, torch.layout):
            arg.layout = str(value).replace("torch.", "")
        elif isinstance(value, torch.memory_format):
            arg.memory_format = _MEMORY_FORMATS[value]
        elif isinstance(value, (list, tuple)):
            arg.list.SetInParent()
            for item in value:
                arg.list.items.append(argument(item, where))
        else:
            raise CaptureError(f"{where} has an argument of type {type(value).__name__}")
        return arg

    for node in fx_graph.nodes:
        if node.op in ("placeholder", "get_attr"):
            continue
        if node.op == "output":
            (flat,) = node.args
            for i, value in enumerate(flat):
                if value not in refs:
                    raise CaptureError(f"output {i} is not a tensor computed by the graph")
                graph.outputs.append(refs[value])
            continue
        where = f"node '{node.name}'"
        if node.op != "call_function":
            raise CaptureError(f"{where} is a {node.op}; expected ATen calls only")
        if node.target is operator.getitem:
            source, index = node.args
            refs[node] = graph_pb2.ValueRef(name=source.name, output=index)
            continue
        if not isinstance(node.target, torch._ops.OpOverload):
            raise CaptureError(f"{where} calls {node.target}, which is not an ATen op")
        op = str(node.target)  # "aten.addmm.default"
        where = f"node '{node.name}' ({op})"
        proto_node = graph.nodes.add(name=node.name, op=op)
        for value in node.args:
            proto_node.args.append(argument(value, where))
        for key, value in node.kwargs.items():
            proto_node.kwargs.add(name=key, value=argument(value, where))
        result = values[node]
        if isinstance(result, (tuple, list)):
            for i, item in enumerate(result):
                proto_node.outputs.append(_meta(item, f"{where} output {i}"))
        else:
            proto_node.outputs.append(_meta(result, where))
            refs[node] = graph_pb2.ValueRef(name=node.name)
    return graph
