#!/usr/bin/env bash
# vpnperf's ARP against a real IPv4 stack: the Linux kernel in one namespace holds the
# appliance's addresses (10.1.0.1 on the WAN veth, 10.2.0.1 on the LAN veth); vpnperf runs on
# the other ends in a second namespace over net_af_packet. It must learn the kernel's MACs (or
# the run fails), and answer the kernel's ARP requests for the addresses it impersonates (a
# client endpoint on the WAN side, the LAN host on the LAN side), which the pings below trigger.
# Needs root and iproute2; skipped (77) otherwise, failed under CI=true. Checks addresses and counts, never timing.
set -euo pipefail
VPNPERF=$(realpath "$1")
if [ "$(id -u)" != 0 ] || ! command -v ip > /dev/null || ! command -v ping > /dev/null; then
    if [ "${CI:-}" = true ]; then
        echo "FAIL: needs root, iproute2 and ping (CI=true: a missing prerequisite is a failure)"
        exit 1
    fi
    echo "skipped: needs root, iproute2 and ping"
    exit 77
fi
APP=vpnperf-app-$$
GEN=vpnperf-gen-$$
DIR=$(mktemp -d /tmp/vpnperf-arp.XXXXXX)
PID=""
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2> /dev/null || true
    ip netns del "$APP" 2> /dev/null || true
    ip netns del "$GEN" 2> /dev/null || true
    rm -rf "$DIR"
}
trap cleanup EXIT
cd "$DIR"

ip netns add "$APP"
ip netns add "$GEN"
ip -n "$APP" link add vpw0 type veth peer name vpw1 netns "$GEN"
ip -n "$APP" link add vpl0 type veth peer name vpl1 netns "$GEN"
ip -n "$APP" addr add 10.1.0.1/24 dev vpw0
ip -n "$APP" addr add 10.2.0.1/24 dev vpl0
for l in vpw0 vpl0 lo; do ip -n "$APP" link set "$l" up; done
for l in vpw1 vpl1; do ip -n "$GEN" link set "$l" up; done
wan_mac=$(ip netns exec "$GEN" cat /sys/class/net/vpw1/address)
lan_mac=$(ip netns exec "$GEN" cat /sys/class/net/vpl1/address)

"$VPNPERF" gen-sessions --count 4 --cipher AES-256-GCM --server 10.1.0.1:1194 \
    --client-net 10.1.0.0/24 --tunnel-net 10.8.0.0/16 --out sessions.json > /dev/null
ip netns exec "$GEN" "$VPNPERF" run --sessions sessions.json \
    --wan net_af_packet0,iface=vpw1 --lan net_af_packet1,iface=vpl1 --direction both \
    --rate 1k --duration 3 --lcores 0 --no-huge -m 256 --file-prefix "vpnperf-arp-$$" \
    --out results.json > run.out 2> run.err &
PID=$!
# Traffic has started (so both MACs were learned) once the first progress line is out.
for _ in $(seq 100); do
    grep -q "^\[1 s\]" run.err && break
    kill -0 "$PID" 2> /dev/null || break
    sleep 0.1
done
grep -q "^\[1 s\]" run.err || { cat run.err; exit 1; }
# The kernel asks for a client endpoint and for the LAN host; vpnperf must answer.
ip netns exec "$APP" ping -c 1 -W 2 10.1.0.3 > /dev/null || true
ip netns exec "$APP" ping -c 1 -W 2 10.2.0.2 > /dev/null || true
ip -n "$APP" neigh show 10.1.0.3 | tee neigh.txt
ip -n "$APP" neigh show 10.2.0.2 | tee -a neigh.txt
wait "$PID"
PID=""
grep -q "10.1.0.3 dev vpw0 lladdr $wan_mac" neigh.txt || { echo "no WAN reply"; exit 1; }
grep -q "10.2.0.2 dev vpl0 lladdr $lan_mac" neigh.txt || { echo "no LAN reply"; exit 1; }
python3 - << 'PY'
import json
r = json.load(open("results.json"))
assert r["arp_replies"] >= 2, r["arp_replies"]
d = {x["direction"]: x for x in r["directions"]}
assert d["decap"]["tx_packets"] > 0 and d["encap"]["tx_packets"] > 0, d
print("vpnperf arp: ok, %d ARP replies" % r["arp_replies"])
PY
