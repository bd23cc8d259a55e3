# Shared by the site-to-site tests (s2s_ovpn_test.sh, s2s_sstp_test.sh; source it after lib.sh
# and ovpn_lib.sh): two appliances joined by a WAN veth between their DPDK ports, each with a LAN
# namespace behind it; the branch daemon's start, its client link's state from `vpnctl --json
# interfaces`, and a byte-exact TCP transfer through the link.
#
#   LAN A ns (10.2.0.2) == [hq: lan0 10.2.0.1 | wan0 10.1.0.1] ==WAN== [branch: wan0 10.1.0.2 | lan0 10.3.0.1] == LAN B ns (10.3.0.2)

s2s_init() { # NAME TAG_LETTER: e2e_init, the namespaces' names, the cleanup of both appliances
    E2E_TAG=${E2E_TAG:-$(printf '%s%04x' "$2" $(($$ % 65536)))}
    e2e_init "$1"
    e2e_require python3 sha256sum
    NS_HQ=$NS_APP       # the server appliance
    NS_BR=${E2E_TAG}b   # the branch appliance (the client)
    NS_LANB=${E2E_TAG}m # the branch's LAN
    E2E_EXTRA_NS+=("$NS_BR" "$NS_LANB")
    BR_PREFIX=${E2E_PREFIX}b
    trap s2s_cleanup EXIT
    # Prefix of a `bash -c` command that reads the link: the helpers below and their variables.
    helpers="$(declare -f br_vpnctl link_field); VPNCTL=$VPNCTL BR_PREFIX=$BR_PREFIX"
}

s2s_cleanup() {
    local rc=$?
    set +e # a failed run must still be cleaned up (e2e_cleanup reads the status from $?)
    (exit $rc)
    e2e_cleanup
    rm -rf "/var/run/dpdk/$BR_PREFIX"
}

topology() {
    ip netns add "$NS_HQ"
    ip netns add "$NS_BR"
    ip netns add "$NS_LAN"
    ip netns add "$NS_LANB"
    ip link add vpa-wan netns "$NS_HQ" type veth peer name vpb-wan netns "$NS_BR"
    ip link add vpa-lan netns "$NS_HQ" type veth peer name eth0 netns "$NS_LAN"
    ip link add vpb-lan netns "$NS_BR" type veth peer name eth0 netns "$NS_LANB"
    local ns dev
    for ns in "$NS_HQ" "$NS_BR"; do ip -n "$ns" link set lo up; done
    for dev in vpa-wan vpa-lan; do ip -n "$NS_HQ" link set "$dev" up; netns_offloads_off "$NS_HQ" "$dev"; done
    for dev in vpb-wan vpb-lan; do ip -n "$NS_BR" link set "$dev" up; netns_offloads_off "$NS_BR" "$dev"; done
    ip -n "$NS_LAN" addr add 10.2.0.2/24 dev eth0
    ip -n "$NS_LANB" addr add 10.3.0.2/24 dev eth0
    for ns in "$NS_LAN" "$NS_LANB"; do
        ip -n "$ns" link set lo up
        ip -n "$ns" link set eth0 up
        netns_offloads_off "$ns" eth0
    done
    ip -n "$NS_LAN" route add default via 10.2.0.1
    ip -n "$NS_LANB" route add default via 10.3.0.1
}

# The first lines of an appliance's configuration: logging, DPDK, its two ports.
# s2s_config_head PREFIX SIDE(a|b) WAN_ADDRESS LAN_ADDRESS; WAN_DEVARGS: extra devargs of wan0.
s2s_config_head() {
    cat <<CFG
system = { logging = { level = "info"; }; };
dpdk = { lcores = "0-1"; no_huge = true; memory_mb = 256; file_prefix = "$1"; };
dataplane = { idle_sleep_us = 50; };
interfaces = (
  { name = "wan0"; device = "net_af_packet0,iface=vp$2-wan${WAN_DEVARGS:-}"; role = "wan"; address = "$3"; },
  { name = "lan0"; device = "net_af_packet1,iface=vp$2-lan"; role = "lan"; address = "$4"; }
);
CFG
}
hq_config_head() { s2s_config_head "$E2E_PREFIX" a 10.1.0.1/24 10.2.0.1/24; }
br_config_head() { s2s_config_head "$BR_PREFIX" b 10.1.0.2/24 10.3.0.1/24; }

start_branch() { # CONFIG_FILE
    ip netns exec "$NS_BR" "$VPNPLANED" -c "$1" >"$E2E_DIR/branch.log" 2>&1 &
    BR_DAEMON=$!
    E2E_PIDS+=("$BR_DAEMON")
    for _ in $(seq 1 300); do # 30 s: a sanitized daemon starts slower
        grep -q "vpnplaned running" "$E2E_DIR/branch.log" 2>/dev/null && return 0
        kill -0 "$BR_DAEMON" 2>/dev/null || { echo "FAIL: branch vpnplaned exited"; cat "$E2E_DIR/branch.log"; return 1; }
        sleep 0.1
    done
    echo "FAIL: branch vpnplaned did not start"
    return 1
}
stop_branch() { kill -TERM "$BR_DAEMON"; wait "$BR_DAEMON"; }

# After topology, make_pki and both configurations written to $E2E_DIR/hq.cfg and branch.cfg.
start_both_daemons() {
    check "the branch configuration passes --check" "$VPNPLANED" -c "$E2E_DIR/branch.cfg" --check
    start_daemon "$E2E_DIR/hq.cfg"
    start_branch "$E2E_DIR/branch.cfg"
}

br_vpnctl() { "$VPNCTL" -s "/var/run/dpdk/$BR_PREFIX/dpdk_telemetry.v2" "$@"; }
link_field() { # FIELD: of the first client link, from `vpnctl --json interfaces`
    br_vpnctl --json interfaces | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['0']['$1'])"
}
link_up() { [ "$(link_field state)" = connected ]; }
link_down() { [ "$(link_field state)" != connected ]; }
in_lanb() { ip netns exec "$NS_LANB" "$@"; }

# A byte-exact 3 MB TCP transfer through the link (sha256 both ends).
# s2s_transfer TX_NS RX_NS RX_ADDR
s2s_transfer() {
    local tx_ns=$1 rx_ns=$2 rx_addr=$3
    head -c 3000000 /dev/urandom >"$E2E_DIR/send.bin"
    rm -f "$E2E_DIR/recv.bin"
    ip netns exec "$rx_ns" /usr/bin/python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$rx_addr', 5000)); s.listen(1); s.settimeout(60)
c, _ = s.accept(); c.settimeout(60)
with open('$E2E_DIR/recv.bin', 'wb') as f:
    while True:
        b = c.recv(65536)
        if not b: break
        f.write(b)
" &
    local server=$!
    sleep 0.5
    ip netns exec "$tx_ns" /usr/bin/python3 -c "
import socket
s = socket.create_connection(('$rx_addr', 5000), timeout=60)
s.sendall(open('$E2E_DIR/send.bin', 'rb').read()); s.close()
"
    wait $server
    [ "$(sha256sum <"$E2E_DIR/send.bin")" = "$(sha256sum <"$E2E_DIR/recv.bin")" ]
}

# Not a test (no figure is asserted): iperf3 LAN B -> LAN A and back through the link, printed
# as "IPERF LABEL ..." for perf/s2s_iperf.sh. IPERF_SECONDS (default 10).
s2s_iperf() { # LABEL
    e2e_require iperf3
    local secs=${IPERF_SECONDS:-10} up down
    ip netns exec "$NS_LAN" iperf3 -s -1 -B 10.2.0.2 >/dev/null 2>&1 &
    sleep 0.5
    up=$(in_lanb iperf3 -c 10.2.0.2 -t "$secs" -J | /usr/bin/python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
    ip netns exec "$NS_LAN" iperf3 -s -1 -B 10.2.0.2 >/dev/null 2>&1 &
    sleep 0.5
    down=$(in_lanb iperf3 -c 10.2.0.2 -t "$secs" -R -J | /usr/bin/python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
    echo "IPERF $1 LAN B -> LAN A: $up Mbit/s; LAN A -> LAN B: $down Mbit/s"
    check "iperf3 measured both directions" test -n "$up" -a -n "$down"
}

# 5 % random loss of the WAN's TCP segments both ways (nftables numgen on the veths' egress; the
# DPDK ports send through the qdisc layer, WAN_DEVARGS=",qdisc_bypass=0", so the hook sees them).
wan_loss_on() {
    local ns dev
    for ns in "$NS_HQ:vpa-wan" "$NS_BR:vpb-wan"; do
        dev=${ns#*:}
        ip netns exec "${ns%%:*}" nft -f - <<NFT
table netdev wanloss {
  chain egress { type filter hook egress device "$dev" priority 0; policy accept;
    meta l4proto tcp numgen random mod 100 < 5 counter drop
  }
}
NFT
    done
}
wan_loss_counted() { # the loss rule dropped segments on both sides
    local ns
    for ns in "$NS_HQ" "$NS_BR"; do
        ip netns exec "$ns" nft list table netdev wanloss | grep -qE 'counter packets [1-9]' || return 1
    done
}
wan_loss_off() { local ns; for ns in "$NS_HQ" "$NS_BR"; do ip netns exec "$ns" nft delete table netdev wanloss; done; }
