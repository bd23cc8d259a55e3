#!/usr/bin/env bash
# Site-to-site SSTP between TWO appliances (seeds 002/004's "Site-to-Site SSTP"): the head office
# runs the SSTP server with a PPP secret for the branch (its LAN as the secret's route), the
# branch dials out with an `sstp_clients` link through its workers' TCP engine and routes the
# head office's LAN through it (ip.routes gateway = the link's name). Each has a LAN namespace.
# Once the call is up the branch's worker holds the link's TLS record layer: the transfers'
# records are opened and sealed there (`vpnctl raw /vpnplane/sstp`), none on the control thread.
#
#   LAN A ns (10.2.0.2) == [hq: lan0 10.2.0.1 | wan0 10.1.0.1] ==WAN== [branch: wan0 10.1.0.2 | lan0 10.3.0.1] == LAN B ns (10.3.0.2)
#
#   tests/e2e/s2s_sstp_test.sh CASE   (sstp | refused | untrusted | loss | iperf; needs root)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ovpn_lib.sh" # make_pki
source "$(dirname "$0")/s2s_lib.sh"
CASE=${1:?usage: s2s_sstp_test.sh CASE}
s2s_init "s2s-sstp-$CASE" q

# The head office: the SSTP server (certificate from the store), a secret for the branch with a
# fixed tunnel address pair and the branch's LAN as its route (seed 004's "Home" secret).
hq_config() {
    hq_config_head
    cat <<CFG
certificates = { store = "$VP_CERTS"; };
ppp_profiles = ( { name = "s2s"; local_address = "172.16.1.1"; } );
ppp_secrets = (
  { name = "branch"; password = "branch-secret"; profile = "s2s"; service = "sstp";
    remote_address = "172.16.1.2"; routes = "10.3.0.0/24"; }
);
sstp_server = {
  enabled = true; port = 443; certificate = "server-certificate"; default_profile = "s2s";
  authentication = ["mschap2"]; keepalive_timeout = "20s";
};
CFG
}

# The branch: an sstp_clients link to the head office. $1: extra link settings, $2: extra
# top-level settings.
br_routes='ip = { routes = ( { dst_address = "10.2.0.0/24"; gateway = "sstp-to-hq"; } ); };'
br_config() {
    br_config_head
    cat <<CFG
sstp_clients = (
  { name = "sstp-to-hq"; connect_to = "10.1.0.1"; user = "branch"; keepalive_timeout = 10;
    ${1:-} }
);
$br_routes
${2:-}
CFG
}

sstp_field() { # FIELD: of the branch's `vpnctl raw /vpnplane/sstp` (the links' and workers' counters)
    br_vpnctl --json raw /vpnplane/sstp | /usr/bin/python3 -c "
import json,sys
r = json.load(sys.stdin)
if len(r) == 1 and isinstance(next(iter(r.values())), dict): r = next(iter(r.values()))
print(r['$1'])"
}
helpers="$(declare -f sstp_field); $helpers" # the lib's helpers end with the variables a command reads

start_both() { # BRANCH_LINK_SETTINGS BRANCH_TOP_SETTINGS
    topology
    make_pki
    hq_config >"$E2E_DIR/hq.cfg"
    br_config "${1:-}" "${2:-}" >"$E2E_DIR/branch.cfg"
    start_both_daemons
}

b_to_a() { s2s_transfer "$NS_LANB" "$NS_LAN" 10.2.0.2; }
a_to_b() { s2s_transfer "$NS_LAN" "$NS_LANB" 10.3.0.2; }

# The transfers' records were opened and sealed by the branch's worker (its SSTP counters grew by
# more than the ~2100 records of 3 MB each way), none by its control thread.
# worker_carried OPENED_BEFORE SEALED_BEFORE
worker_carried() {
    local opened sealed
    opened=$(( $(sstp_field sstp_records_opened) - $1 )) sealed=$(( $(sstp_field sstp_records_sealed) - $2 ))
    check "the branch's worker opened ($opened) and sealed ($sealed) the transfers' records" \
        test "$opened" -gt 2000 -a "$sealed" -gt 2000
    check "the branch's control thread opened and sealed no data packet" \
        test "$(sstp_field client_link_injected)" = 0 -a "$(sstp_field client_link_sealed)" = 0
    check "no worker record failures on the branch" \
        test "$(sstp_field client_link_worker_record_failures)" = 0
}

case_sstp() {
    start_both "password = \"branch-secret\"; verify_server_certificate = true; ca_certificate = \"ca-certificate\"; ${SSTP_LINK_EXTRA:-}" \
        "certificates = { store = \"$E2E_DIR/certificates\"; };"
    check "the link comes up" wait_for 30 link_up
    check "the branch log says it connected" grep -q "sstp-client sstp-to-hq: connected, 172.16.1.2 <-> 172.16.1.1" "$E2E_DIR/branch.log"
    check "vpnctl interfaces shows the link with its tunnel addresses" bash -c \
        "$helpers br_vpnctl interfaces | grep -E 'sstp-to-hq +sstp-client +connected +10\.1\.0\.1:443 +172\.16\.1\.2 +172\.16\.1\.1 .*TLS'"
    check "the link carries the ip.routes entry naming it" bash -c "[ \"\$($helpers link_field routes)\" = 10.2.0.0/24 ]"
    check "the head office lists the branch's SSTP session" bash -c \
        "$VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -E 'branch +sstp .*172\.16\.1\.2'"
    check "LAN B pings LAN A through the link" in_lanb ping -c 5 -i 0.2 -W 2 10.2.0.2
    check "LAN A pings LAN B through the link" in_lan ping -c 5 -i 0.2 -W 2 10.3.0.2
    check "LAN B pings the head office's tunnel address" in_lanb ping -c 2 -i 0.2 -W 2 172.16.1.1
    check "the link's worker took its TLS record layer" wait_for 5 bash -c \
        "[ \$($helpers sstp_field client_link_handovers) -ge 1 ]"
    local opened sealed
    opened=$(sstp_field sstp_records_opened) sealed=$(sstp_field sstp_records_sealed)
    check "a 3 MB TCP transfer LAN B -> LAN A arrives byte-exact" b_to_a
    check "a 3 MB TCP transfer LAN A -> LAN B arrives byte-exact" a_to_b
    worker_carried "$opened" "$sealed"
    local tx rx
    tx=$(link_field tx_bytes) rx=$(link_field rx_bytes)
    check "the link stayed up through both transfers and counted them (tx $tx, rx $rx bytes)" \
        test "$tx" -gt 3000000 -a "$rx" -gt 3000000
    # A full stream toward the branch drops inner packets unsealed (sstp_stream_full), never a
    # sealed record: the link's TLS stream stays whole.
    check "one call through both transfers (no 'link down' before the restart)" \
        test "$(grep -c 'sstp-to-hq: link down' "$E2E_DIR/branch.log")" = 0
    check "no anti-spoofing drops on the branch" test "$(br_vpnctl --json drops | /usr/bin/python3 -c \
        "import json,sys; print(json.load(sys.stdin)['anti_spoof'])")" -eq 0
    # The head office restarts under the connected link: the stream ends, the link drops with
    # its route, and dials again (backoff) until the server is back.
    stop_daemon || true
    cp "$E2E_DIR/vpnplaned.log" "$E2E_DIR/hq-before-restart.log"
    check "the link drops when the server is gone" wait_for 30 link_down
    check "the branch log says why" grep -qE "sstp-to-hq: link down: .*next attempt in" "$E2E_DIR/branch.log"
    check "the route through the link is withdrawn" bash -c "! ip netns exec $NS_LANB ping -c 1 -W 1 10.2.0.2"
    start_daemon "$E2E_DIR/hq.cfg"
    check "the link reconnects within the backoff" wait_for 70 link_up
    check "LAN B pings LAN A again" wait_for 10 in_lanb ping -c 1 -W 1 10.2.0.2
    check "a transfer after the reconnect arrives byte-exact" b_to_a
}

# A wrong password: the server refuses the authentication, the link says so and backs off.
case_refused() {
    start_both 'password = "not-the-secret";'
    check "the link reports the authentication failure" wait_for 30 bash -c \
        "$helpers link_field last_error | grep -qi 'auth'"
    check "vpnctl interfaces shows it disconnected with the reason" bash -c \
        "$helpers br_vpnctl interfaces | grep -iE 'sstp-to-hq .*disconnected.*auth'"
    check "it retries with backoff (2 to 5 failed attempts within 10 s, not dozens)" wait_for 10 bash -c \
        "n=\$($helpers link_field failed_attempts); [ \$n -ge 2 ] && [ \$n -le 5 ]"
    check "the branch log says why and when it retries" grep -qiE "sstp-client sstp-to-hq: .*auth.*next attempt in" "$E2E_DIR/branch.log"
    check "LAN B cannot reach LAN A" bash -c "! ip netns exec $NS_LANB ping -c 2 -i 0.2 -W 1 10.2.0.2"
    check "the branch daemon is alive" kill -0 "$BR_DAEMON"
}

# verify_server_certificate with a CA that did not issue the server's certificate.
case_untrusted() {
    start_both 'password = "branch-secret"; verify_server_certificate = true; ca_certificate = "foreign-ca";' \
        "certificates = { store = \"$E2E_DIR/foreign-store\"; };"
    check "the link reports the certificate failure" wait_for 30 bash -c \
        "$helpers link_field last_error | grep -qi 'TLS: .*certificate'"
    check "it retries with backoff" wait_for 10 bash -c "[ \$($helpers link_field failed_attempts) -ge 2 ]"
    check "the link never came up" bash -c "! grep -q 'sstp-to-hq: connected' $E2E_DIR/branch.log"
    check "the head office never listed a session" bash -c \
        "! $VPNCTL -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions | grep -q branch"
    check "the branch daemon is alive" kill -0 "$BR_DAEMON"
}

# 5 % random loss of the WAN's TCP segments both ways (nftables numgen on the veth's egress):
# the outer TCP stream recovers, the transfer through the link stays byte-exact. Over TLS 1.2,
# so that the branch's worker runs the TLS 1.2 record layer in the client role.
case_loss() {
    e2e_require nft
    WAN_DEVARGS=",qdisc_bypass=0"
    # TLS 1.2 (AES-256-GCM): the worker's TLS 1.2 record path in the client role.
    start_both 'password = "branch-secret"; tls_version = "only-1.2";'
    check "the link comes up" wait_for 30 link_up
    check "the link negotiated TLS 1.2" bash -c "[[ \"\$($helpers link_field encoding)\" == TLS1.2* ]]"
    check "the link's worker took its TLS record layer" wait_for 5 bash -c \
        "[ \$($helpers sstp_field client_link_handovers) -ge 1 ]"
    local opened sealed
    opened=$(sstp_field sstp_records_opened) sealed=$(sstp_field sstp_records_sealed)
    wan_loss_on
    check "a 3 MB TCP transfer LAN B -> LAN A under 5 % loss arrives byte-exact" b_to_a
    check "a 3 MB TCP transfer LAN A -> LAN B under 5 % loss arrives byte-exact" a_to_b
    worker_carried "$opened" "$sealed"
    check "the loss rule dropped segments on both sides" wan_loss_counted
    check "the link stayed up (one connection)" test "$(grep -c 'sstp-to-hq: connected' "$E2E_DIR/branch.log")" = 1
    wan_loss_off
}

# Not a test (no figure is asserted): iperf3 LAN B -> LAN A and back through the link, for
# perf/s2s_iperf.sh. IPERF_SECONDS (default 10).
case_iperf() {
    start_both 'password = "branch-secret";'
    check "the link comes up" wait_for 30 link_up
    s2s_iperf sstp
}

"case_$CASE"
# Both stop cleanly on SIGTERM (the branch withdraws its link and sends Call Disconnect).
check "the branch stops cleanly (SIGTERM)" stop_branch
check "the head office stops cleanly (SIGTERM)" stop_daemon
e2e_finish
