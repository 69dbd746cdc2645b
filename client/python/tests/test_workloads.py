"""The five reference workloads (../shared/workloads, small sizes) as the
PyTorch programs they were captured from: five SGD steps with aotd and with
eager PyTorch from the same start end with the same parameters and buffers."""
import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import aotd
from conftest import assert_same_state

STEPS = 5
LR = 0.1


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(*[
            nn.Sequential(nn.Linear(32, 32), nn.GELU(), nn.LayerNorm(32)) for _ in range(3)])

    def forward(self, x):
        return self.layers(x)


def mlp():
    return MLP(), (torch.randn(4, 32),)


def transformer():
    layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
                                       batch_first=True)
    return layer, (torch.randn(2, 8, 32),)


def cnn():
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32, 10))
    return model, (torch.randn(2, 3, 8, 8),)


def pointwise(x, y):
    a = x * torch.sigmoid(x) * torch.tanh(y) + 0.5
    b = a * torch.sigmoid(a) - torch.tanh(x) * 0.25
    return torch.exp(-b * b) * y + a


def loss(logits, target):
    return F.cross_entropy(logits, target)


MODULES = {"a_mlp": mlp, "b_transformer": transformer, "c_cnn": cnn}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_sgd_steps_match_eager(server, name):
    torch.manual_seed(0)
    model, inputs = MODULES[name]()
    reference = copy.deepcopy(model)
    compiled = aotd.compile(model, inputs, server=server.address, fallback="raise")
    assert isinstance(compiled, nn.Module)
    out_shape = copy.deepcopy(model)(*inputs).shape
    generator = torch.Generator().manual_seed(1)
    for _ in range(STEPS):
        batch = [torch.randn(x.shape, generator=generator) for x in inputs]
        weight = torch.randn(out_shape, generator=generator)
        for m in (compiled, reference):
            optimizer = torch.optim.SGD(m.parameters(), lr=LR)
            optimizer.zero_grad()
            (m(*batch) * weight).sum().backward()
            optimizer.step()
    assert compiled.stats == {"compiles": 1, "cache_hits": 0, "uploads": 1, "eager_fallbacks": 0}
    assert any(p.grad is not None for p in model.parameters())
    assert_same_state(model.named_parameters(), reference.named_parameters())
    assert_same_state(model.named_buffers(), reference.named_buffers())
    if name == "c_cnn":  # The running statistics moved, in place.
        assert int(model[1].num_batches_tracked) == STEPS


@pytest.mark.parametrize("name", ["d_pointwise", "e_loss"])
def test_function_sgd_steps_match_eager(server, name):
    torch.manual_seed(0)
    if name == "d_pointwise":
        fn, leaves, fixed = pointwise, [torch.randn(1000), torch.randn(1000)], []
    else:
        fn, leaves, fixed = loss, [torch.randn(8, 10)], [torch.randint(0, 10, (8,))]
    ours = [t.clone().requires_grad_() for t in leaves]
    theirs = [t.clone().requires_grad_() for t in leaves]
    compiled = aotd.compile(fn, ours + fixed, server=server.address, fallback="raise")
    weight = torch.randn(fn(*leaves, *fixed).shape)
    for f, params in ((compiled, ours), (fn, theirs)):
        optimizer = torch.optim.SGD(params, lr=LR)
        for _ in range(STEPS):
            optimizer.zero_grad()
            (f(*params, *fixed) * weight).sum().backward()
            optimizer.step()
    assert compiled.stats["compiles"] == 1 and compiled.stats["eager_fallbacks"] == 0
    assert_same_state(enumerate(ours), enumerate(theirs))
