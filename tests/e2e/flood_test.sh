#!/usr/bin/env bash
# Floods against a running appliance with established sessions carrying traffic (issue 18,
# "Floods"; docs/reliability.md): the stock openvpn client alice over UDP and bob over TCP are
# connected, iperf3 runs through both tunnels without a flood and then (same run, same length)
# while a flood comes from a third namespace; a byte-exact transfer follows, still under the flood.
# Checked: both sessions survive (same session ids, no client restart, no keepalive expiry), the
# tunnels carry traffic and exact bytes, the flood is counted under named reasons, and the
# daemon's RSS and mbufs in use return to within a bound. Printed (FIGURES lines): the flood's
# rate, the throughput ratio flooded / unflooded, every counter that rose, RSS and mempool use.
#
#   tests/e2e/flood_test.sh CASE
#     reset    spoofed P_CONTROL_HARD_RESET_CLIENT_V2 at UDP 1194 (no control-channel wrapping)
#     badhmac  the same with tls-auth configured: resets with a wrong HMAC
#     badtag   P_DATA_V2 with alice's peer-id, from alice's own address and port, bad tags
#     syn      spoofed TCP SYNs at the OpenVPN/TCP port (1194) and the SSTP port (443)
#     hello    TCP connections sending a TLS ClientHello to SSTP (443) and an OpenVPN reset to
#              OpenVPN/TCP (1194), held open
#     smoke    badtag + syn + short ClientHello / OpenVPN reset connection floods to SSTP and
#              OpenVPN/TCP (CI)
#   FLOOD_RATE (packets or connections/s), FLOOD_SECONDS (iperf3 run length, default 8),
#   FLOOD_MIN_RATIO (fail below this throughput ratio; default 0: report only, as the shared
#   2-core development box cannot time anything), FLOOD_RSS_MB (allowed RSS growth, default 32).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ovpn_lib.sh"
CASE=${1:?usage: flood_test.sh reset|badhmac|badtag|syn|hello|smoke}
E2E_TAG=${E2E_TAG:-$(printf 'F%04x' $(($$ % 65536)))}
e2e_init "flood-$CASE"
e2e_require openvpn iperf3 nc
[ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun (the openvpn client needs a tun device)"
HERE=$(cd "$(dirname "$0")" && pwd)
T=${FLOOD_SECONDS:-8}
[ "$CASE" = smoke ] && T=${FLOOD_SECONDS:-4}
MIN_RATIO=${FLOOD_MIN_RATIO:-0}
RSS_MB=${FLOOD_RSS_MB:-32}
# The ClientHello flood holds 2 x 500 connections in the TLS handshake at once: their OpenSSL
# state is the daemon's high-water mark (about 45 MiB here), reached once and then reused.
[ "$CASE" = hello ] && RSS_MB=${FLOOD_RSS_MB:-64}
# The flood comes from one address: SSTP lets it hold this many connections in negotiation.
SSTP_PER_SOURCE=${FLOOD_SSTP_PER_SOURCE:-100}
# The same for OpenVPN/TCP connections that have not completed their handshake.
OVPN_PER_SOURCE=${FLOOD_OVPN_PER_SOURCE:-100}
FLOOD_NS=

make_topology 3 # 1: alice (UDP), 2: bob (TCP), 3: the flood
FLOOD_NS=$(client_ns 3)
make_pki alice bob
WRAP=
if [ "$CASE" = badhmac ]; then
    "$VPNCTL" ovpn genkey secret "$E2E_DIR/tls_auth.key" 2>/dev/null
    WRAP="tls_auth = { key = \"$E2E_DIR/tls_auth.key\"; direction = \"0\"; };"
fi
{
    ovpn_config "protocol = \"udp,tcp\"; max_tcp_handshakes_per_source = $OVPN_PER_SOURCE; $WRAP"
    cat <<CFG
sstp_server = { enabled = true; port = 443; certificate = "server-certificate";
                default_profile = "vpn-profile"; authentication = ["mschap2"];
                max_handshakes_per_source = $SSTP_PER_SOURCE; };
CFG
} >"$E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"
profile alice protocol=udp
profile bob protocol=tcp
start_client "$(client_ns 1)" alice alice wonderland
start_client "$(client_ns 2)" bob bob builder
check "alice connects over UDP" connected alice
check "bob connects over TCP" connected bob
check "two sessions" wait_for 5 sessions_are 2
addr_of() {
    vpnctl --json sessions | /usr/bin/python3 -c \
        "import json,sys; print([s['address'] for s in json.load(sys.stdin).values() if s['name']=='$1'][0])"
}
ALICE_ADDR=$(addr_of alice)
BOB_ADDR=$(addr_of bob)
SESSION_IDS=$(vpnctl --json sessions | /usr/bin/python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)))')

in_lan iperf3 -s -p 5201 >"$E2E_DIR/iperf-s1.log" 2>&1 &
E2E_PIDS+=($!)
in_lan iperf3 -s -p 5202 >"$E2E_DIR/iperf-s2.log" 2>&1 &
E2E_PIDS+=($!)
sleep 0.5

# snapshot NAME: RSS, mbufs in use and every counter group, as one JSON file.
snapshot() {
    local f=$E2E_DIR/snap-$1.json c
    {
        echo "{\"rss_kb\": $(awk '/VmRSS/ {print $2}' "/proc/$E2E_DAEMON/status"),"
        # What the kernel dropped before the daemon saw it: the veth into the appliance's
        # namespace (its rx side) and the bridge port toward it (its tx side).
        printf '"kernel": {"wan_rx_packets": %s, "wan_rx_dropped": %s, "switch_tx_dropped": %s},\n' \
            "$(ip netns exec "$NS_APP" cat /sys/class/net/vpa-wan/statistics/rx_packets)" \
            "$(ip netns exec "$NS_APP" cat /sys/class/net/vpa-wan/statistics/rx_dropped)" \
            "$(ip netns exec "${E2E_TAG}s" cat /sys/class/net/up0/statistics/tx_dropped)"
        for c in drops ovpn control workers sstp tcp ports; do
            printf '"%s": ' "$c"
            vpnctl --json raw "/vpnplane/$c" 2>/dev/null || echo '{}'
            echo ","
        done
        echo '"end": 0}'
    } >"$f"
}

# iperf TAG: both clients at once (alice to port 5201, bob to 5202), T seconds; the sum in bit/s.
iperf() {
    ip netns exec "$(client_ns 1)" iperf3 -c 10.2.0.2 -p 5201 -t "$T" -J >"$E2E_DIR/iperf-$1-alice.json" 2>&1 &
    local a=$!
    ip netns exec "$(client_ns 2)" iperf3 -c 10.2.0.2 -p 5202 -t "$T" -J >"$E2E_DIR/iperf-$1-bob.json" 2>&1 &
    local b=$!
    local rc=0
    wait "$a" || rc=1
    wait "$b" || rc=1
    return $rc
}
bps() { # TAG CLIENT
    /usr/bin/python3 -c "import json; print(int(json.load(open('$E2E_DIR/iperf-$1-$2.json'))['end']['sum_received']['bits_per_second']))" 2>/dev/null || echo 0
}

# flood_start MODE PORT RATE [ARGS...]: the generator in the flood namespace until flood_stop.
FLOODS=()
flood_start() {
    local mode=$1 port=$2 rate=$3
    shift 3
    local out=${FLOOD_OUT:-$E2E_DIR}/flood-$mode-$port.json
    ip netns exec "$FLOOD_NS" /usr/bin/python3 "$HERE/flood_gen.py" "$mode" 10.1.0.1 "$port" \
        "$rate" 600 "$@" >"$out" 2>"$E2E_DIR/flood-$mode-$port.log" &
    FLOODS+=($!)
    E2E_PIDS+=($!)
}
flood_stop() { # SIGTERM: the generators print what they sent and exit
    local p
    for p in "${FLOODS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${FLOODS[@]}"; do wait "$p" || true; done
}
flood_sent() { # the sum of what every generator sent
    cat "$E2E_DIR"/flood-*.json | /usr/bin/python3 -c \
        'import json,sys; print(sum(json.loads(l)["sent"] for l in sys.stdin if l.strip()))'
}

snapshot before
check "iperf3 through both tunnels without a flood" iperf base
PEER_ID=$(grep -oE 'peer-id [0-9]+' "$E2E_DIR/alice.log" | head -1 | awk '{print $2}')
ALICE_PORT=$(vpnctl --json sessions | /usr/bin/python3 -c \
    "import json,sys; print([s['caller_id'] for s in json.load(sys.stdin).values() if s['name']=='alice'][0].split(':')[1].split('/')[0])")

start_floods() {
    case $CASE in
    reset) flood_start reset 1194 "${FLOOD_RATE:-6000}" ;;
    badhmac) flood_start badhmac 1194 "${FLOOD_RATE:-6000}" ;;
    badtag) flood_start badtag 1194 "${FLOOD_RATE:-6000}" --peer-id "${PEER_ID:-0}" --src "10.1.0.2:$ALICE_PORT" ;;
    syn)
        flood_start syn 1194 "${FLOOD_RATE:-3000}"
        flood_start syn 443 "${FLOOD_RATE:-3000}"
        ;;
    hello)
        flood_start hello 443 "${FLOOD_RATE:-200}" --kind tls
        flood_start hello 1194 "${FLOOD_RATE:-200}" --kind ovpn
        ;;
    smoke)
        flood_start badtag 1194 "${FLOOD_RATE:-3000}" --peer-id "${PEER_ID:-0}" --src "10.1.0.2:$ALICE_PORT"
        flood_start syn 443 "${FLOOD_RATE:-2000}"
        flood_start hello 443 100 --kind tls
        flood_start hello 1194 100 --kind ovpn
        ;;
    *) echo "unknown case $CASE"; exit 2 ;;
    esac
}
start_floods
sleep 2
snapshot during
check "iperf3 through both tunnels during the flood" iperf flood
# A byte-exact transfer through alice's tunnel (UDP), still under the flood.
head -c 2000000 /dev/urandom >"$E2E_DIR/up.bin"
in_lan timeout 30 nc -l -p 5101 >"$E2E_DIR/up.recv" &
wait_for 10 bash -c "ip netns exec $NS_LAN ss -ltn | grep -q ':5101 '" # listening (a loaded box)
check "upload through alice's tunnel during the flood" ip netns exec "$(client_ns 1)" timeout 30 \
    nc -N 10.2.0.2 5101 <"$E2E_DIR/up.bin"
sleep 0.5
check "the upload is byte-exact" cmp "$E2E_DIR/up.bin" "$E2E_DIR/up.recv"
flood_stop
SENT=$(flood_sent)
# FLOOD_ROUNDS > 1: more rounds of the same flood (no iperf3), to see the daemon's memory settle
# at a bound rather than grow with every round (RSS after each round: the FIGURES line "rounds").
ROUNDS=${FLOOD_ROUNDS:-1}
for ((r = 2; r <= ROUNDS; r++)); do
    FLOODS=()
    mkdir -p "$E2E_DIR/round$r"
    FLOOD_OUT=$E2E_DIR/round$r start_floods
    sleep "$T"
    flood_stop
    sleep 3
    snapshot "round$r"
done
sleep 3 # the rings drain, the TCP engine's half-open connections time out or are cookies
snapshot after
check "iperf3 through both tunnels after the flood" iperf base2
check "bob reaches the LAN after the flood" ip netns exec "$(client_ns 2)" ping -c 3 -i 0.2 -W 2 10.2.0.2
check "alice reaches the LAN after the flood" ip netns exec "$(client_ns 1)" ping -c 3 -i 0.2 -W 2 10.2.0.2
check "the same two sessions are up (no reconnect)" test "$(vpnctl --json sessions | /usr/bin/python3 -c \
    'import json,sys; print(sorted(json.load(sys.stdin)))')" = "$SESSION_IDS"
check "no client restarted (no ping-restart, no keepalive expiry)" bash -c \
    "! grep -hE 'Inactivity timeout|SIGUSR1|SIGHUP|Restart pause|Connection reset' $E2E_DIR/alice.log $E2E_DIR/bob.log"
check "vpnplaned ended no session" bash -c "! grep -E 'session .*(ended|closed|timed out)' $E2E_DIR/vpnplaned.log"

# What rose, the memory, the ratio; and the checks on them.
FIG_RC=0
/usr/bin/python3 - "$E2E_DIR" "$CASE" "$SENT" \
    "$(($(bps base alice) + $(bps base2 alice)))" "$(($(bps base bob) + $(bps base2 bob)))" \
    "$(($(bps flood alice) * 2))" "$(($(bps flood bob) * 2))" "$MIN_RATIO" "$RSS_MB" "$SSTP_PER_SOURCE" "$OVPN_PER_SOURCE" \
    >"$E2E_DIR/figures.txt" 2>&1 <<'PY' || FIG_RC=$?
import glob, json, sys
d, case, sent = sys.argv[1], sys.argv[2], int(sys.argv[3])
# unflooded: the sum of the runs before and after the flood; flooded: twice its one run
ba, bb, fa, fb = (int(x) / 2 for x in sys.argv[4:8])
min_ratio, rss_mb = float(sys.argv[8]), int(sys.argv[9])
floods = [json.loads(open(f).read()) for f in sorted(glob.glob(f"{d}/flood-*.json")
                                                    + glob.glob(f"{d}/round*/flood-*.json"))]
snap = {n: json.load(open(f"{d}/snap-{n}.json")) for n in ("before", "during", "after")}
rounds = [json.load(open(f)) for f in sorted(glob.glob(f"{d}/snap-round*.json"),
                                               key=lambda f: int(f.split("round")[-1][:-5]))]

def flat(x, p=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from flat(v, f"{p}.{k}" if p else k)
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        yield p, x

b, a = dict(flat(snap["before"])), dict(flat(snap["after"]))
rose = {k: a[k] - b.get(k, 0) for k in a if a[k] > b.get(k, 0)}
# The flood's drops, by reason: drops.* and the OpenVPN / TCP / SSTP refusal counters.
named = {k: v for k, v in rose.items() if k.split(".")[0] in ("drops", "ovpn", "tcp", "sstp")
         and not any(w in k for w in ("rx_", "tx_", "bytes", "packets", "decrypted", "encrypted",
                                      "answered", "established", "accepted", "segments"))}
ratio = (fa + fb) / max(ba + bb, 1)
print(f"FIGURES: case {case}: flood sent {sent}; throughput unflooded {(ba + bb) / 1e6:.1f} Mbit/s "
      f"(alice {ba / 1e6:.1f}, bob {bb / 1e6:.1f}), flooded {(fa + fb) / 1e6:.1f} Mbit/s "
      f"(alice {fa / 1e6:.1f}, bob {fb / 1e6:.1f}): ratio {ratio:.2f}")
for n in ("before", "during", "after"):
    c = snap[n]["control"]
    print(f"FIGURES: {n}: RSS {snap[n]['rss_kb'] / 1024:.1f} MiB, mbufs in use "
          f"{c.get('mbufs_in_use')} (available {c.get('mbufs_available')})")
if rounds:
    print("FIGURES: rounds: RSS after round 1 (during) %.1f MiB, then " % (snap["during"]["rss_kb"] / 1024)
          + ", ".join("%.1f" % (r["rss_kb"] / 1024) for r in rounds) + " MiB; mbufs in use "
          + ", ".join(str(r["control"]["mbufs_in_use"]) for r in rounds))
print("FIGURES: counters that rose: " + ", ".join(f"{k} +{v}" for k, v in sorted(rose.items())))
print("DROPS: " + ", ".join(f"{k} +{v}" for k, v in sorted(named.items())))
ok = True
# Each flood is accounted for by the counters that name its drops (or its handling).
accounts = {
    "reset": ["ovpn.rate_limited", "ovpn.rate_limited_prefix", "ovpn.resets_answered",
              "drops.punt_ring_full"],
    "badhmac": ["ovpn.wrap_rejected", "drops.punt_ring_full"],
    "badtag": ["drops.ovpn_auth_failed"],
    "syn": ["tcp.syn_cookies_sent", "tcp.syn_received"],
    "hello": ["tcp.conn_passive", "tcp.syn_cookies_sent"],
}
by_mode = {}
for f in floods:
    by_mode.setdefault(f["mode"], []).append(f)
for mode, fs in sorted(by_mode.items()):
    n = sum(f["sent"] if mode != "hello" else f["connections"] for f in fs)
    counted = sum(rose.get(k, 0) for k in accounts[mode])
    share = counted / max(n, 1)
    # Packets the kernel dropped on the way (veth / bridge queues full): never reached the daemon.
    kernel = rose.get("kernel.wan_rx_dropped", 0) + rose.get("kernel.switch_tx_dropped", 0)
    print(f"FIGURES: {mode}: " + "; ".join(
        f"port {f['port']} {f['sent']} sent in {f['seconds']} s ({f['rate']}/s)"
        + (f", {f['connections']} connections, {f['failed']} failed, {f['closed_by_peer']} closed by the server"
           if mode == "hello" else "") for f in fs)
        + f"; counted {counted} ({share:.0%}) by " + " + ".join(accounts[mode])
        + f"; dropped by the kernel before the daemon (all floods together): {kernel}")
    if n == 0 or (counted + kernel) / max(n, 1) < 0.9:
        print(f"FAIL: the {mode} flood is not accounted for (>= 90 %)"); ok = False
if ratio < min_ratio:
    print(f"FAIL: throughput ratio {ratio:.2f} < FLOOD_MIN_RATIO {min_ratio}"); ok = False
if fa == 0 or fb == 0:
    print("FAIL: a tunnel carried nothing during the flood"); ok = False
growth = (snap["after"]["rss_kb"] - snap["before"]["rss_kb"]) / 1024
if growth > rss_mb:
    print(f"FAIL: RSS grew {growth:.1f} MiB > {rss_mb}"); ok = False
if len(rounds) >= 2:  # after the first rounds the memory is reused, not grown
    creep = (rounds[-1]["rss_kb"] - rounds[0]["rss_kb"]) / 1024
    if creep > 2 * len(rounds):
        print(f"FAIL: RSS still grows round after round (+{creep:.1f} MiB)"); ok = False
if "hello" in by_mode:  # SSTP's bound on connections in negotiation from one source
    refused = rose.get("sstp.handshakes_refused_source", 0)
    held = snap["during"]["sstp"].get("handshakes", 0)
    print(f"FIGURES: SSTP negotiating during the flood {held}, refused (per source) {refused}")
    if refused == 0 or held > int(sys.argv[10]):
        print(f"FAIL: SSTP held {held} > max_handshakes_per_source or refused none"); ok = False
    # OpenVPN/TCP's (ovpn_server.max_tcp_handshakes_per_source): the flood's resets never finish.
    refused = rose.get("ovpn.tcp_handshakes_refused_source", 0)
    held = snap["during"]["ovpn"].get("tcp_handshakes", 0)
    print(f"FIGURES: OpenVPN/TCP negotiating during the flood {held}, refused (per source) {refused}")
    if refused == 0 or held > int(sys.argv[11]):
        print(f"FAIL: OpenVPN/TCP held {held} > max_tcp_handshakes_per_source or refused none"); ok = False
mb, ma = snap["before"]["control"]["mbufs_in_use"], snap["after"]["control"]["mbufs_in_use"]
if ma > mb + 512:
    print(f"FAIL: mbufs in use {mb} -> {ma}: not back to the baseline"); ok = False
sys.exit(0 if ok else 1)
PY
cat "$E2E_DIR/figures.txt"
check "throughput, RSS and mbufs within their bounds" test "$FIG_RC" -eq 0
check "SIGTERM stops the daemon with exit status 0" stop_daemon
e2e_finish
