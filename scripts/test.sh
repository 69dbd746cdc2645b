#!/usr/bin/env bash
# Builds and runs every test: the Bazel suite (GoogleTest), then the Python
# package's tests (pytest, against Debian's python3-torch, with a server the
# tests start). Prints one line, "P passed, F failed", counted from their
# JUnit XML results. Extra arguments go to `bazel test` (for example
# --config=asan); the Python tests always use the default build.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

log=$(mktemp)
results=$(mktemp -d)
trap 'rm -rf "$log" "$results"' EXIT
bazel test //... --test_summary=short "$@" 2>&1 | tee "$log"
bazel_status=${PIPESTATUS[0]}

python_status=1
if scripts/install_python.sh; then
  AOTD_BINARY="$(bazel info bazel-bin 2>/dev/null)/server/aotd" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider client/python/tests \
    --junitxml="$results/python.xml"
  python_status=$?
fi

# Bazel prints one line per test target: "//pkg:name  (cached) PASSED in 0.1s".
python3 - "$log" "$bazel_status" "$results/python.xml" "$python_status" <<'PY'
import os, re, sys, xml.etree.ElementTree as ET

def count(xml_path):
    """(passed, failed) in one JUnit XML file; skipped tests count as failed."""
    root = ET.parse(xml_path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests = sum(int(s.get("tests", 0)) for s in suites)
    bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) + int(s.get("skipped", 0))
              for s in suites)
    return tests - bad, bad

log, bazel_status, python_xml, python_status = sys.argv[1:]
passed = failed = 0
line_re = re.compile(r"^(//\S+)\s+(?:\(cached\)\s+)?(PASSED|FAILED|FLAKY|TIMEOUT|NO STATUS|FAILED TO BUILD|SKIPPED|INCOMPLETE)")
for line in open(log, errors="replace"):
    m = line_re.match(line.strip())
    if not m:
        continue
    target, result = m.groups()
    xml = os.path.join(".bazel/testlogs", target[2:].replace(":", "/"), "test.xml")
    if result not in ("PASSED", "FAILED", "FLAKY") or not os.path.exists(xml):
        failed += 1
        continue
    good, bad = count(xml)
    if result == "FAILED" and bad == 0:
        good, bad = max(good - 1, 0), 1  # Crashed or failed outside a test case.
    passed += good
    failed += bad
if int(bazel_status) != 0 and failed == 0:
    failed = 1  # The build itself failed.

good, bad = count(python_xml) if os.path.exists(python_xml) else (0, 1)
if int(python_status) != 0 and bad == 0:
    bad = 1  # pytest failed outside a test (collection, a crash).
passed += good
failed += bad
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
PY_STATUS=$?
[ "$bazel_status" -eq 0 ] && [ "$python_status" -eq 0 ] && [ "$PY_STATUS" -eq 0 ]
