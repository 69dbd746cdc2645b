"""aotd.compile's contract: recompiles per signature, train and eval modes,
outputs of any pytree shape and dtype, write-backs into the caller's memory,
argument checking, and what happens when the server is unreachable."""
import copy
import socket
import warnings

import pytest
import torch
import torch.nn as nn

import aotd


def free_port_address():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def small_cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Flatten(), nn.Linear(4 * 6 * 6, 5))


def train_step(model, x):
    model.zero_grad()
    loss = model(x).square().mean()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    return loss.detach()


def test_new_shapes_and_dtypes_compile_once_then_hit(server):
    fn = lambda a, b: (a * b).sigmoid().sum(dim=0)  # noqa: E731
    a, b = torch.randn(4, 3, requires_grad=True), torch.randn(4, 3)
    compiled = aotd.compile(fn, (a, b), server=server.address, fallback="raise")
    for rows in (4, 7, 4, 7):
        x, y = torch.randn(rows, 3, requires_grad=True), torch.randn(rows, 3)
        torch.testing.assert_close(compiled(x, y), fn(x, y))
    x64, y64 = x.double().detach().requires_grad_(), y.double()
    out = compiled(x64, y64)
    assert out.dtype == torch.float64
    out.sum().backward()
    expected = torch.autograd.grad(fn(x64, y64).sum(), x64)[0]
    torch.testing.assert_close(x64.grad, expected)
    assert compiled.stats == {"compiles": 3, "cache_hits": 0, "uploads": 3, "eager_fallbacks": 0}
    # Another compiled object for a known signature: the server has it.
    again = aotd.compile(lambda a, b: (a * b).sigmoid().sum(dim=0), (x, y),
                         server=server.address, fallback="raise")
    assert again.stats["compiles"] == 1 and again.stats["uploads"] == 0
    assert again.stats["cache_hits"] == 1


def test_write_backs_land_in_the_modules_own_buffers(server):
    model = small_cnn()
    reference = copy.deepcopy(model)
    x = torch.randn(2, 3, 6, 6)
    compiled = aotd.compile(model, (x,), server=server.address, fallback="raise")
    mean = model[1].running_mean
    pointer = mean.data_ptr()
    for _ in range(3):
        torch.testing.assert_close(train_step(compiled, x), train_step(reference, x))
    assert model[1].running_mean.data_ptr() == pointer
    assert int(model[1].num_batches_tracked) == 3
    torch.testing.assert_close(model[1].running_mean, reference[1].running_mean)
    torch.testing.assert_close(model[1].running_var, reference[1].running_var)


def test_eval_mode_and_no_grad_compile_separately(server):
    model = small_cnn()
    x = torch.randn(2, 3, 6, 6)
    compiled = aotd.compile(model, (x,), server=server.address, fallback="raise")
    compiled.eval()
    stats_before = copy.deepcopy(model[1].running_mean)
    with torch.no_grad():
        out = compiled(x)
    assert not out.requires_grad
    torch.testing.assert_close(out, model(x))
    torch.testing.assert_close(model[1].running_mean, stats_before)  # eval: untouched
    assert compiled.stats["compiles"] == 2


def test_pytree_outputs_and_non_float_dtypes(server):
    def fn(x, index):
        return {"pos": x > 0, "pair": (x.exp(), index * 2), "picked": x[1:4:2]}
    x, index = torch.randn(5, requires_grad=True), torch.tensor([0, 3, 3])
    compiled = aotd.compile(fn, (x, index), server=server.address, fallback="raise")
    out, expected = compiled(x, index), fn(x, index)
    assert out["pos"].dtype == torch.bool and torch.equal(out["pos"], expected["pos"])
    assert out["pair"][1].dtype == torch.int64 and torch.equal(out["pair"][1], expected["pair"][1])
    torch.testing.assert_close(out["pair"][0], expected["pair"][0])
    (out["pair"][0].sum() + out["picked"].sum()).backward()
    torch.testing.assert_close(x.grad, x.detach().exp() + torch.tensor([0., 1, 0, 1, 0]))


@pytest.mark.parametrize("kwargs, problem", [
    ({"partitioner": "fastest"}, "partitioner"),
    ({"memory_budget": 1.5}, "memory_budget"),
    ({"fallback": "ignore"}, "fallback"),
])
def test_bad_options_are_named(kwargs, problem):
    with pytest.raises(ValueError, match=problem):
        aotd.compile(torch.sin, (torch.randn(2),), **kwargs)


def test_keyword_and_non_tensor_arguments(server):
    def fn(x, n, *, pair, scale=None):
        y = x * n + pair[0] * pair[1]
        return y if scale is None else y * scale
    x, a, b = (torch.randn(3, requires_grad=True) for _ in range(3))
    compiled = aotd.compile(fn, (x, 2), example_kwargs={"pair": (a, b)},
                            server=server.address, fallback="raise")
    for n, scale in ((2, None), (3, None), (2, 0.5), (2, None)):
        out = compiled(x, n, pair=(a, b), scale=scale)
        torch.testing.assert_close(out, fn(x, n, pair=(a, b), scale=scale))
    out.sum().backward()
    torch.testing.assert_close(a.grad, b.detach())
    # The example (no `scale` keyword), then n=3, scale=0.5 and scale=None.
    assert compiled.stats["compiles"] == 4


def test_uncapturable_functions_are_named(server):
    with pytest.raises(aotd.CaptureError, match="tensors or hashable values; got ndarray"):
        aotd.compile(lambda x, w: x * 2, (torch.randn(2), torch.randn(2).numpy()),
                     server=server.address, fallback="raise")
    with pytest.raises(aotd.CaptureError, match="output 0 is a float"):
        aotd.compile(lambda x: 1.5, (torch.randn(2),), server=server.address, fallback="raise")


def test_unreachable_server_raises_naming_it():
    address = free_port_address()
    with pytest.raises(aotd.ServerUnavailable) as error:
        aotd.compile(torch.sin, (torch.randn(3),), server=address, fallback="raise")
    assert address in str(error.value) and "unreachable" in str(error.value)
    assert "Connection refused" in str(error.value)


def test_unreachable_server_falls_back_to_eager_with_one_warning():
    address = free_port_address()
    with pytest.warns(RuntimeWarning, match=f"running eagerly.*{address}") as caught:
        compiled = aotd.compile(torch.sin, (torch.randn(3),), server=address)
    x = torch.randn(5, requires_grad=True)  # Another signature: tried again, silently.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compiled(x)
    out.sum().backward()
    torch.testing.assert_close(x.grad, x.detach().cos())
    assert len(caught) == 1
    assert compiled.stats["eager_fallbacks"] == 2 and compiled.stats["compiles"] == 0


@pytest.mark.parametrize("fallback", ["eager", "raise"])
def test_server_killed_mid_training(own_server, fallback):
    model = small_cnn()
    reference = copy.deepcopy(model)
    x = torch.randn(4, 3, 6, 6)
    compiled = aotd.compile(model, (x,), server=own_server.address, fallback=fallback)
    for _ in range(2):
        torch.testing.assert_close(train_step(compiled, x), train_step(reference, x))
    own_server.kill()
    with warnings.catch_warnings():  # Known shapes keep running compiled.
        warnings.simplefilter("error")
        torch.testing.assert_close(train_step(compiled, x), train_step(reference, x))
    last_batch = x[:3]  # A new shape needs the server.
    if fallback == "raise":
        with pytest.raises(aotd.ServerUnavailable, match=own_server.address):
            train_step(compiled, last_batch)
        return
    with pytest.warns(RuntimeWarning, match="unreachable") as caught:
        for _ in range(3):
            torch.testing.assert_close(train_step(compiled, last_batch),
                                       train_step(reference, last_batch))
    assert len(caught) == 1
    assert compiled.stats == {"compiles": 1, "cache_hits": 0, "uploads": 1, "eager_fallbacks": 1}
    for (name, a), (_, b) in zip(model.state_dict().items(), reference.state_dict().items()):
        torch.testing.assert_close(a, b, msg=lambda m: f"{name}: {m}")


def test_tensor_constants_become_inputs_read_at_each_call(server):
    scale = torch.tensor([1.0, 2.0, 3.0])

    def fn(x):
        return (x * scale).sin()
    x = torch.randn(3, requires_grad=True)
    compiled = aotd.compile(fn, (x,), server=server.address, fallback="raise")
    compiled(x).sum().backward()
    torch.testing.assert_close(x.grad, scale * (x.detach() * scale).cos())
    scale[0] = 10.0
    torch.testing.assert_close(compiled(x), fn(x))
    assert compiled.stats["compiles"] == 1


def test_non_contiguous_inputs_compile_for_their_strides(server):
    fn = lambda a: a.exp() * a.sum(dim=0)  # noqa: E731
    compiled = aotd.compile(fn, (torch.randn(4, 3, requires_grad=True),),
                            server=server.address, fallback="raise")
    x = torch.randn(3, 4).t().detach().requires_grad_()
    assert not x.is_contiguous()
    compiled(x).sum().backward()
    expected = torch.autograd.grad(fn(x).sum(), x)[0]
    torch.testing.assert_close(x.grad, expected)
    assert compiled.stats["compiles"] == 2
