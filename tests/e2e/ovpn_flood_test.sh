#!/usr/bin/env bash
# A spoofed OpenVPN hard-reset flood at the appliance (issue 18, "Floods"): while a raw-socket
# generator sends resets from random hosts in 4,096 /24s that are none of the clients', an
# established stock openvpn client keeps pinging the LAN with little loss, a NEW client connects
# within 10 s, and the flood is dropped and counted under named reasons (`vpnctl ovpn`), with the
# replies it got out of the server bounded (the reflection limit).
#
#   tests/e2e/ovpn_flood_test.sh            (CI: ~25 s of flood at FLOOD_RATE, default 6000/s)
#   FLOOD_SECONDS=300 FLOOD_RATE=20000 tests/e2e/ovpn_flood_test.sh   (the long run, see
#                                            docs/reliability.md)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ovpn_lib.sh"
E2E_TAG=${E2E_TAG:-$(printf 'f%04x' $(($$ % 65536)))}
e2e_init "ovpn-flood"
e2e_require openvpn ping
[ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun (the openvpn client needs a tun device)"

RATE=${FLOOD_RATE:-6000}
DURATION=${FLOOD_SECONDS:-25}
PREFIXES=${FLOOD_PREFIXES:-4096}
MIN_RATE=${FLOOD_MIN_RATE:-3000} # below this the box could not make a flood worth the name

make_topology 3 # client 1: alice (established), 2: bob (new during the flood), 3: the flood
make_pki alice bob
ovpn_config '' >"$E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"
profile alice
profile bob
ovpn_counter() { json_value ovpn "r['$1']"; }

start_client "$(client_ns 1)" alice alice wonderland
check "alice connects before the flood" connected alice 20

ip netns exec "$(client_ns 3)" /usr/bin/python3 "$(dirname "$0")/flood_gen.py" reset \
    10.1.0.1 1194 "$RATE" "$DURATION" --prefixes "$PREFIXES" >"$E2E_DIR/flood.json" \
    2>"$E2E_DIR/flood.log" &
FLOOD=$!
E2E_PIDS+=("$FLOOD")
sleep 3 # long enough for the flood to spend the global ceiling

check "the flood has spent the global ceiling (rate_limited counts)" \
    test "$(ovpn_counter rate_limited)" -gt 0
ip netns exec "$(client_ns 1)" ping -c 60 -i 0.25 -W 1 10.2.0.2 >"$E2E_DIR/ping.log" 2>&1 &
PING=$!
T0=$(date +%s%N)
start_client "$(client_ns 2)" bob bob builder
check "a new client (bob) connects within 10 s during the flood" connected bob 10
echo "FIGURES: bob's connect took $((($(date +%s%N) - T0) / 1000000)) ms"

check "bob reaches the LAN through the tunnel" \
    ip netns exec "$(client_ns 2)" ping -c 3 -i 0.3 -W 2 10.2.0.2
wait "$PING" || true
check "alice's pings during the flood lose at most 5 %" /usr/bin/python3 -c "
import re, sys
m = re.search(r'(\d+) packets transmitted, (\d+) received', open('$E2E_DIR/ping.log').read())
sent, got = int(m[1]), int(m[2])
print(sent, got)
sys.exit(0 if sent >= 50 and got >= 0.95 * sent else 1)"

wait "$FLOOD" || true
cat "$E2E_DIR/flood.json" >>"$E2E_DIR/checks.log"
flood() { /usr/bin/python3 -c "import json; print(json.load(open('$E2E_DIR/flood.json'))['$1'])"; }
check "the generator flooded at >= $MIN_RATE resets/s" test "$(flood rate)" -ge "$MIN_RATE"
vpnctl --json ovpn >"$E2E_DIR/ovpn.json"
vpnctl --json drops >"$E2E_DIR/drops.json"
# Every flood packet is accounted for: answered (within the budget) or dropped under a named
# reason by the control plane, or dropped before it (punt ring full) by the workers.
check "the flood is counted under named reasons (>= 95 % of what was sent)" /usr/bin/python3 -c "
import json, sys
o = json.load(open('$E2E_DIR/ovpn.json')); d = json.load(open('$E2E_DIR/drops.json'))
sent = json.load(open('$E2E_DIR/flood.json'))['sent']
counted = (o['rate_limited'] + o.get('rate_limited_prefix', 0) + o['resets_answered']
           + d['punt_ring_full'])
print('sent', sent, 'counted', counted, o, d['punt_ring_full'])
sys.exit(0 if counted >= 0.95 * sent else 1)"
# The reflection limit: per 10 s period at most the ceiling (100) and 2 reserve replies per /24,
# and at least most of the flood went unanswered.
check "replies to the flood stay within the budget" /usr/bin/python3 -c "
import json, math, sys
o = json.load(open('$E2E_DIR/ovpn.json'))
periods = math.ceil($DURATION / 10) + 1
bound = periods * (100 + 2 * $PREFIXES) + 10
print('answered', o['resets_answered'], 'bound', bound)
sys.exit(0 if o['resets_answered'] <= bound and o['rate_limited'] > o['resets_answered'] else 1)"
check "both sessions are up after the flood" sessions_are 2
check "alice's session kept its keys (no auth or replay drops)" test "$(json_value drops \
    "r['ovpn_auth_failed'] + r['ovpn_replay'] + r['ovpn_no_key']")" -eq 0
# The figures, for docs/reliability.md.
/usr/bin/python3 -c "
import json, re
f = json.load(open('$E2E_DIR/flood.json')); o = json.load(open('$E2E_DIR/ovpn.json'))
d = json.load(open('$E2E_DIR/drops.json'))
m = re.search(r'(\d+) packets transmitted, (\d+) received', open('$E2E_DIR/ping.log').read())
print('FIGURES: flood %d resets in %.1f s (%d/s, %d /24s); answered %d (reserve %d), '
      'rate_limited %d, rate_limited_prefix %d, punt_ring_full %d; alice ping %s/%s' % (
      f['sent'], f['seconds'], f['rate'], f['prefixes'], o['resets_answered'],
      o.get('resets_reserve', 0), o['rate_limited'], o.get('rate_limited_prefix', 0),
      d['punt_ring_full'], m[2], m[1]))" || true
check "vpnplaned stops cleanly" stop_daemon
e2e_finish
