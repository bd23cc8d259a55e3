#!/usr/bin/env bash
# OpenVPN over TCP end to end: the stock Debian openvpn 2.6 client with `proto tcp-client`
# (written by `vpnctl ovpn profile USER protocol=tcp`) against the appliance's TCP listener, whose
# data packets the workers decrypt and encrypt on the stream; and `protocol = "udp,tcp"` serving a
# UDP and a TCP client on the same port at once.
#
#   tests/e2e/ovpn_tcp_test.sh CASE      (CASE: tcp | udp_tcp | tcp_legacy; needs root)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ovpn_lib.sh"
CASE=${1:?usage: ovpn_tcp_test.sh CASE}
E2E_TAG=${E2E_TAG:-$(printf 't%04x' $(($$ % 65536)))}
e2e_init "ovpn-$CASE"
e2e_require openvpn nc
[ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun (the openvpn client needs a tun device)"

start() { # CLIENT_NAMESPACES OVPN_SETTINGS
    make_topology "$1"
    make_pki alice bob
    ovpn_config "$2" >"$E2E_DIR/vpnplane.cfg"
    start_daemon "$E2E_DIR/vpnplane.cfg"
}

# A byte-exact transfer both ways between namespace $1 (client, tunnel address $2) and the LAN.
transfer() { # NS TUNNEL_ADDRESS TAG
    local ns=$1 addr=$2 tag=$3
    head -c 4000000 /dev/urandom >"$E2E_DIR/$tag-up.bin"
    head -c 4000000 /dev/urandom >"$E2E_DIR/$tag-down.bin"
    in_lan timeout 30 nc -l -p 5101 >"$E2E_DIR/$tag-up.recv" &
    ip netns exec "$ns" timeout 30 nc -l -p 5102 >"$E2E_DIR/$tag-down.recv" &
    sleep 0.5
    check "$tag: upload through the tunnel" ip netns exec "$ns" timeout 30 nc -N 10.2.0.2 5101 \
        <"$E2E_DIR/$tag-up.bin"
    check "$tag: download through the tunnel" in_lan timeout 30 nc -N "$addr" 5102 \
        <"$E2E_DIR/$tag-down.bin"
    sleep 0.5
    check "$tag: upload is byte-exact" cmp "$E2E_DIR/$tag-up.bin" "$E2E_DIR/$tag-up.recv"
    check "$tag: download is byte-exact" cmp "$E2E_DIR/$tag-down.bin" "$E2E_DIR/$tag-down.recv"
}

case_tcp() {
    start 1 'protocol = "tcp";'
    check "vpnctl ovpn profile protocol=tcp writes a profile" profile alice protocol=tcp
    check "the profile says proto tcp-client" grep -qx "proto tcp-client" "$E2E_DIR/alice.ovpn"
    check "the profile's remote is the WAN address and port" grep -qx "remote 10.1.0.1 1194" \
        "$E2E_DIR/alice.ovpn"
    check "a UDP profile is refused for a TCP-only server" bash -c "! $VPNCTL -c $E2E_DIR/vpnplane.cfg \
        ovpn profile alice protocol=udp file-name=$E2E_DIR/x.ovpn"
    start_client "$NS_CLIENT" alice alice wonderland
    check "the client connects over TCP" connected alice
    check "the client used TCP" log_has alice "TCP(v4)?_CLIENT link (remote|local)|TCP connection established"
    check "client pings the LAN host" in_client ping -c 5 -i 0.2 -W 2 10.2.0.2
    check "the LAN host pings the client" lan_ping 10.2.0.100
    transfer "$NS_CLIENT" 10.2.0.100 tcp
    check "vpnctl sessions shows the session with protocol tcp" bash -c \
        "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -E 'alice +ovpn +10\.1\.0\.2:[0-9]+/tcp +10\.2\.0\.100'"
    check "the workers decrypted the data packets" test "$(json_value workers "r['worker0']['ovpn_decrypted']")" -gt 1000
    check "the workers encrypted onto the stream" test "$(json_value workers "r['worker0']['ovpn_encrypted']")" -gt 1000
    check "no authentication, replay, stream or key drops" test "$(json_value drops \
        "r['ovpn_auth_failed'] + r['ovpn_replay'] + r['ovpn_no_key'] + r['ovpn_stream_mismatch']")" -eq 0
    kill -TERM "$(client_pid alice)"
    check "the session ends with the stream" wait_for 15 sessions_are 0
}

case_udp_tcp() {
    start 2 'protocol = "udp,tcp";'
    profile alice protocol=udp
    check "the UDP profile says proto udp" grep -qx "proto udp" "$E2E_DIR/alice.ovpn"
    profile bob protocol=tcp
    check "the TCP profile says proto tcp-client" grep -qx "proto tcp-client" "$E2E_DIR/bob.ovpn"
    start_client "$(client_ns 1)" alice alice wonderland
    start_client "$(client_ns 2)" bob bob builder
    check "the UDP client connects" connected alice
    check "the TCP client connects" connected bob
    check "two sessions" wait_for 5 sessions_are 2
    check "the TCP one shows /tcp in its caller id" test "$(vpnctl --json sessions | /usr/bin/python3 -c \
        'import json,sys; print(sorted(s["name"] for s in json.load(sys.stdin).values() if s["caller_id"].endswith("/tcp")))')" = "['bob']"
    check "one of them over TCP" bash -c \
        "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -E '^ *[0-9]+ +bob +ovpn +[0-9.]+:[0-9]+/tcp'"
    check "the UDP client pings the LAN host" ip netns exec "$(client_ns 1)" ping -c 3 -i 0.2 -W 2 10.2.0.2
    check "the TCP client pings the LAN host" ip netns exec "$(client_ns 2)" ping -c 3 -i 0.2 -W 2 10.2.0.2
    local bob_addr
    bob_addr=$(vpnctl --json sessions | /usr/bin/python3 -c \
        'import json,sys; print([s["address"] for s in json.load(sys.stdin).values() if s["name"]=="bob"][0])')
    transfer "$(client_ns 2)" "$bob_addr" tcp
    local alice_addr
    alice_addr=$(vpnctl --json sessions | /usr/bin/python3 -c \
        'import json,sys; print([s["address"] for s in json.load(sys.stdin).values() if s["name"]=="alice"][0])')
    transfer "$(client_ns 1)" "$alice_addr" udp
}

# The seeds' RouterOS-era clients over TCP: no NCP, AES-256-CBC/SHA256, keys by the legacy PRF.
case_tcp_legacy() {
    start 1 'protocol = "tcp"; cipher = "aes256-cbc"; auth = "sha256"; tls_ekm = false;'
    profile alice protocol=tcp
    start_client "$NS_CLIENT" alice alice wonderland --compat-mode 2.3.0 --cipher AES-256-CBC --auth SHA256
    check "connects over TCP with AES-256-CBC" connected alice
    check "the data channel uses AES-256-CBC" log_has alice "Data Channel: cipher 'AES-256-CBC'"
    check "pings the LAN host" in_client ping -c 5 -i 0.2 -W 2 10.2.0.2
    transfer "$NS_CLIENT" 10.2.0.100 legacy
}

lan_ping() { in_lan ping -c 3 -i 0.2 -W 2 "$1"; }

type "case_$CASE" >/dev/null 2>&1 || { echo "unknown case $CASE"; exit 2; }
"case_$CASE"
check "SIGTERM stops the daemon with exit status 0" stop_daemon
check "no password or key in any log" "$E2E_ROOT/tests/common/no_secrets_in_logs.sh" "$E2E_DIR"
e2e_finish
