"""Fixtures: a real aotd server on a free loopback port, with its own cache
folder. The server binary is $AOTD_BINARY, or the repository's Bazel build
(.bazel/bin/server/aotd)."""
import os
import re
import signal
import subprocess
import tempfile

import pytest
import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def server_binary():
    path = os.environ.get("AOTD_BINARY", os.path.join(REPO, ".bazel", "bin", "server", "aotd"))
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"aotd server binary not found at {path}: build //server:aotd "
                                f"or set AOTD_BINARY")
    return path


class Server:
    """One aotd process; `address` is "127.0.0.1:PORT"."""

    def __init__(self, cache_dir):
        self.cache_dir = cache_dir
        self.process = None
        self.address = None

    def start(self):
        self.process = subprocess.Popen(
            [server_binary(), "--listen=127.0.0.1:0", f"--cache_dir={self.cache_dir}",
             "--metrics_listen=none"],
            stderr=subprocess.PIPE, text=True)
        for line in self.process.stderr:
            match = re.search(r"listening on port (\d+)", line)
            if match:
                self.address = f"127.0.0.1:{match.group(1)}"
                return self
        raise RuntimeError(f"aotd exited with {self.process.wait()} before listening")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def server():
    with tempfile.TemporaryDirectory(prefix="aotd-test-") as cache_dir:
        running = Server(cache_dir).start()
        yield running
        running.stop()


@pytest.fixture
def own_server():
    """A server for one test, which the test may kill."""
    with tempfile.TemporaryDirectory(prefix="aotd-test-") as cache_dir:
        running = Server(cache_dir).start()
        yield running
        running.kill()


def assert_same_state(compiled, eager):
    """Equal within rtol 1e-4; an element near zero is compared at 1e-4 of
    its tensor's largest magnitude (float32 sums in another order differ by
    that much, not less)."""
    compiled, eager = list(compiled), list(eager)
    assert [name for name, _ in compiled] == [name for name, _ in eager]
    for (name, a), (_, b) in zip(compiled, eager):
        scale = float(b.abs().max()) if b.is_floating_point() and b.numel() else 0.0
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4 * scale,
                                   msg=lambda m: f"{name}: {m}")
