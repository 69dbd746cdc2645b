"""Trains a small classifier on three interleaved spirals with aotd.

Start a server first (scripts/serve.sh), then:

    python3 examples/train_spirals.py [--server 127.0.0.1:50051] [--steps 300]

The model's forward and backward are compiled by the server and run in this
process. Three graphs are compiled: training on full batches, training on
the last, shorter batch of each epoch, and evaluation. A second run finds
all of them in the server's cache ("uploaded 0"). Stop the server during a
run (--pause 0.05 gives time): the compiled steps keep running, and the
evaluation graph, compiled last, runs eagerly after one warning (or the run
stops naming the server, with --fallback raise).
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import aotd


def spirals(points_per_class=400, classes=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    xs, ys = [], []
    for c in range(classes):
        r = torch.linspace(0.05, 1.0, points_per_class)
        angle = r * 4.0 + c * 2.0 * math.pi / classes
        angle = angle + 0.15 * torch.randn(points_per_class, generator=generator)
        xs.append(torch.stack([r * angle.sin(), r * angle.cos()], dim=1))
        ys.append(torch.full((points_per_class,), c, dtype=torch.int64))
    return torch.cat(xs), torch.cat(ys)


class Classifier(nn.Module):
    def __init__(self, width=64, classes=3):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(2, width), nn.BatchNorm1d(width), nn.GELU(),
            nn.Linear(width, width), nn.LayerNorm(width), nn.Tanh(),
            nn.Linear(width, classes))

    def forward(self, x, target):
        logits = self.body(x)
        return F.cross_entropy(logits, target), logits


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--fallback", default="eager", choices=["eager", "raise"])
    parser.add_argument("--log-every", type=int, default=50, help="steps between loss lines")
    parser.add_argument("--pause", type=float, default=0.0,
                        help="seconds to wait after each step (to watch, or to stop the server)")
    args = parser.parse_args()

    torch.manual_seed(0)
    x, y = spirals()
    model = aotd.compile(Classifier(), (x[:args.batch], y[:args.batch]), server=args.server,
                         fallback=args.fallback)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    step = 0
    while step < args.steps:
        order = torch.randperm(len(x))
        for start in range(0, len(x), args.batch):
            batch = order[start:start + args.batch]
            loss, _ = model(x[batch], y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if step % args.log_every == 0:
                print(f"step {step:4d}  loss {loss.item():.4f}", flush=True)
            time.sleep(args.pause)
            if step == args.steps:
                break

    model.eval()
    with torch.no_grad():
        _, logits = model(x, y)
    accuracy = (logits.argmax(dim=1) == y).float().mean().item()
    stats = model.stats
    print(f"accuracy {accuracy:.3f}")
    print(f"graphs compiled {stats['compiles']}: cache hits {stats['cache_hits']}, "
          f"uploaded {stats['uploads']}, ran eagerly {stats['eager_fallbacks']}")


if __name__ == "__main__":
    main()
