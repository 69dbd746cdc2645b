#!/usr/bin/env bash
# Builds aotd and starts it on its embedded default: RocksDB in a local
# folder, listening on 127.0.0.1:50051. Extra arguments go to the server.
#
# The server is not built yet: until it is, this builds everything and runs
# the compiler that exists end to end, locally: each recorded workload is
# compiled to native code, run, and compared with PyTorch's results.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bazel build //...
exec .bazel/bin/tools/aotctl conformance tests/testdata/workloads/*/small --local
