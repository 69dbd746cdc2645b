"""Times eager PyTorch and aotd on recorded workloads, in one process.

    python3 -m aotd.bench ../shared/workloads/*/full [--server HOST:PORT]

For each workload folder (an aten-fx-json/1 forward.json), builds random
inputs of the recorded shapes and runs forward+backward eagerly (the graph's
own ATen calls, autograd for the backward) and compiled by the aotd server,
alternating the two. Prints the median step time of each and their ratio,
the compile time cold (a namespace nobody used: the server compiles) and
warm (a new connection: a cache hit, fetched and loaded), and the peak
memory a step adds above what is live before it, for each.

Both sides use 2 threads and the same BLAS (OpenBLAS's OpenMP build, core
named from the instruction set). Step times are measured with glibc told to
reuse freed memory (GLIBC_TUNABLES below): touching fresh pages would
otherwise dominate large steps. Peak memory is measured in a child process
with a fixed mmap threshold, so that freed blocks return to the system and
the resident-set high-water mark follows live memory.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
import uuid

THREADS = "2"
TIMING_TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184"
MEMORY_TUNABLES = "glibc.malloc.mmap_threshold=65536"


def _reexec_with(tunables):
    """Restarts this process with the allocator and thread settings the
    measurement needs (they must be set before the process starts)."""
    if os.environ.get("GLIBC_TUNABLES") == tunables and os.environ.get("OMP_NUM_THREADS") == THREADS:
        return
    env = dict(os.environ, GLIBC_TUNABLES=tunables, OMP_NUM_THREADS=THREADS)
    os.execve(sys.executable, [sys.executable, "-m", "aotd.bench"] + sys.argv[1:], env)


def _prepare(folder, seed=0):
    """The workload's eager module, inputs, and the backward's tangents."""
    import torch
    from aotd import workload
    loaded = workload.load(folder)
    inputs = loaded.random_inputs(seed)
    outputs = loaded.module(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    tangents = [torch.ones_like(o) if o.requires_grad else None for o in outputs]
    return loaded, inputs, tangents


def _step_fn(callable_, inputs, tangents):
    import torch
    leaves = [t for t in inputs if t.requires_grad]

    def step():
        outputs = callable_(*inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, tangents) if g is not None]
        torch.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        for t in leaves:  # Gradients count in the step's peak, not before it.
            t.grad = None
    return step


def _compile(module, inputs, args, namespace):
    import aotd
    return aotd.compile(module, inputs, server=args.server, partitioner=args.partitioner,
                        memory_budget=args.memory_budget, fallback="raise",
                        cache_namespace=namespace)


def _memory_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _peak_step_bytes(step):
    """Bytes one step adds to the resident set at its peak."""
    step()
    step()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # Resets the high-water mark (VmHWM) to the current RSS.
    before = _memory_kb("VmRSS")
    step()
    return (_memory_kb("VmHWM") - before) * 1024


def _measure_memory(args):
    """Child process: prints the peak bytes of one eager or aotd step."""
    import torch
    torch.set_num_threads(int(THREADS))
    loaded, inputs, tangents = _prepare(args.folders[0])
    callable_ = loaded.module
    if args.memory == "aotd":
        callable_ = _compile(loaded.module, inputs, args, args.namespace)
    print(_peak_step_bytes(_step_fn(callable_, inputs, tangents)))


def _peak_in_child(mode, folder, args, namespace):
    command = [sys.executable, "-m", "aotd.bench", folder, "--memory", mode,
               "--server", args.server, "--partitioner", args.partitioner,
               "--memory-budget", str(args.memory_budget), "--namespace", namespace]
    env = dict(os.environ, GLIBC_TUNABLES=MEMORY_TUNABLES, OMP_NUM_THREADS=THREADS)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return int(result.stdout.split()[-1])


def _time_alternating(steps, min_samples, min_seconds):
    """Median seconds of each step, run in turns after a warm-up."""
    for step in steps:
        for _ in range(3):
            step()
    samples = [[] for _ in steps]
    start = time.perf_counter()
    while len(samples[0]) < min_samples or time.perf_counter() - start < min_seconds:
        for step, times in zip(steps, samples):
            t = time.perf_counter()
            step()
            times.append(time.perf_counter() - t)
    return [statistics.median(times) for times in samples]


def bench(folder, args):
    from aotd import compiled as compiled_module
    loaded, inputs, tangents = _prepare(folder)
    namespace = f"bench-{uuid.uuid4().hex[:12]}"

    t = time.perf_counter()
    aotd_module = _compile(loaded.module, inputs, args, namespace)
    cold = time.perf_counter() - t
    compiled_module.reset()  # A new connection and no loaded artifacts.
    t = time.perf_counter()
    aotd_module = _compile(loaded.module, inputs, args, namespace)
    warm = time.perf_counter() - t
    assert aotd_module.stats["cache_hits"] == 1, aotd_module.stats

    eager_s, aotd_s = _time_alternating(
        [_step_fn(loaded.module, inputs, tangents), _step_fn(aotd_module, inputs, tangents)],
        args.min_samples, args.min_seconds)
    return {
        "workload": loaded.name,
        "eager_ms": eager_s * 1e3,
        "aotd_ms": aotd_s * 1e3,
        "speedup": eager_s / aotd_s,
        "compile_cold_s": cold,
        "compile_warm_s": warm,
        "eager_peak_mb": _peak_in_child("eager", folder, args, namespace) / 2**20,
        "aotd_peak_mb": _peak_in_child("aotd", folder, args, namespace) / 2**20,
    }


def main():
    parser = argparse.ArgumentParser(prog="python3 -m aotd.bench",
                                     description="Eager PyTorch vs aotd, forward+backward.")
    parser.add_argument("folders", nargs="+", help="workload folders (with forward.json)")
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--partitioner", default="min_cut")
    parser.add_argument("--memory-budget", type=float, default=1.0)
    parser.add_argument("--min-samples", type=int, default=20)
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--json", action="store_true", help="one JSON object per workload")
    parser.add_argument("--memory", choices=["eager", "aotd"], help=argparse.SUPPRESS)
    parser.add_argument("--namespace", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        _measure_memory(args)
        return
    _reexec_with(TIMING_TUNABLES)

    import torch
    torch.set_num_threads(int(THREADS))
    header = (f"{'workload':<20} {'eager ms':>9} {'aotd ms':>9} {'speedup':>8} "
              f"{'cold s':>7} {'warm s':>7} {'eager MB':>9} {'aotd MB':>8}")
    if not args.json:
        print(f"# {THREADS} threads, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}, "
              f"GLIBC_TUNABLES={TIMING_TUNABLES}; medians; speedup = eager / aotd")
        print(header)
    speedups = []
    for folder in args.folders:
        row = bench(folder, args)
        speedups.append(row["speedup"])
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print(f"{row['workload']:<20} {row['eager_ms']:9.2f} {row['aotd_ms']:9.2f} "
                  f"{row['speedup']:7.2f}x {row['compile_cold_s']:7.2f} "
                  f"{row['compile_warm_s']:7.3f} {row['eager_peak_mb']:9.1f} "
                  f"{row['aotd_peak_mb']:8.1f}", flush=True)
    geomean = math.exp(sum(math.log(s) for s in speedups) / len(speedups))
    if args.json:
        print(json.dumps({"geomean_speedup": geomean}))
    else:
        print(f"geometric mean speedup: {geomean:.2f}x")


if __name__ == "__main__":
    main()
