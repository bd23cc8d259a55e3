#!/usr/bin/env bash
# e2e_sstp_client[_pap|_chap|_cbc]: the stock Linux SSTP client (sstpc + pppd; MS-CHAPv2, or the
# method named by $1: mschap2, chap, pap; cbc is MS-CHAPv2 with the server limited to TLS 1.2
# aes256-sha, a CBC suite whose record layer stays in the control plane) in the qemu VM
# (tests/e2e/vm) against vpnplaned's SSTP server on the WAN veth, with its certificate made by
# `vpnctl certificate`: pppd in the VM gets an address from the server's pool, IPv4 goes through
# the tunnel both ways (ping to and from the LAN host, a byte-exact file each way, with nc),
# `vpnctl sessions` lists the user with service sstp and non-zero rx/tx, her rate-limit and what
# limit_bytes_out leaves, `vpnctl disconnect` ends the call (the history says so), a wrong
# password is refused. The record layer: `vpnctl raw /vpnplane/sstp` shows the hand-over to the
# worker and records opened and sealed there (AEAD suites), or the hand-over refused for CBC with
# the traffic still carried (cbc); CHAP-MD5 never gets a verified Call Connected, so no hand-over.
# The VM is the client on the client namespace's segment (bridge br0 there). Under
# CI=true a missing prerequisite fails.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/ovpn_lib.sh"
source "$HERE/vm/lib.sh"

unmet() {
    if [ "${CI:-}" = true ]; then echo "FAIL: $*"; exit 1; fi
    echo "SKIP: $*"
    exit 77
}
METHOD=${1:-mschap2}
case $METHOD in
mschap2) REFUSE="refuse-pap refuse-chap refuse-mschap" ;;
chap) REFUSE="refuse-pap refuse-mschap refuse-mschap-v2" ;;
pap) REFUSE="refuse-chap refuse-mschap refuse-mschap-v2" ;;
cbc) REFUSE="refuse-pap refuse-chap refuse-mschap" ;;
*) echo "unknown method $METHOD"; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || unmet "needs root (network namespaces, tap)"
e2e_init "sstp_client_$METHOD"
# shellcheck disable=SC2034 # (read by vm/lib.sh)
VM_DIR=$E2E_DIR
vm_prepare || unmet "$VM_PREP_ERROR"
trap 'e2e_cleanup; vm_stop' EXIT

make_topology
# The VM takes 10.1.0.2 on the client segment: the namespace's eth0 goes into a bridge.
ip -n "$NS_CLIENT" addr flush dev eth0
ip -n "$NS_CLIENT" link add br0 type bridge
ip -n "$NS_CLIENT" link set eth0 master br0
ip -n "$NS_CLIENT" addr add 10.1.0.3/24 dev br0
ip -n "$NS_CLIENT" link set br0 up
make_pki
AUTH=$METHOD TLS_CFG=""
if [ "$METHOD" = cbc ]; then
    AUTH=mschap2
    TLS_CFG='tls_version = "only-1.2"; ciphers = ["aes256-sha"];'
fi
{
    base_config
    cat <<CFG
certificates = { store = "$VP_CERTS"; };
ip_pools = ( { name = "sstp"; ranges = "10.2.0.200-10.2.0.210"; } );
ppp_profiles = ( { name = "sstp-profile"; local_address = "10.2.0.1"; remote_address = "sstp"; } );
ppp_secrets = ( { name = "alice"; password = "wonderland"; service = "sstp"; profile = "sstp-profile";
                  limit_bytes_out = 100000000; rate_limit = "100M/100M"; } );
sstp_server = {
  enabled = true; port = 443; certificate = "server-certificate";
  default_profile = "sstp-profile"; authentication = ["$AUTH"]; $TLS_CFG
};
CFG
} >"$E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"

mkdir "$E2E_DIR/vmfiles"
# shellcheck disable=SC2086 # (REFUSE is a list of options)
{ printf '%s\n' refuse-eap $REFUSE; cat <<'OPTS'
noccp
nobsdcomp
nodeflate
noauth
nodefaultroute
noipdefault
OPTS
} >"$E2E_DIR/vmfiles/pppd.opts"
# The LAN host's side of the transfers: a receiver for the guest's upload (started now: the guest
# sends as soon as ping works) and a random file for the download.
head -c 400000 /dev/urandom >"$E2E_DIR/down.bin"
ip netns exec "$NS_LAN" timeout 600 nc -l 5001 </dev/null >"$E2E_DIR/up.recv" 2>/dev/null &
LAN_NC=$!
VM_TAP_MASTER=br0 vm_start "$NS_CLIENT" vmtap0 10.1.0.2/24 10.1.0.1 "$HERE/vm/sstp_guest.sh" "$E2E_DIR/vmfiles"
vm_wait_marker "$VM_LOG" "VPVM: NET-UP" 150 || { echo "FAIL: the VM did not boot"; exit 1; }

host_go() { # PORT: tell the guest we are done with a step
    local _
    for _ in 1 2 3 4 5 6; do
        ip netns exec "$NS_CLIENT" nc -z -w 3 10.1.0.2 "$1" && return 0
        sleep 0.5
    done
    return 1
}
guest_ok() { grep -q "^VPVM: OK $1" "$VM_LOG"; }
sstp_session() { # the count of sstp sessions, then the user, address, encoding of the first
    vpnctl --json sessions | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
r = list(r.values()) if isinstance(r, dict) else r
s = [x for x in r if x.get("service") == "sstp"]
print(len(s), *((s[0]["name"], s[0]["address"], s[0]["encoding"]) if s else ()))'
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }
vm_wait_marker "$VM_LOG" "ping-lan" 240 || true
ADDR=$(sed -n 's/^VPVM: PPP0 \([0-9.]*\).*/\1/p' "$VM_LOG" | head -n1)
check "pppd in the VM has ppp0 with an address of the pool" grep -qE "^VPVM: PPP0 10\.2\.0\.2(0[0-9]|10)" "$VM_LOG"
if [ "$METHOD" = chap ]; then
    # sstpc in --user/--password mode sends no Call Connected after CHAP-MD5: without a verified
    # crypto binding the server must not forward the client's IP.
    check "no IP through the tunnel without a verified Call Connected" grep -q "^VPVM: FAIL ping-lan" "$VM_LOG"
else
    vm_wait_marker "$VM_LOG" "VPVM: WAITING download" 240 || true
    check "the VM pings the LAN host through the tunnel" guest_ok ping-lan
    check "the VM's upload was sent" guest_ok upload-sent
    wait "$LAN_NC" 2>/dev/null || true
    UP_SHA=$(sed -n 's/^VPVM: UP-SHA \([0-9a-f]*\).*/\1/p' "$VM_LOG" | head -n1)
    check "the upload arrived byte-exact ($(wc -c <"$E2E_DIR/up.recv") bytes)" test -n "$UP_SHA" -a "$UP_SHA" = "$(sha "$E2E_DIR/up.recv")"
    check "the LAN host pings the VM through the tunnel" ip netns exec "$NS_LAN" ping -c 3 -W 5 "${ADDR:-0.0.0.0}"
    ip netns exec "$NS_LAN" timeout 120 nc -N "${ADDR:-0.0.0.0}" 5002 <"$E2E_DIR/down.bin" >/dev/null || true
    vm_wait_marker "$VM_LOG" "VPVM: DOWN-SHA" 120 || true
    check "the download arrived byte-exact" grep -qF "VPVM: DOWN-SHA $(sha "$E2E_DIR/down.bin") 400000" "$VM_LOG"
fi
vm_wait_marker "$VM_LOG" "VPVM: WAITING host-disconnected" 150 || true
sstp_session >"$E2E_DIR/session.txt" 2>&1 || true
vpnctl --json sessions >"$E2E_DIR/sessions.json" 2>&1 || true
[ "$METHOD" = chap ] || check "vpnctl sessions counts the session's traffic both ways" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r = list(r.values()) if isinstance(r, dict) else r
s = [x for x in r if x.get("service") == "sstp"][0]
print(s)
sys.exit(0 if s["rx_bytes"] > 300000 and s["tx_bytes"] > 400000 and s["rx_packets"] > 0 and s["tx_packets"] > 0 else 1)' "$E2E_DIR/sessions.json"
check "vpnctl sessions shows the rate-limit and what limit_bytes_out leaves" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r = list(r.values()) if isinstance(r, dict) else r
s = [x for x in r if x.get("service") == "sstp"][0]
sys.exit(0 if s["rate_limit"] == "100M/100M" and s["bytes_out_left"] == 100000000 - s["tx_bytes"]
         and "bytes_in_left" not in s else 1)' "$E2E_DIR/sessions.json"
check "vpnctl sessions lists alice with service sstp and her address" grep -qE "^1 alice 10\.2\.0\.2" "$E2E_DIR/session.txt"
if [ "$METHOD" = cbc ]; then
    check "the session's encoding is TLS 1.2 with AES-256-CBC-SHA1" grep -qE " TLS1\.2 [A-Z-]*AES256-SHA$" "$E2E_DIR/session.txt"
else
    check "the session's encoding is TLS 1.3 with AES-256-GCM" grep -qE " TLS1\.3 TLS_AES_256_GCM_SHA384$" "$E2E_DIR/session.txt"
fi
# The record layer: who opened and sealed the session's records (docs/sstp.md).
vpnctl raw /vpnplane/sstp >"$E2E_DIR/sstp_counters.json" 2>&1 || true
cat "$E2E_DIR/sstp_counters.json"
record_layer() { # EXPECTATION: handed-over | cbc | none
    /usr/bin/python3 - "$1" "$E2E_DIR/sstp_counters.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
if len(r) == 1 and isinstance(next(iter(r.values())), dict): r = next(iter(r.values()))
want = sys.argv[1]
print({k: v for k, v in r.items() if "handover" in k or k.startswith("sstp_records")})
if want == "handed-over":
    ok = r["handovers"] >= 1 and r["sstp_records_opened"] > 0 and r["sstp_records_sealed"] > 0
elif want == "cbc":
    ok = (r["handover_refused_cbc"] >= 1 and r["handovers"] == 0
          and r["sstp_records_opened"] == 0 and r["sstp_records_sealed"] == 0)
else:
    ok = r["handovers"] == 0 and r["sstp_records_opened"] == 0
sys.exit(0 if ok else 1)
PY
}
case $METHOD in
cbc) check "CBC: the hand-over is refused, the control plane carries the records" record_layer cbc ;;
chap) check "no Call Connected: no hand-over" record_layer none ;;
*) check "the worker opened and sealed the session's records (hand-over counted)" record_layer handed-over ;;
esac
check "vpnctl disconnect ends the call" bash -c "'$VPNCTL' -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 disconnect alice"
host_go 7781 || true
vm_wait_marker "$VM_LOG" "VPVM: TEST-END" 120 || true
check "sstpc ended after the disconnect" guest_ok sstpc-ended
check "a wrong password is refused" guest_ok wrong-password-refused
ended_because() { vpnctl sessions | grep -E "^ *[0-9]+ +$1 .*$2"; }
check "the history lists the call with its end reason" wait_for 5 ended_because alice "disconnected by the operator"
check "the pool address went back" bash -c "! '$VPNCTL' -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 --json sessions | grep -q alice"
check "the guest script finished" grep -q "VPVM: TEST-END rc=0" "$VM_LOG"
if [ "$E2E_FAILURES" -ne 0 ]; then
    echo "--- console (tail)"
    tail -n 80 "$VM_LOG"
fi
vm_stop
e2e_finish
