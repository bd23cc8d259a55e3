#!/usr/bin/env python3
"""Summarises a `meson test` run from its meson-logs/testlog.json: how many tests ran in each
suite and how each ended. Under CI=true (or with --no-skips) any skipped test is an error: there
every prerequisite is installed, so a skip means a test passed without checking anything.

    tests/test_summary.py BUILD_DIR [--no-skips]

Exit status: 0, or 1 when skips are refused and some test skipped (or the log is missing).
"""
import argparse
import collections
import json
import os
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build_dir")
    ap.add_argument("--no-skips", action="store_true",
                    help="fail on any skipped test (the default under CI=true)")
    a = ap.parse_args()
    no_skips = a.no_skips or os.environ.get("CI") == "true"
    path = os.path.join(a.build_dir, "meson-logs", "testlog.json")
    try:
        with open(path) as f:
            records = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        print("test summary: cannot read %s: %s" % (path, e))
        return 1
    by_suite = collections.defaultdict(collections.Counter)
    skipped = []
    for r in records:
        result = r.get("result", "?")
        # Newer meson records suites as ["project:suite", ...] (a test in several counts in
        # each); older meson only names the test "project:suite / test".
        name = r.get("name", "?")
        suites = [s.split(":", 1)[-1] for s in r.get("suite") or []]
        if not suites and " / " in name:
            suites = [name.split(" / ", 1)[0].split(":", 1)[-1]]
        suites = suites or ["(none)"]
        for s in suites:
            by_suite[s][result] += 1
        if result == "SKIP":
            skipped.append(name)
    print("tests per suite (%s):" % path)
    for suite in sorted(by_suite):
        c = by_suite[suite]
        ran = sum(n for res, n in c.items() if res != "SKIP")
        detail = ", ".join("%s %d" % (res.lower(), n) for res, n in sorted(c.items()))
        print("  %-10s %4d ran (%s)" % (suite, ran, detail))
    if skipped:
        print("skipped: " + " ".join(sorted(skipped)))
        if no_skips:
            print("FAIL: %d test(s) skipped; under CI=true every test must run" % len(skipped))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
