"""Models beyond the five workloads: a GPT block (embedding, causal mask as
a bool buffer, a tensor constant, split heads, GELU tanh, cross entropy) and
LSTM/GRU layers (in-place activations of split gates, parameters the module
reads through its own references). Three SGD steps with aotd and eagerly
from the same start end with the same parameters. (Not Adam: it scales
gradients that are zero but for rounding, such as the attention's key bias,
up to full steps.)"""
import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import aotd
from conftest import assert_same_state


class GPTBlock(nn.Module):
    def __init__(self, vocab=50, width=32, heads=4, context=16):
        super().__init__()
        self.heads = heads
        self.embed = nn.Embedding(vocab, width)
        self.position = nn.Parameter(torch.randn(context, width) * 0.02)
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * width, width))
        self.head = nn.Linear(width, vocab, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(context, context)).bool())

    def forward(self, tokens, targets):
        batch, length = tokens.shape
        x = self.embed(tokens) + self.position[:length]
        q, k, v = self.qkv(self.norm1(x)).split(x.shape[-1], dim=2)
        q, k, v = (t.view(batch, length, self.heads, -1).transpose(1, 2) for t in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / torch.tensor(k.shape[-1] ** 0.5)
        scores = scores.masked_fill(~self.mask[:length, :length], float("-inf"))
        y = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).contiguous().view(batch, length, -1)
        x = x + self.proj(y)
        x = x + self.mlp(self.norm2(x))
        logits = self.head(x)
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.gru = nn.GRU(16, 8, batch_first=True)

    def forward(self, x):
        y, _ = self.lstm(x)
        z, _ = self.gru(y)
        return z.square().mean()


def gpt():
    return GPTBlock(), lambda g: (torch.randint(0, 50, (2, 16), generator=g),
                                  torch.randint(0, 50, (2, 16), generator=g))


def recurrent():
    return Recurrent(), lambda g: (torch.randn(3, 5, 8, generator=g),)


@pytest.mark.parametrize("make", [gpt, recurrent], ids=["gpt_block", "lstm_gru"])
def test_sgd_steps_match_eager(server, make):
    torch.manual_seed(0)
    model, batch = make()
    reference = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(1)
    compiled = aotd.compile(model, batch(generator), server=server.address, fallback="raise")
    optimizers = [torch.optim.SGD(m.parameters(), lr=0.1) for m in (compiled, reference)]
    for _ in range(3):
        inputs = batch(generator)
        for m, optimizer in zip((compiled, reference), optimizers):
            optimizer.zero_grad()
            m(*inputs).backward()
            optimizer.step()
    assert compiled.stats["compiles"] == 1 and compiled.stats["eager_fallbacks"] == 0
    assert all(p.grad is not None for p in model.parameters())
    assert_same_state(model.named_parameters(), reference.named_parameters())


def test_tensors_that_need_grad_must_be_inputs(server):
    weight = torch.randn(3, requires_grad=True)
    with pytest.raises(aotd.CaptureError, match="requires grad but is not among its inputs"):
        aotd.compile(lambda x: x * weight, (torch.randn(3),), server=server.address,
                     fallback="raise")
