"""The benchmark and the example, run briefly against a test server."""
import json
import os
import re
import subprocess
import sys

from conftest import REPO

WORKLOADS = os.path.join(REPO, "tests", "testdata", "workloads")


def run(args):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "client", "python"))
    result = subprocess.run([sys.executable] + args, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_bench_reports_every_column(server):
    folders = [os.path.join(WORKLOADS, name, "small") for name in ("d_pointwise", "e_loss")]
    out = run(["-m", "aotd.bench", *folders, "--server", server.address, "--json",
               "--min-samples", "3", "--min-seconds", "0"])
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row.get("workload") for row in rows[:2]] == ["d_pointwise/small", "e_loss/small"]
    for row in rows[:2]:
        for key in ("eager_ms", "aotd_ms", "speedup", "compile_cold_s", "compile_warm_s",
                    "eager_peak_mb", "aotd_peak_mb"):
            assert row[key] >= 0, (key, row)
        assert row["speedup"] == row["eager_ms"] / row["aotd_ms"]
    assert rows[2]["geomean_speedup"] > 0


def test_example_trains_and_its_second_run_compiles_nothing(server):
    example = os.path.join(REPO, "examples", "train_spirals.py")
    first = run([example, "--server", server.address, "--steps", "50", "--fallback", "raise"])
    second = run([example, "--server", server.address, "--steps", "50", "--fallback", "raise"])
    assert "graphs compiled 3: cache hits 0, uploaded 3" in first
    assert "graphs compiled 3: cache hits 3, uploaded 0" in second
    losses = [float(x) for x in re.findall(r"loss (\S+)", first)]
    assert len(losses) == 1  # Printed at step 50.
    assert losses == [float(x) for x in re.findall(r"loss (\S+)", second)]


def test_example_survives_its_server_being_killed(own_server):
    example = os.path.join(REPO, "examples", "train_spirals.py")
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "client", "python"))
    process = subprocess.Popen(
        [sys.executable, example, "--server", own_server.address, "--steps", "60",
         "--log-every", "10", "--pause", "0.02"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().startswith("step   10")  # Both training graphs compiled.
    own_server.kill()
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    assert "step   60" in out
    assert "graphs compiled 2: cache hits 0, uploaded 2, ran eagerly 1" in out
    warnings = [line for line in err.splitlines() if "RuntimeWarning" in line]
    assert len(warnings) == 1 and own_server.address in warnings[0], err
    assert "unreachable" in warnings[0]
