#!/usr/bin/env bash
# Session churn against the running appliance (issue 18, "Churn"; docs/reliability.md): stock
# openvpn clients in three namespaces connect, authenticate, pass a ping through the tunnel and
# disconnect, CHURN_CYCLES times each, alternately ending the session from the client
# (explicit-exit-notify) and from the server (`vpnctl disconnect USER`). Every CHURN_SAMPLE
# cycles the daemon's RSS, mbufs in use, open file descriptors, threads, pool addresses in use,
# sessions, published session-table slots and routes are sampled (the curve is printed: CURVE
# lines). Checked at the end: sessions, pool addresses and session-table slots back to 0, routes,
# file descriptors and threads back to the baseline, mbufs in use back to the baseline, RSS growth
# after warm-up (the first sample) under CHURN_RSS_MB.
#
#   tests/e2e/churn_test.sh                         (CI: CHURN_CYCLES=6 per client, ~40 s)
#   CHURN_CYCLES=300 CHURN_SAMPLE=25 tests/e2e/churn_test.sh    (the long run; ~1.5 s a cycle)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ovpn_lib.sh"
E2E_TAG=${E2E_TAG:-$(printf 'C%04x' $(($$ % 65536)))}
e2e_init "churn"
e2e_require openvpn ping
[ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun (the openvpn client needs a tun device)"
CYCLES=${CHURN_CYCLES:-6}
SAMPLE=${CHURN_SAMPLE:-2}
RSS_MB=${CHURN_RSS_MB:-16}
USERS=(alice bob carol)
PASSWORDS=(wonderland builder singer)

make_topology 3
make_pki "${USERS[@]}"
ovpn_config '' >"$E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"
for u in "${USERS[@]}"; do profile "$u"; done

# sample LABEL: one CURVE line and one JSON line in samples.jsonl.
sample() {
    local pid=$E2E_DAEMON
    /usr/bin/python3 - "$1" "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")" \
        "$(ls "/proc/$pid/fd" | wc -l)" "$(ls "/proc/$pid/task" | wc -l)" \
        "$(vpnctl --json control)" "$(vpnctl --json pools)" "$(vpnctl --json routes)" \
        "$(session_count)" >>"$E2E_DIR/samples.jsonl" <<'PY'
import json, sys
label, rss, fds, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
c, pools, routes = json.loads(sys.argv[5]), json.loads(sys.argv[6]), json.loads(sys.argv[7])
r = {"label": label, "rss_kb": rss, "fds": fds, "threads": threads,
     "mbufs_in_use": c["mbufs_in_use"], "table": c["session_table_used"],
     "pool_used": sum(p["used"] + p["reserved"] for p in pools.values()),
     "sessions": int(sys.argv[8]), "routes": len(routes)}
print(json.dumps(r))
PY
    tail -n 1 "$E2E_DIR/samples.jsonl" | sed 's/^/CURVE: /'
}

sessions_are_0() { sessions_are 0; }
# one cycle of client I (0-based): connect, ping, disconnect; returns non-zero on a failure.
cycle() {
    local i=$1 n=$2 u=${USERS[$1]} ns
    ns=$(client_ns $((i + 1)))
    printf '%s\n%s\n' "$u" "${PASSWORDS[$i]}" >"$E2E_DIR/$u.pass"
    chmod 600 "$E2E_DIR/$u.pass"
    # Emptied here, not by the client's redirection: that happens in the forked child, and on a
    # loaded box the grep below could still read the previous cycle's "Initialization Sequence
    # Completed" (then the disconnect finds no session and the new client is left running).
    : >"$E2E_DIR/$u-cycle.log"
    ip netns exec "$ns" openvpn --config "$E2E_DIR/$u.ovpn" --auth-user-pass "$E2E_DIR/$u.pass" \
        --auth-nocache --verb 3 --explicit-exit-notify 1 >>"$E2E_DIR/$u-cycle.log" 2>&1 &
    local pid=$!
    if ! wait_for 20 grep -q "Initialization Sequence Completed" "$E2E_DIR/$u-cycle.log"; then
        echo "cycle $n: $u did not connect" >>"$E2E_DIR/churn-errors.log"
        cat "$E2E_DIR/$u-cycle.log" >>"$E2E_DIR/churn-errors.log"
        kill -KILL $pid 2>/dev/null
        wait $pid 2>/dev/null
        return 1
    fi
    ip netns exec "$ns" ping -c 1 -W 2 10.2.0.2 >/dev/null ||
        echo "cycle $n: $u's ping through the tunnel failed" >>"$E2E_DIR/churn-errors.log"
    if [ $((n % 2)) -eq 0 ]; then
        kill -TERM $pid # explicit-exit-notify: the client says goodbye
    else
        vpnctl disconnect "$u" >/dev/null # the server ends it (the client gets RESTART/EXIT)
        kill -TERM $pid
    fi
    wait $pid 2>/dev/null || true
    cat "$E2E_DIR/$u-cycle.log" >>"$E2E_DIR/$u.log"
    # No client may outlive its cycle: one that escapes keeps reconnecting after each
    # `vpnctl disconnect` and would hold a session the test counts.
    local left
    left=$(ip netns pids "$ns" | xargs -r ps -o pid=,comm= -p | awk '$2 == "openvpn" {print $1}')
    if [ -n "$left" ]; then
        echo "cycle $n: $u's openvpn still running after SIGTERM and wait: $left" >>"$E2E_DIR/churn-errors.log"
        kill -KILL $left 2>/dev/null || true
    fi
    return 0
}

sample baseline
T0=$(date +%s)
FAILED=0
for ((n = 1; n <= CYCLES; n++)); do
    pids=()
    for i in 0 1 2; do
        cycle "$i" "$n" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || FAILED=$((FAILED + 1)); done
    # Both ways of ending are seen by the server within a moment (no keepalive wait).
    wait_for 15 sessions_are_0 || echo "cycle $n: sessions not back to 0" >>"$E2E_DIR/churn-errors.log"
    if [ $((n % SAMPLE)) -eq 0 ] || [ "$n" -eq "$CYCLES" ]; then sample "cycle-$n"; fi
done
ELAPSED=$(($(date +%s) - T0))
sleep 1
sample end
echo "FIGURES: $((CYCLES * 3)) connect/authenticate/ping/disconnect cycles in ${ELAPSED} s ($CYCLES rounds of 3 clients)"
check "every cycle connected" test "$FAILED" -eq 0
check "no cycle error (connect, ping, session end)" test ! -s "$E2E_DIR/churn-errors.log"
# Both ways of ending show in the ended sessions' reasons (the first page: the oldest 20).
vpnctl --json raw /vpnplane/sessions_ended >"$E2E_DIR/ended.json"
check "the sessions ended both ways (client exit, administrative disconnect)" /usr/bin/python3 -c "
import json, sys
r = json.load(open('$E2E_DIR/ended.json'))
reasons = sorted({v['end_reason'] for k, v in r.items() if k != 'next'})
print(reasons)
sys.exit(0 if len(reasons) >= 2 else 1)"
check "the resources are back to the baseline" /usr/bin/python3 - "$E2E_DIR/samples.jsonl" "$RSS_MB" <<'PY'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])]
base, warm, end = s[0], s[1] if len(s) > 2 else s[0], s[-1]
ok = True
for k in ("sessions", "pool_used", "table"):
    if end[k] != 0:
        print(f"{k} is {end[k]}, not 0"); ok = False
for k in ("routes", "fds", "threads"):
    if end[k] != base[k]:
        print(f"{k}: {base[k]} -> {end[k]}"); ok = False
if end["mbufs_in_use"] > base["mbufs_in_use"] + 64:
    print(f"mbufs in use {base['mbufs_in_use']} -> {end['mbufs_in_use']}"); ok = False
growth = (end["rss_kb"] - warm["rss_kb"]) / 1024
print(f"RSS baseline {base['rss_kb']} kB, after warm-up {warm['rss_kb']} kB, end {end['rss_kb']} kB"
      f" (growth after warm-up {growth:.1f} MiB)")
if growth > float(sys.argv[2]):
    print(f"RSS grew {growth:.1f} MiB after warm-up"); ok = False
sys.exit(0 if ok else 1)
PY
check "SIGTERM stops the daemon with exit status 0" stop_daemon
check "no password or key in any log" "$E2E_ROOT/tests/common/no_secrets_in_logs.sh" "$E2E_DIR"
e2e_finish
