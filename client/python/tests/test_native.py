"""aotd._native: what a careless caller of the binding gets."""
import pytest
import torch
from torch.utils.dlpack import from_dlpack, to_dlpack

import aotd
from aotd import _native


@pytest.fixture(scope="module")
def artifact(server):
    compiled = aotd.compile(lambda a, b: a * b + 1, (torch.randn(2, 3, requires_grad=True),
                                                   torch.randn(2, 3)),
                            server=server.address, fallback="raise")
    (step,) = compiled.compiler.steps.values()
    return step.artifact


def test_specs_describe_the_graph(artifact):
    assert [(dtype, shape) for _, dtype, shape, _ in artifact.inputs] == [
        ("float32", [2, 3]), ("float32", [2, 3])]
    assert artifact.grad_inputs == [0] and artifact.tangent_outputs == [0]
    assert len(artifact.key) == 64
    assert artifact.saved_arena_bytes == 0  # The backward reads only b, an input.


def test_forward_and_backward_share_memory_with_torch(artifact):
    a, b = torch.randn(2, 3), torch.randn(2, 3)
    (out,), saved = artifact.forward([to_dlpack(a), to_dlpack(b)])
    out = from_dlpack(out)
    torch.testing.assert_close(out, a * b + 1)
    (grad,) = artifact.backward(saved, [to_dlpack(torch.ones(2, 3))])
    torch.testing.assert_close(from_dlpack(grad), b)
    assert saved.consumed
    with pytest.raises(_native.Error, match="already consumed"):
        artifact.backward(saved, [to_dlpack(torch.ones(2, 3))])


def test_bad_inputs_are_named(artifact):
    a = torch.randn(2, 3)
    with pytest.raises(aotd.InvalidArgument, match="2 inputs"):
        artifact.forward([to_dlpack(a)])
    with pytest.raises(aotd.InvalidArgument, match="float64"):
        artifact.forward([to_dlpack(a.double()), to_dlpack(a)])
    with pytest.raises(aotd.InvalidArgument, match=r"\[3, 2\]"):
        artifact.forward([to_dlpack(torch.randn(3, 2)), to_dlpack(a)])
    capsule = to_dlpack(a)
    artifact.forward([capsule, to_dlpack(a)])
    with pytest.raises(aotd.InvalidArgument, match="not an unused DLPack capsule"):
        artifact.forward([capsule, to_dlpack(a)])
    with pytest.raises(TypeError):
        artifact.forward([a, a])


def test_garbage_graph_bytes_are_refused(server):
    client = _native.Client(server.address)
    with pytest.raises(aotd.InvalidArgument, match="not a serialized aotd.proto.Graph"):
        client.compile(b"\xff\xfe garbage")
    with pytest.raises(aotd.InvalidArgument):
        client.compile(b"")  # An empty Graph: no format version.
