#!/usr/bin/env bash
# Site-to-site OpenVPN over UDP or TCP between TWO appliances (seed 003's walk-through): the head
# office runs the OpenVPN server, the branch dials out with an `ovpn_clients` link, each has a
# LAN namespace behind it. The WAN is a veth between the two appliances' DPDK ports.
#
#   LAN A ns (10.2.0.2) == [hq: lan0 10.2.0.1 | wan0 10.1.0.1] ==WAN== [branch: wan0 10.1.0.2 | lan0 10.3.0.1] == LAN B ns (10.3.0.2)
#
#   tests/e2e/s2s_ovpn_test.sh CASE   (udp | pushed | nopull | refused | untrusted | stock | stock_cbc
#                                      | tcp | tcp_loss | tcp_stock | tcp_stock_cbc | default | redirect
#                                      | tcp_tlscrypt; needs root)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ovpn_lib.sh"
source "$(dirname "$0")/s2s_lib.sh"
CASE=${1:?usage: s2s_ovpn_test.sh CASE}
s2s_init "s2s-ovpn-$CASE" s

# The head office: seed 003's server (certificate from the store, a secret for the branch with
# its LAN as the secret's route). $1: extra ovpn_server settings.
hq_config() {
    hq_config_head
    cat <<CFG
certificates = { store = "$VP_CERTS"; };
ppp_profiles = ( { name = "s2s"; local_address = "10.8.0.1"; } );
ppp_secrets = (
  { name = "branch"; password = "branch-secret"; profile = "s2s"; service = "ovpn";
    remote_address = "10.8.0.2"; routes = "10.3.0.0/24"; }
);
ovpn_server = {
  enabled = true; port = 1194; certificate = "server-certificate"; default_profile = "s2s";
  keepalive_timeout = "20s"; ${1:-}
};
CFG
}

# The branch: an ovpn_clients link to the head office. $1: extra link settings, $2: extra
# top-level settings (ip.routes).
br_config() {
    br_config_head
    cat <<CFG
ovpn_clients = (
  { name = "ovpn-to-hq"; connect_to = "10.1.0.1"; port = 1194; user = "branch";
    $([[ "${1:-}" == *add_default_route* ]] || echo 'add_default_route = false;') ${1:-} }
);
${2:-}
CFG
}

start_both() { # HQ_SETTINGS BRANCH_LINK_SETTINGS BRANCH_TOP_SETTINGS
    topology
    make_pki
    hq_config "${1:-}" >"$E2E_DIR/hq.cfg"
    br_config "${2:-}" "${3:-}" >"$E2E_DIR/branch.cfg"
    start_both_daemons
}

# A byte-exact TCP transfer LAN B -> LAN A through the link.
# transfer [NAMESPACE ADDRESS]: the receiving end (default: LAN A, 10.2.0.2).
transfer() { s2s_transfer "$NS_LANB" "${1:-$NS_LAN}" "${2:-10.2.0.2}"; }

case_udp() {
    start_both "" "password = \"branch-secret\"; keepalive_timeout = \"10s\"; cipher = \"aes256-gcm,aes128-gcm\";" \
        'ip = { routes = ( { dst_address = "10.2.0.0/24"; gateway = "ovpn-to-hq"; } ); };'
    check "the link comes up" wait_for 20 link_up
    check "vpnctl interfaces shows the link with its tunnel addresses" bash -c \
        "$(declare -f br_vpnctl); VPNCTL=$VPNCTL BR_PREFIX=$BR_PREFIX br_vpnctl interfaces | grep -E 'ovpn-to-hq +ovpn-client +connected +10\.1\.0\.1:1194 +10\.8\.0\.2 +10\.8\.0\.1 .*AES-256-GCM'"
    check "the link carries the ip.routes entry naming it" bash -c "[ \"\$($helpers link_field routes)\" = 10.2.0.0/24 ]"
    check "the head office XX\.8\.0\.2'"
    check "LAN B pings LAN A through the link" in_lanb ping -c 5 -i 0.2 -W 2 10.2.0.2
    check "LAN A pings LAN B through the link" in_lan ping -c 5 -i 0.2 -W 2 10.3.0.2
    check "LAN B pings the head office's tunnel address" in_lanb ping -c 2 -i 0.2 -W 2 10.8.0.1
    check "a 3 MB TCP transfer LAN B -> LAN A arrives byte-exact" transfer
    check "the link counted the transfer (sent) and the acks (received)" bash -c \
        "[ $(link_field tx_bytes) -gt 3000000 ] && [ $(link_field rx_bytes) -gt 1000 ]"
    check "no authentication, replay or anti-spoofing drops on the branch" test "$(br_vpnctl --json drops | /usr/bin/python3 -c \
        "import json,sys; r=json.load(sys.stdin); print(r['ovpn_auth_failed'] + r['ovpn_replay'] + r['anti_spoof'] + r['ovpn_no_key'])")" -eq 0
    # The head office goes away: the link drops (ping-restart), its route is withdrawn, and it
    # comes back when the server does.
    stop_daemon || true
    check "the link drops when the server is gone (keepalive_timeout)" wait_for 30 bash -c \
        "[ \"\$($helpers link_field state)\" != connected ]"
    check "the route through the link is withdrawn" bash -c "! ip netns exec $NS_LANB ping -c 1 -W 1 10.2.0.2"
    start_daemon "$E2E_DIR/hq.cfg"
    check "the link reconnects within the backoff" wait_for 70 link_up
    check "LAN B pings LAN A again" wait_for 10 in_lanb ping -c 1 -W 1 10.2.0.2
}

hq_renegotiations() {
    "$VPNCTL" -s "/var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2" --json ovpn |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["renegotiations"])'
}

case_pushed() {
    # reneg_sec: the server renegotiates every 6 s; the link follows with new data keys.
    # The branch checks the server's certificate against the head office's CA.
    start_both 'push_routes = "10.2.0.0/24"; reneg_sec = 6;' \
        "password = \"branch-secret\"; verify_server_certificate = true; ca_certificate = \"ca-certificate\";" \
        "certificates = { store = \"$E2E_DIR/certificates\"; };"
    check "the link comes up" wait_for 20 link_up
    check "the pushed route is installed through the link" bash -c "[ \"\$($helpers link_field routes)\" = 10.2.0.0/24 ]"
    check "LAN B pings LAN A through the pushed route" in_lanb ping -c 5 -i 0.2 -W 2 10.2.0.2
    check "LAN A pings LAN B" in_lan ping -c 3 -i 0.2 -W 2 10.3.0.2
    check "the server renegotiated the link's keys at least twice" wait_for 20 bash -c \
        "[ \$($(declare -f hq_renegotiations); VPNCTL=$VPNCTL E2E_PREFIX=$E2E_PREFIX hq_renegotiations) -ge 2 ]"
    check "LAN B still pings LAN A with the new keys" in_lanb ping -c 3 -i 0.2 -W 2 10.2.0.2
    check "the link stayed up through the renegotiations (one connection, uptime >= 11 s)" bash -c \
        "[ \$($helpers link_field uptime_s) -ge 11 ] && [ \$(grep -c 'ovpn-to-hq: connected' $E2E_DIR/branch.log) = 1 ]"
}

case_nopull() {
    start_both 'push_routes = "10.2.0.0/24";' "password = \"branch-secret\"; route_nopull = true;"
    check "the link comes up" wait_for 20 link_up
    check "no route installed (route_nopull)" bash -c "[ -z \"\$($helpers link_field routes)\" ]"
    check "LAN B cannot reach LAN A" bash -c "! ip netns exec $NS_LANB ping -c 2 -i 0.2 -W 1 10.2.0.2"
    check "the branch still reaches the server's tunnel address" in_lanb ping -c 2 -i 0.2 -W 2 10.8.0.1
    # A reload that pulls the routes restarts the link, which then installs the pushed route.
    br_config "password = \"branch-secret\";" >"$E2E_DIR/branch.cfg"
    check "vpnctl reload applies the changed link" br_vpnctl reload
    check "the link comes back after the reload" wait_for 20 link_up
    check "LAN B reaches LAN A through the now pulled route" wait_for 10 in_lanb ping -c 1 -W 1 10.2.0.2
}

case_refused() {
    start_both "" "password = \"not-the-secret\";" \
        'ip = { routes = ( { dst_address = "10.2.0.0/24"; gateway = "ovpn-to-hq"; } ); };'
    check "the link reports AUTH_FAILED" wait_for 20 bash -c \
        "$helpers link_field last_error | grep -q AUTH_FAILED"
    check "vpnctl interfaces shows it disconnected with the reason" bash -c \
        "$(declare -f br_vpnctl); VPNCTL=$VPNCTL BR_PREFIX=$BR_PREFIX br_vpnctl interfaces | grep -E 'ovpn-to-hq .*disconnected.*AUTH_FAILED'"
    check "it retries with backoff (two failed attempts within 10 s, not dozens)" wait_for 10 bash -c \
        "n=\$($helpers link_field failed_attempts); [ \$n -ge 2 ] && [ \$n -le 5 ]"
    check "the branch log says why and when it retries" grep -qE "ovpn-client ovpn-to-hq: AUTH_FAILED.*next attempt in" "$E2E_DIR/branch.log"
    check "LAN B cannot reach LAN A" bash -c "! ip netns exec $NS_LANB ping -c 2 -i 0.2 -W 1 10.2.0.2"
    check "the branch daemon is alive" kill -0 "$BR_DAEMON"
}

# A server whose certificate the branch does not trust (the branch's store holds another CA).
case_untrusted() {
    start_both "" \
        "password = \"branch-secret\"; verify_server_certificate = true;" \
        "certificates = { store = \"$E2E_DIR/foreign-store\"; };"
    check "the link reports the certificate failure" wait_for 20 bash -c \
        "$helpers link_field last_error | grep -qi 'TLS: .*certificate'"
    check "it retries with backoff" wait_for 10 bash -c \
        "[ \$($helpers link_field failed_attempts) -ge 2 ]"
    check "the link never came up" bash -c "! grep -q 'ovpn-to-hq: connected' $E2E_DIR/branch.log"
    check "the branch daemon is alive" kill -0 "$BR_DAEMON"
}

# The branch against Debian's own openvpn 2.6 server (in the head office's namespace, on the
# kernel's side of the WAN veth): topology subnet, NCP, TLS-EKM, peer-id, a pushed route to a
# network behind the server, the branch's LAN through the server's iroute.
stock_case() { # CIPHER(openvpn name) LINK_SETTINGS SERVER_OPTIONS...
    local cipher=$1 link=$2
    shift 2
    e2e_require openvpn openssl
    [ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun (the openvpn server needs a tun device)"
    topology
    ip -n "$NS_HQ" addr add 10.1.0.1/24 dev vpa-wan
    ip -n "$NS_HQ" link add hq-lan type veth peer name hq-lan-peer
    ip -n "$NS_HQ" link set hq-lan-peer up
    ip -n "$NS_HQ" addr add 10.2.0.1/24 dev hq-lan
    ip -n "$NS_HQ" link set hq-lan up
    local d=$E2E_DIR/stock
    mkdir -p "$d/ccd"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=10.1.0.1 -keyout "$d/server.key" -out "$d/server.pem" 2>/dev/null
    printf 'iroute 10.3.0.0 255.255.255.0\n' >"$d/ccd/branch"
    printf '#!/bin/sh\n[ "$(sed -n 1p "$1")" = branch ] && [ "$(sed -n 2p "$1")" = branch-secret ]\n' >"$d/check.sh"
    chmod 755 "$d/check.sh"
    ip netns exec "$NS_HQ" openvpn --dev tun --proto "${STOCK_PROTO:-udp4}" --local 10.1.0.1 --port 1194 \
        --topology subnet --server 10.8.0.0 255.255.255.0 --ca "$d/server.pem" \
        --cert "$d/server.pem" --key "$d/server.key" --dh none --verify-client-cert none \
        --auth-user-pass-verify "$d/check.sh" via-file --script-security 2 \
        --username-as-common-name --client-config-dir "$d/ccd" --route 10.3.0.0 255.255.255.0 \
        --push "route 10.2.0.0 255.255.255.0" --keepalive 10 60 --verb 4 "$@" \
        >"$E2E_DIR/openvpn-server.log" 2>&1 &
    E2E_PIDS+=($!)
    br_config "password = \"branch-secret\"; $link" >"$E2E_DIR/branch.cfg"
    start_branch "$E2E_DIR/branch.cfg"
    check "the link to the stock server comes up" wait_for 30 link_up
    check "the server logs the branch's session ($cipher, peer-id)" wait_for 10 grep -q \
        "branch/10.1.0.2:61000 Data Channel: cipher '$cipher'.* peer-id: 0" "$E2E_DIR/openvpn-server.log"
    check "topology subnet: our address from the pool, the route-gateway as the remote" bash -c \
        "$(declare -f br_vpnctl); VPNCTL=$VPNCTL BR_PREFIX=$BR_PREFIX br_vpnctl interfaces | grep -E 'ovpn-to-hq +ovpn-client +connected +10\.1\.0\.1:1194 +10\.8\.0\.2 +10\.8\.0\.1 .*$cipher'"
    check "the pushed route is installed" bash -c "[ \"\$($helpers link_field routes)\" = 10.2.0.0/24 ]"
    check "LAN B pings the server's tunnel address" in_lanb ping -c 3 -i 0.2 -W 2 10.8.0.1
    check "LAN B pings the network behind the server (pushed route, iroute back)" in_lanb ping -c 3 -i 0.2 -W 2 10.2.0.1
    check "a 3 MB TCP transfer LAN B -> the server's network arrives byte-exact" transfer "$NS_HQ" 10.2.0.1
    check "no authentication, replay or anti-spoofing drops on the branch" test "$(br_vpnctl --json drops | /usr/bin/python3 -c \
        "import json,sys; r=json.load(sys.stdin); print(r['ovpn_auth_failed'] + r['ovpn_replay'] + r['anti_spoof'] + r['ovpn_no_key'])")" -eq 0
}

case_stock() { stock_case AES-256-GCM ""; }
# Seed 003's cipher and HMAC (AES-256-CBC, SHA256), the server limited to it.
case_stock_cbc() {
    stock_case AES-256-CBC 'cipher = "aes256-cbc"; auth = "sha256";' \
        --data-ciphers AES-256-CBC --auth SHA256
}

# OpenVPN over TCP: the head office serves protocol = "tcp", the branch dials it through its
# workers' TCP engine; the session's data packets stay on the branch's worker.
tcp_link='password = "branch-secret"; protocol = "tcp"; keepalive_timeout = "10s";'
tcp_routes='ip = { routes = ( { dst_address = "10.2.0.0/24"; gateway = "ovpn-to-hq"; } ); };'
br_worker_counter() { # COUNTER: of the branch's worker 0
    br_vpnctl --json workers | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['worker0']['$1'])"
}

case_tcp() {
    start_both 'protocol = "tcp";' "$tcp_link" "$tcp_routes"
    check "the link comes up over TCP" wait_for 20 link_up
    check "the branch log says it dialled over TCP" grep -q "ovpn-to-hq: TCP connection to 10.1.0.1:1194 open" "$E2E_DIR/branch.log"
    check "vpnctl interfaces shows the link with its tunnel addresses" bash -c \
        "$(declare -f br_vpnctl); VPNCTL=$VPNCTL BR_PREFIX=$BR_PREFIX br_vpnctl interfaces | grep -E 'ovpn-to-hq +ovpn-client +connected +10\.1\.0\.1:1194 +10\.8\.0\.2 +10\.8\.0\.1 .*AES-256-GCM'"
    check "the head office lists the branch's session over TCP" bash -c "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -E 'branch +ovpn +10\.1\.0\.2:61000/tcp +10\.8\.0\.2'"
    check "LAN B pings LAN A through the link" in_lanb ping -c 5 -i 0.2 -W 2 10.2.0.2
    check "LAN A pings LAN B through the link" in_lan ping -c 5 -i 0.2 -W 2 10.3.0.2
    check "a 3 MB TCP transfer LAN B -> LAN A arrives byte-exact" transfer
    check "the link counted the transfer" bash -c "[ $(link_field tx_bytes) -gt 3000000 ] && [ $(link_field rx_bytes) -gt 1000 ]"
    check "the branch's worker encrypted onto the stream and decrypted from it" bash -c \
        "[ $(br_worker_counter ovpn_encrypted) -gt 1000 ] && [ $(br_worker_counter ovpn_decrypted) -gt 100 ]"
    check "no authentication, replay or anti-spoofing drops on the branch" test "$(br_vpnctl --json drops | /usr/bin/python3 -c \
        "import json,sys; r=json.load(sys.stdin); print(r['ovpn_auth_failed'] + r['ovpn_replay'] + r['anti_spoof'] + r['ovpn_no_key'])")" -eq 0
    # The head office restarts under the connected link: the stream ends, the link drops with its
    # route, and dials again until the server is back.
    stop_daemon || true
    check "the link drops when the server is gone" wait_for 30 bash -c \
        "[ \"\$($helpers link_field state)\" != connected ]"
    check "the branch log says why" grep -qE "ovpn-to-hq: link down: (TCP|ping-restart).*next attempt in" "$E2E_DIR/branch.log"
    check "the route through the link is withdrawn" bash -c "! ip netns exec $NS_LANB ping -c 1 -W 1 10.2.0.2"
    start_daemon "$E2E_DIR/hq.cfg"
    check "the link reconnects within the backoff" wait_for 70 link_up
    check "LAN B pings LAN A again" wait_for 10 in_lanb ping -c 1 -W 1 10.2.0.2
    check "a second transfer after the reconnect arrives byte-exact" transfer
}

# 5 % random loss of the WAN's TCP segments both ways (nftables numgen on the veth's egress; the
# DPDK ports send through the qdisc layer so that the hook sees their packets): the outer TCP
# stream recovers and the transfer through the link stays byte-exact.
case_tcp_loss() {
    WAN_DEVARGS=",qdisc_bypass=0"
    start_both 'protocol = "tcp";' "$tcp_link" "$tcp_routes"
    check "the link comes up over TCP" wait_for 20 link_up
    wan_loss_on
    check "a 3 MB TCP transfer LAN B -> LAN A under 5 % loss arrives byte-exact" transfer
    check "LAN A pings LAN B under loss" in_lan ping -c 10 -i 0.2 -W 2 10.3.0.2 -q
    check "the loss rule dropped segments on both sides" wan_loss_counted
    check "the link stayed up (one connection)" test "$(grep -c 'ovpn-to-hq: connected' "$E2E_DIR/branch.log")" = 1
    wan_loss_off
}

# The branch over TCP against Debian's stock openvpn 2.6 server (proto tcp-server).
# add_default_route: the branch has no route naming the link and pulls none; LAN A is reached
# only through the default the link installs (0.0.0.0/1 + 128.0.0.0/1 beside the branch's own
# WAN default), while the server stays on its pinned WAN route (the link stays up).
case_default() {
    start_both "" "password = \"branch-secret\"; route_nopull = true; add_default_route = true;" \
        'ip = { routes = ( { dst_address = "0.0.0.0/0"; gateway = "10.1.0.1"; } ); };'
    check "the link comes up" wait_for 20 link_up
    check "the default halves go through the link" bash -c "$helpers link_field routes | grep -q '0.0.0.0/1' && VPNCTL=$VPNCTL BR_PREFIX=$BR_PREFIX link_field routes | grep -q '128.0.0.0/1'"
    check "LAN B reaches LAN A through the default via the link" in_lanb ping -c 5 -i 0.2 -W 2 10.2.0.2
    check "LAN A pings LAN B back" in_lan ping -c 3 -i 0.2 -W 2 10.3.0.2
    check "a byte-exact transfer LAN B -> LAN A" transfer
    check "the link is still up (the tunnel does not loop into itself)" link_up
    # The link drops: the halves go with it and the configured default (WAN) is back.
    stop_daemon || true
    check "the branch sees the link drop" wait_for 70 bash -c \
        "[ \"\$($helpers link_field state)\" != connected ]"
    check "the default halves are withdrawn" bash -c "[ -z \"\$($helpers link_field routes)\" ]"
    start_daemon "$E2E_DIR/hq.cfg"
    check "the link comes back" wait_for 70 link_up
    check "LAN B reaches LAN A again" wait_for 10 in_lanb ping -c 1 -W 1 10.2.0.2
}

# The head office pushes redirect-gateway def1; the branch (add_default_route = false, routes
# pulled) takes it like add_default_route: LAN A is reached only through the default halves.
case_redirect() {
    start_both 'redirect_gateway = "def1";' "password = \"branch-secret\";" \
        'ip = { routes = ( { dst_address = "0.0.0.0/0"; gateway = "10.1.0.1"; } ); };'
    check "the link comes up" wait_for 20 link_up
    check "the pushed default's halves go through the link" bash -c \
        "r=\$($helpers link_field routes); [[ \$r == *0.0.0.0/1* && \$r == *128.0.0.0/1* ]]"
    check "the branch log says the server pushed the default" grep -q "ovpn-to-hq: connected.*(default pushed by the server)" "$E2E_DIR/branch.log"
    check "LAN B reaches LAN A through the pushed default" in_lanb ping -c 5 -i 0.2 -W 2 10.2.0.2
    check "a byte-exact transfer LAN B -> LAN A" transfer
    check "the link is still up (the tunnel does not loop into itself)" link_up
}

# tls-crypt on the link against the appliance's server configured with the same key (over TCP).
case_tcp_tlscrypt() {
    e2e_require openvpn
    openvpn --genkey secret "$E2E_DIR/tc.key" >/dev/null
    start_both "protocol = \"tcp\"; tls_crypt = \"$E2E_DIR/tc.key\";" \
        "password = \"branch-secret\"; protocol = \"tcp\"; tls_crypt = \"$E2E_DIR/tc.key\";" "$tcp_routes"
    check "the link comes up with tls-crypt" wait_for 20 link_up
    check "LAN B pings LAN A through the link" in_lanb ping -c 5 -i 0.2 -W 2 10.2.0.2
    check "a byte-exact transfer LAN B -> LAN A" transfer
}

case_tcp_stock() { STOCK_PROTO=tcp4-server stock_case AES-256-GCM 'protocol = "tcp";'; }
case_tcp_stock_cbc() {
    STOCK_PROTO=tcp4-server stock_case AES-256-CBC 'protocol = "tcp"; cipher = "aes256-cbc"; auth = "sha256";' \
        --data-ciphers AES-256-CBC --auth SHA256
}

# Not a test (no figure is asserted): LAN B -> LAN A and back with iperf3 through a UDP or TCP
# link, for perf/s2s_iperf.sh. IPERF_PROTO=udp|tcp, IPERF_SECONDS (default 10).
case_iperf() {
    local proto=${IPERF_PROTO:-udp}
    start_both "protocol = \"$proto\";" "password = \"branch-secret\"; protocol = \"$proto\";" "$tcp_routes"
    check "the link comes up over $proto" wait_for 20 link_up
    s2s_iperf "$proto"
}

"case_$CASE"
# Both stop cleanly on SIGTERM (the branch withdraws its link and tells the server EXIT).
check "the branch stops cleanly (SIGTERM)" stop_branch
case $CASE in *stock*) ;; *) check "the head office stops cleanly (SIGTERM)" stop_daemon ;; esac
e2e_finish
