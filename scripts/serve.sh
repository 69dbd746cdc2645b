#!/usr/bin/env bash
# Builds aotd and starts it on its embedded default: RocksDB in a local
# folder ($XDG_CACHE_HOME/aotd or ~/.cache/aotd), listening on
# 127.0.0.1:50051. Extra arguments go to the server (see `aotd --help`).
# Also makes `import aotd` work in python3 (scripts/install_python.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bazel build -c opt //server:aotd //tools:aotctl
scripts/install_python.sh -c opt
exec .bazel/bin/server/aotd "$@"
