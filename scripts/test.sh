#!/usr/bin/env bash
# Builds and runs every test, then prints one line: "P passed, F failed",
# counted from the GoogleTest results. Extra arguments go to `bazel test`
# (for example --config=asan).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
bazel test //... --test_summary=short "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One line per test target: "//pkg:name  (cached) PASSED in 0.1s".
python3 - "$log" "$status" <<'PY'
import os, re, sys, xml.etree.ElementTree as ET

passed = failed = 0
line_re = re.compile(r"^(//\S+)\s+(?:\(cached\)\s+)?(PASSED|FAILED|FLAKY|TIMEOUT|NO STATUS|FAILED TO BUILD|SKIPPED|INCOMPLETE)")
for line in open(sys.argv[1], errors="replace"):
    m = line_re.match(line.strip())
    if not m:
        continue
    target, result = m.groups()
    xml = os.path.join(".bazel/testlogs", target[2:].replace(":", "/"), "test.xml")
    if result not in ("PASSED", "FAILED", "FLAKY") or not os.path.exists(xml):
        failed += 1
        continue
    root = ET.parse(xml).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests = sum(int(s.get("tests", 0)) for s in suites)
    bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    if result == "FAILED" and bad == 0:
        bad, tests = 1, max(tests, 1)  # Crashed or failed outside a test case.
    passed += tests - bad
    failed += bad
if int(sys.argv[2]) != 0 and failed == 0:
    failed = 1  # The build itself failed.
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
summary=$?
[ "$status" -eq 0 ] && [ "$summary" -eq 0 ]
