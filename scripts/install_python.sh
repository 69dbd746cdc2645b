#!/usr/bin/env bash
# Builds the Python package's native module with the given Bazel flags (for
# example -c opt) and makes `import aotd` work in Debian's python3: the built
# aotd/_native.so and aotd/graph_pb2.py go beside the package's sources, and
# an aotd.pth file in site-packages points at them.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build "$@" //client/python:package
bin=$(bazel info "$@" bazel-bin 2>/dev/null)
install -m 0755 "$bin/client/python/_native.so" client/python/aotd/_native.so
install -m 0644 "$bin/proto/graph_pb2.py" client/python/aotd/graph_pb2.py
site=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO mkdir -p "$site"
echo "$PWD/client/python" | $SUDO tee "$site/aotd.pth" >/dev/null
/usr/bin/python3 -c 'import aotd' || { echo "install_python: import aotd fails" >&2; exit 1; }
