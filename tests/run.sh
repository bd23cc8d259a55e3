#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs the dependencies, checks the
# formatting, builds with warnings as errors, runs the unit, scenario, fuzz-regression and
# end-to-end (network namespace, real clients) tests, then rebuilds with clang, AddressSanitizer,
# UndefinedBehaviorSanitizer and libFuzzer's instrumentation, runs the unit, scenario and fuzz
# tests and a selection of the end-to-end tests (foundation, OpenVPN/TCP, NAT, site-to-site,
# metrics) again, and finally runs every fuzz target under libFuzzer for a short while. Needs
# root (namespaces, packages).
#
#   sudo tests/run.sh            everything
#   sudo tests/run.sh --quick    skip the sanitizer build and the libFuzzer runs
#
# Environment: VP_FUZZ_SECONDS (default 10) per libFuzzer target. CI=true turns a skipped test
# (a missing prerequisite) into a failure. Each test run ends with the number of tests run per
# suite, and the suite fails if it leaves files in the source tree that git did not see before.
set -euo pipefail
cd "$(dirname "$0")/.."
# What git sees before the tests (a developer's own changes), to tell apart what they leave.
tree_before=$(git status --porcelain --untracked-files=all 2>/dev/null || true)
quick=0
[ "${1:-}" = "--quick" ] && quick=1

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
deploy/install-deps.sh

step "formatting (clang-format, .clang-format)"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.[ch]pp' -not -path './build*')
clang-format --dry-run --Werror "${sources[@]}"

setup() { # DIR ARGS...
    local dir=$1
    shift
    if [ -f "$dir/build.ninja" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null
    else meson setup "$dir" "$@" >/dev/null; fi
}

step "build (warnings are errors)"
setup build -Dwerror=true
ninja -C build

run_tests() { # BUILD_DIR MESON_TEST_ARGS...: runs, then prints (and checks) the summary
    local dir=$1 rc=0
    shift
    meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" || rc=$?
    tests/test_summary.py "$dir" || rc=1
    return $rc
}

step "unit, scenario, fuzz-regression and end-to-end tests"
run_tests build

if [ $quick -eq 0 ]; then
    # One clang build serves both: AddressSanitizer + UBSan for the tests, and libFuzzer's
    # coverage instrumentation in every object for the fuzz targets (-Dfuzz=true), which then
    # replay their corpus as the fuzz suite and run timed campaigns below.
    export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1
    step "AddressSanitizer + UndefinedBehaviorSanitizer + libFuzzer build (clang)"
    CXX=clang++ setup build-asan -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbenchmarks=false
    ninja -C build-asan
    run_tests build-asan --suite unit --suite scenario --suite fuzz
    # A selection of the end-to-end tests against the sanitized daemon (a report fails the
    # daemon's exit status, which each test checks); the rest would not fit the CI budget.
    step "end-to-end tests against the AddressSanitizer + UBSan daemon"
    run_tests build-asan e2e_foundation e2e_ovpn_tcp e2e_nat e2e_s2s_ovpn_udp e2e_metrics

    step "libFuzzer, ${VP_FUZZ_SECONDS:-10} s per target"
    for target in build-asan/tests/fuzz/fuzz_*; do
        [ -f "$target" ] && [ -x "$target" ] || continue
        name=$(basename "$target")
        work=$(mktemp -d)
        cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
        echo "--- $name"
        "$target" -max_total_time="${VP_FUZZ_SECONDS:-10}" -print_final_stats=0 "$work" 2>&1 | tail -n 2
        rm -rf "$work"
    done
fi

step "the tests left the source tree as they found it"
tree_after=$(git status --porcelain --untracked-files=all 2>/dev/null || true)
left=$(comm -13 <(sort <<<"$tree_before") <(sort <<<"$tree_after"))
if [ -n "$left" ]; then
    echo "FAIL: files created or changed by the tests (write them into a temporary directory):"
    echo "$left"
    exit 1
fi

step "all tests passed"
