"""Reads a workload folder (../shared/workloads/<name>/<size>): its
aten-fx-json/1 forward graph as a torch.fx.GraphModule that runs the same
ATen calls eagerly, and inputs of the recorded shapes.

    module, inputs = workload.load("d_pointwise/full")
    out = module(*inputs)          # eager PyTorch, autograd included
"""
import json
import math
import operator
import os

import torch
import torch.fx

FORMAT = "aten-fx-json/1"

_DTYPES = {
    "float32": torch.float32, "float64": torch.float64,
    "float16": torch.float16, "bfloat16": torch.bfloat16,
    "int64": torch.int64, "int32": torch.int32, "int16": torch.int16,
    "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool,
}
_MEMORY_FORMATS = {
    "contiguous_format": torch.contiguous_format,
    "preserve_format": torch.preserve_format,
    "channels_last": torch.channels_last,
}


class Workload:
    """One workload: its graph as a GraphModule and its graph-input specs."""

    def __init__(self, name, module, inputs):
        self.name = name
        self.module = module   # torch.fx.GraphModule over the graph inputs.
        self.inputs = inputs   # The aten-fx-json input objects, in order.

    def random_inputs(self, seed=0):
        """Tensors of the recorded dtypes, shapes and strides. Floating
        inputs are standard normal and require grad when the graph says so;
        integer inputs are in [0, n) where n is the last dimension of the
        first floating input with more dimensions (class indices), or 2."""
        generator = torch.Generator().manual_seed(seed)
        float_dims = [spec["shape"][-1] for spec in self.inputs
                      if spec["shape"] and _DTYPES[spec["dtype"]].is_floating_point]
        high = float_dims[-1] if float_dims else 2
        tensors = []
        for spec in self.inputs:
            dtype = _DTYPES[spec["dtype"]]
            size = sum((n - 1) * s for n, s in zip(spec["shape"], spec["stride"])) + 1
            if dtype.is_floating_point:
                storage = torch.randn(size, generator=generator, dtype=dtype)
            elif "num_batches_tracked" in spec.get("label", ""):
                storage = torch.zeros(size, dtype=dtype)
            else:
                storage = torch.randint(0, high, (size,), generator=generator, dtype=dtype)
            if spec["label"].endswith("running_var"):
                storage = storage.abs() + 0.5
            t = storage.as_strided(spec["shape"], spec["stride"])
            if spec["requires_grad"]:
                t = t.detach().requires_grad_(True)
            tensors.append(t)
        return tensors


def load(folder):
    """Loads `folder`/forward.json. Raises ValueError naming the file and the
    problem if it is not aten-fx-json/1 or names an op PyTorch lacks."""
    path = os.path.join(folder, "forward.json")
    with open(path) as f:
        doc = json.load(f)
    if doc.get("format") != FORMAT:
        raise ValueError(f"{path}: format is {doc.get('format')!r}, expected {FORMAT!r}")
    graph = torch.fx.Graph()
    env = {}
    for spec in doc["inputs"]:
        env[spec["name"]] = graph.placeholder(spec["name"])

    def arg(value):
        if isinstance(value, list):
            return [arg(v) for v in value]
        if not isinstance(value, dict):
            return value
        (kind, item), = value.items()
        if kind == "ref":
            return env[item]
        if kind == "dtype":
            return _DTYPES[item]
        if kind == "device":
            return torch.device(item)
        if kind == "layout":
            return torch.strided
        if kind == "memory_format":
            return _MEMORY_FORMATS[item]
        if kind == "float":
            return {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}[item]
        raise ValueError(f"{path}: unknown argument kind {kind!r}")

    for node in doc["nodes"]:
        args = tuple(arg(a) for a in node["args"])
        kwargs = {k: arg(v) for k, v in node.get("kwargs", {}).items()}
        if node["target"] == "getitem":
            target = operator.getitem
        else:
            target = _aten_op(path, node["target"])
        env[node["name"]] = graph.call_function(target, args, kwargs)
    outputs = [arg(o) for o in doc["outputs"]]
    graph.output(outputs[0] if len(outputs) == 1 else tuple(outputs))
    module = torch.fx.GraphModule(torch.nn.Module(), graph)
    return Workload(f"{doc.get('workload', '?')}/{doc.get('size', '?')}", module, doc["inputs"])


def _aten_op(path, target):
    """torch.ops.aten.<op>.<overload> for "aten.<op>.<overload>"."""
    parts = target.split(".")
    if len(parts) != 3 or parts[0] != "aten":
        raise ValueError(f"{path}: target {target!r} is not aten.<op>.<overload>")
    try:
        return getattr(getattr(torch.ops.aten, parts[1]), parts[2])
    except (AttributeError, RuntimeError) as e:
        raise ValueError(f"{path}: PyTorch has no op {target}") from e
