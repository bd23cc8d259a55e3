#!/usr/bin/env bash
# e2e_sstp_peers: vpnplaned's SSTP server against Windows 10-, Windows 11- and RouterOS-like
# clients (tests/e2e/sstp_peer: the project's own SSTP/PPP client code in the client role over
# OpenSSL, with a TUN device in the client namespace as its tunnel interface), one after the
# other on one daemon:
#   windows10  TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384 only; LCP MRU 1400, magic, PFC, ACFC, callback
#              (the server rejects the last three, the client goes on); MS-CHAPv2; SHA256 binding;
#              IPCP address from the pool, DNS and NBNS primary and secondary from the profile
#   windows11  the same over TLS 1.3; the secret's fixed address; a profile with one DNS server
#              and no WINS, nor has the server's default profile (from which a grant takes
#              what its profile leaves unset): the server Naks 129, rejects 131, 130 and 132
#   routeros   TLS 1.2 AES256-SHA (CBC; the record layer stays in the control plane), SHA1
#              binding, no DNS asked; PAP (the server's MS-CHAPv2 is Nak'd) and MS-CHAPv2
# Each run checks what was negotiated against the configuration, the session in `vpnctl
# sessions` (user, address, encoding), pings the LAN host and is pinged by it through the
# tunnel, moves a file each way byte-exact, then disconnects itself (Call Disconnect, Ack) and the
# daemon's session list is empty again. Under CI=true a missing prerequisite fails.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/ovpn_lib.sh"

e2e_init sstp_peers
SSTP_PEER=${SSTP_PEER:-$VP_BUILD/tests/e2e/sstp_peer/sstp_peer}
[ -x "$SSTP_PEER" ] || { echo "FAIL: $SSTP_PEER not built"; exit 1; }
[ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun (the peers' tunnel interface)"
e2e_require nc ping sha256sum ss

make_topology
# Windows 10 offers ECDHE-RSA suites only over TLS 1.2 (an EC certificate fails it: seeds,
# SoftEther#1496), so the server's certificate is RSA here.
VP_CERTS=$E2E_DIR/certificates
cert() { "$VPNCTL" --store "$VP_CERTS" certificate "$@" >/dev/null; }
cert add name=ca-template common-name=vpnplane-e2e-ca days-valid=30 key-usage=key-cert-sign,crl-sign
cert sign ca-template name=ca-certificate
cert add name=server-template common-name=10.1.0.1 subject-alt-name=IP:10.1.0.1 days-valid=30 \
    key-usage=tls-server key-type=rsa key-size=2048
cert sign server-template ca=ca-certificate name=server-certificate
(cd "$E2E_DIR" && cert export-certificate ca-certificate)
CA=$E2E_DIR/cert_export_ca-certificate.crt
{
    base_config
    cat <<CFG
certificates = { store = "$VP_CERTS"; };
ip_pools = ( { name = "sstp"; ranges = "10.2.0.200-10.2.0.210"; } );
ppp_profiles = (
  { name = "base"; local_address = "10.2.0.1"; remote_address = "sstp"; },
  { name = "windows"; local_address = "10.2.0.1"; remote_address = "sstp";
    dns_server = "10.2.0.53,10.2.0.54"; wins_server = "10.2.0.137,10.2.0.138"; },
  { name = "one-dns"; local_address = "10.2.0.1"; remote_address = "sstp"; dns_server = "10.2.0.53"; }
);
ppp_secrets = (
  { name = "alice"; password = "wonderland"; service = "sstp"; profile = "windows"; },
  { name = "carol"; password = "singer"; service = "sstp"; profile = "one-dns";
    remote_address = "10.2.0.77"; },
  { name = "bob"; password = "builder"; service = "sstp"; profile = "one-dns"; }
);
sstp_server = {
  enabled = true; port = 443; certificate = "server-certificate";
  default_profile = "base"; authentication = ["mschap2", "pap"];
};
CFG
} >"$E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"

head -c 300000 /dev/urandom >"$E2E_DIR/up.bin"
head -c 300000 /dev/urandom >"$E2E_DIR/down.bin"
sha() { sha256sum <"$1" | cut -d' ' -f1; }
sstp_sessions() { # the active sstp sessions: "name address encoding" lines
    vpnctl --json sessions | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
r = list(r.values()) if isinstance(r, dict) else r
for s in r:
    if s.get("service") == "sstp": print(s["name"], s["address"], s["encoding"])'
}
no_sstp_session() { [ -z "$(sstp_sessions)" ]; }
field() { sed -n "s/^$1=//p" "$STATUS"; }
has_field() { # KEY VALUE: the peer's status line is exactly this
    grep -qx -- "$1=$2" "$STATUS" || { echo "status: $1=$(field "$1"), expected $2"; return 1; }
}

# run_peer PROFILE AUTH USER PASSWORD ADDRESS_REGEX ENCODING BINDING DNS NBNS LCP_REFUSED MRU
run_peer() {
    local profile=$1 auth=$2 user=$3 password=$4 address_re=$5 encoding=$6 binding=$7 dns=$8
    local nbns=$9 refused=${10} mru=${11} tag="$1-$2" peer rc addr
    STATUS=$E2E_DIR/$tag.status
    local t0=$SECONDS
    ip netns exec "$NS_CLIENT" "$SSTP_PEER" --profile "$profile" --auth "$auth" --server 10.1.0.1 \
        --ca "$CA" --user "$user" --password "$password" --tun sstp0 --status "$STATUS" \
        >"$E2E_DIR/peer-$tag.log" 2>&1 &
    peer=$!
    E2E_PIDS+=("$peer")
    if ! wait_for 25 test -f "$STATUS"; then
        echo "FAIL: $tag: the peer did not connect"
        E2E_FAILURES=$((E2E_FAILURES + 1))
        kill -TERM "$peer" 2>/dev/null || true
        wait "$peer" 2>/dev/null || true
        return 0
    fi
    echo "--- $tag connected in $((SECONDS - t0)) s: $(tr "\n" " " <"$STATUS")"
    addr=$(field address)
    check "$tag: an address as configured ($addr)" bash -c "grep -qE '^address=$address_re\$' '$STATUS'"
    check "$tag: TLS $encoding" has_field encoding "$encoding"
    check "$tag: $auth" has_field auth "$auth"
    check "$tag: the crypto binding with $binding" has_field binding "$binding"
    check "$tag: the server's tunnel address" has_field server 10.2.0.1
    check "$tag: DNS servers '$dns'" has_field dns "$dns"
    check "$tag: NBNS servers '$nbns'" has_field nbns "$nbns"
    check "$tag: LCP options the server refused '$refused'" has_field lcp_refused "$refused"
    check "$tag: LCP MRU $mru" has_field mru "$mru"
    check "$tag: vpnctl sessions lists $user at $addr with $encoding" \
        bash -c "[ \"\$1\" = \"$user $addr $encoding\" ]" _ "$(sstp_sessions)"
    in_client ip addr add "$addr/32" dev sstp0
    in_client ip link set sstp0 mtu "$(field mtu)" up
    in_client ip route add 10.2.0.0/24 dev sstp0
    check "$tag: ping the LAN host through the tunnel" in_client ping -c 3 -i 0.2 -W 3 10.2.0.2
    check "$tag: the LAN host pings the client" in_lan ping -c 3 -i 0.2 -W 3 "$addr"
    rm -f "$E2E_DIR/up.recv" "$E2E_DIR/down.recv"
    in_lan timeout 20 nc -l 5001 </dev/null >"$E2E_DIR/up.recv" 2>/dev/null &
    local lan_nc=$!
    wait_for 5 bash -c "ip netns exec $NS_LAN ss -ltn | grep -q ':5001 '" || true
    in_client timeout 20 nc -N 10.2.0.2 5001 <"$E2E_DIR/up.bin" >/dev/null 2>&1 || true
    wait "$lan_nc" 2>/dev/null || true
    check "$tag: an upload arrives byte-exact" test "$(sha "$E2E_DIR/up.bin")" = "$(sha "$E2E_DIR/up.recv")"
    in_client timeout 20 nc -l 5002 </dev/null >"$E2E_DIR/down.recv" 2>/dev/null &
    local client_nc=$!
    wait_for 5 bash -c "ip netns exec $NS_CLIENT ss -ltn | grep -q ':5002 '" || true
    in_lan timeout 20 nc -N "$addr" 5002 <"$E2E_DIR/down.bin" >/dev/null 2>&1 || true
    wait "$client_nc" 2>/dev/null || true
    check "$tag: a download arrives byte-exact" test "$(sha "$E2E_DIR/down.bin")" = "$(sha "$E2E_DIR/down.recv")"
    kill -TERM "$peer"
    rc=0
    wait "$peer" || rc=$?
    cat "$E2E_DIR/peer-$tag.log" >>"$E2E_DIR/checks.log"
    check "$tag: the peer disconnected cleanly (Call Disconnect acknowledged)" test "$rc" -eq 0
    check "$tag: the daemon's session list is empty afterwards" wait_for 5 no_sstp_session
    check "$tag: the history says the client ended the call with Call Disconnect" \
        bash -c "'$VPNCTL' -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -E '^ *[0-9]+ +$user .*the client sent SSTP Call Disconnect' | grep -q '$addr'"
    echo "--- $tag done in $((SECONDS - t0)) s"
}

run_peer windows10 mschap2 alice wonderland '10\.2\.0\.2(0[0-9]|10)' \
    "TLS1.2 ECDHE-RSA-AES256-GCM-SHA384" sha256 10.2.0.53,10.2.0.54 10.2.0.137,10.2.0.138 7,8,13 1400
run_peer windows11 mschap2 carol singer '10\.2\.0\.77' \
    "TLS1.3 TLS_AES_256_GCM_SHA384" sha256 10.2.0.53 "" 7,8,13 1400
run_peer routeros pap bob builder '10\.2\.0\.2(0[0-9]|10)' "TLS1.2 AES256-SHA" sha1 "" "" "" 1500
run_peer routeros mschap2 bob builder '10\.2\.0\.2(0[0-9]|10)' "TLS1.2 AES256-SHA" sha1 "" "" "" 1500
check "the daemon is still running" kill -0 "$E2E_DAEMON"
e2e_finish
