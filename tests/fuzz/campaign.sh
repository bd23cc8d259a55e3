#!/usr/bin/env bash
# Fuzzing campaign: builds the libFuzzer targets (clang, ASan + UBSan: the sanitizer build of
# tests/run.sh), runs each one from its corpus, merges the inputs that add coverage into
# tests/fuzz/corpus/<name>/ and writes a markdown table of the results (docs/reliability.md).
#
#   tests/fuzz/campaign.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET: 60 by default; 0 = no time limit (use VP_FUZZ_RUNS). TARGET: fuzz_* names
# (all of them by default). Environment:
#   VP_FUZZ_RUNS=N      stop each target after N executions (libFuzzer -runs=N)
#   VP_FUZZ_BUILD=DIR   the clang build directory (build-asan, the one tests/run.sh uses)
#   VP_FUZZ_REPORT=FILE the table (DIR/fuzz-campaign.md)
#   VP_FUZZ_MERGE=0     leave tests/fuzz/corpus/ untouched
# Findings (crash-*, leak-*, timeout-*, oom-* inputs) are kept in DIR/fuzz-findings/<target>/;
# the exit status is 1 when there is one.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
build=${VP_FUZZ_BUILD:-build-asan}
report=${VP_FUZZ_REPORT:-$build/fuzz-campaign.md}
runs=${VP_FUZZ_RUNS:--1}
merge=${VP_FUZZ_MERGE:-1}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: campaign.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "campaign.sh: clang++ is needed (libFuzzer)" >&2; exit 2; }

if [ -f "$build/build.ninja" ]; then
    meson setup --reconfigure "$build" >/dev/null
else
    CXX=clang++ meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbenchmarks=false -Dtests=true >/dev/null
fi
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(meson introspect "$build" --targets | /usr/bin/python3 -c \
        'import json,sys; [print(t["name"]) for t in json.load(sys.stdin) if t["name"].startswith("fuzz_")]' |
        sort)
fi
meson compile -C "$build" "${targets[@]}"

export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
limit=$([ "$runs" -ge 0 ] && echo "$runs executions" || echo "$seconds s")
{
    echo "Fuzzing campaign, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD), $limit per target"
    echo
    echo "| target | executions | exec/s | cov | ft | corpus before | new corpus files | findings |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
} >"$report"

found=0
for name in "${targets[@]}"; do
    exe=$build/tests/fuzz/$name
    corpus=tests/fuzz/corpus/$name
    findings=$build/fuzz-findings/$name
    work=$(mktemp -d)
    rm -rf "$findings" # each run reports its own findings only
    mkdir -p "$corpus" "$findings" "$work/new"
    before=$(find "$corpus" -type f | wc -l)
    echo "--- $name ($limit, $before corpus files)"
    # New inputs go to the first directory (scratch); the committed corpus is only read.
    rc=0
    "$exe" -max_total_time="$seconds" -runs="$runs" -timeout=25 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$findings/" "$work/new" "$corpus" \
        >"$work/log" 2>&1 || rc=$?
    tail -n 3 "$work/log"
    execs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$work/log" | grep -oE '[0-9]+$' || echo 0)
    rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$work/log" | grep -oE '[0-9]+$' || echo 0)
    # cov: and ft: of the last status line (#N ... cov: X ft: Y ...)
    last=$(grep -E '^#[0-9]+.*cov: [0-9]+' "$work/log" | tail -n 1 || true)
    cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo -)
    ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo -)
    added=0
    if [ "$merge" = 1 ] && [ -n "$(ls -A "$work/new")" ]; then
        # Keep only the inputs that add coverage to what the corpus already reaches.
        "$exe" -merge=1 "$corpus" "$work/new" >"$work/merge.log" 2>&1 ||
            { echo "merge failed:"; tail -n 5 "$work/merge.log"; }
        added=$(($(find "$corpus" -type f | wc -l) - before))
    fi
    artifacts=$(find "$findings" -type f -printf '%f ' | sed 's/ $//')
    if [ $rc -ne 0 ] || [ -n "$artifacts" ]; then
        found=1
        result="**exit $rc** ${artifacts:-(no input saved)}"
        cp "$work/log" "$findings/log.txt"
    else
        result=none
    fi
    echo "| $name | $execs | $rate | $cov | $ft | $before | $added | $result |" >>"$report"
    rm -rf "$work"
done
echo
cat "$report"
exit $found
