#!/usr/bin/env bash
# The firewall's filter end to end: the stock openvpn client reaches two iperf3 servers on the LAN
# host through the tunnel; a forward rule drops the client's traffic to one of the ports (matched
# through the dynamic `ovpn` interface list) while the other passes, an input rule rejects
# nothing that matters, and `vpnctl firewall filter` shows the deciding rules' counters rising.
# The accept rule matches the client through a dynamic address list: its profile's address_list
# puts the session's address into "vpn-users" (RouterOS /ppp profile address-list=); other tunnel
# traffic is dropped, and `vpnctl firewall address-list` shows the entry flagged D.
#
#   tests/e2e/firewall_test.sh      (needs root)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ovpn_lib.sh"
E2E_TAG=${E2E_TAG:-$(printf 'f%04x' $(($$ % 65536)))}
e2e_init firewall
e2e_require openvpn iperf3
[ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun (the openvpn client needs a tun device)"

make_topology 1
make_pki alice
{
    ovpn_config "" "" 'address_list = "vpn-users";'
    cat <<'CFG'
interface_lists = ( { name = "LAN"; interfaces = "lan0"; } );
firewall = { filter = (
  { chain = "input"; protocol = "udp"; dst_port = 1194; action = "accept"; comment = "OpenVPN"; },
  { chain = "forward"; protocol = "tcp"; in_interface_list = "ovpn"; dst_address = "10.2.0.2";
    dst_port = 5202; action = "drop"; comment = "no iperf on 5202 from tunnels"; },
  { chain = "forward"; in_interface_list = "ovpn"; out_interface_list = "LAN";
    src_address_list = "vpn-users"; action = "accept"; },
  { chain = "forward"; in_interface_list = "ovpn"; action = "drop";
    comment = "tunnels outside vpn-users"; },
  { chain = "input"; protocol = "icmp"; in_interface_list = "ovpn";
    action = "add-src-to-address-list"; address_list = "pingers"; address_list_timeout = "10m"; }
); };
CFG
} >"$E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"

rule_packets() { json_value firewall filter "r['$1']['packets']"; }

in_lan iperf3 -s -p 5201 -D --logfile "$E2E_DIR/iperf-5201.log"
in_lan iperf3 -s -p 5202 -D --logfile "$E2E_DIR/iperf-5202.log"
check "vpnctl ovpn profile writes a profile" profile alice
start_client "$NS_CLIENT" alice alice wonderland
check "the client connects through the input accept rule" connected alice
check "the OpenVPN input rule counted the handshake" test "$(rule_packets 0)" -gt 0
check "the client reaches the LAN host's port 5201 (accepted, forward chain)" \
    in_client iperf3 -c 10.2.0.2 -p 5201 -t 1 --connect-timeout 3000
accepted=$(rule_packets 2)
check "the accept rule (in ovpn, out LAN, src in vpn-users) counted the transfer" \
    test "$accepted" -gt 10
check "vpnctl firewall address-list shows alice's address as a dynamic vpn-users entry" \
    bash -c "'$VPNCTL' -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 firewall address-list | grep -E ' D +vpn-users +10\.2\.0\.[0-9]+ +alice '"
check "the metrics count the dynamic entry" \
    bash -c "'$VPNCTL' -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 metrics | grep -q 'vpnplane_firewall_address_list_entries{list=\"vpn-users\",dynamic=\"yes\"} 1'"
check "the client cannot reach port 5202 (dropped)" \
    bash -c "! ip netns exec $NS_CLIENT iperf3 -c 10.2.0.2 -p 5202 -t 1 --connect-timeout 2000"
check "the drop rule counted the SYNs" test "$(rule_packets 1)" -gt 0
check "the drops are counted as firewall_drop" \
    test "$(json_value drops "r.get('firewall_drop', 0)")" -gt 0
check "vpnctl firewall filter prints the rules with their comments" \
    bash -c "'$VPNCTL' -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 firewall filter | grep -q ';;; no iperf on 5202 from tunnels'"
# add-src-to-address-list: the worker reports the pinging client, the control plane adds it for 10m.
check "the client pings the appliance" in_client ping -c 2 -i 0.2 -W 2 10.2.0.1
check "vpnctl firewall address-list shows the pinger with the timeout left (add-src-to-address-list)" \
    wait_for 5 bash -c "'$VPNCTL' -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 firewall address-list | grep -E ' D +pingers +10\.2\.0\.[0-9]+ +9m[0-9]+s +rule 4'"
adds=$(json_value workers "sum(w.get('address_list_adds', 0) for w in r.values() if isinstance(w, dict))")
skipped=$(json_value workers "sum(w.get('address_list_adds_skipped', 0) for w in r.values() if isinstance(w, dict))")
# Two pings 0.2 s apart: two reports when the first one's recompilation (vpn-users is matched by
# rule 2) came in between (the repeat cache is per rule set), else one and a repeat not sent.
echo "add-to-address-list reports: $adds sent, $skipped not sent (repeats)"
check "the worker reported the pinger ($adds report(s), $skipped repeat(s) not reported)" \
    test "$adds" -ge 1 -a "$((adds + skipped))" -ge 2
vpnctl firewall filter >"$E2E_DIR/filter.txt" 2>&1 || true
cat "$E2E_DIR/filter.txt"
vpnctl firewall address-list >"$E2E_DIR/address-list.txt" 2>&1 || true
cat "$E2E_DIR/address-list.txt"
kill -TERM "$(client_pid alice)"
check "the session ends (explicit exit or keepalive timeout)" wait_for 40 sessions_are 0
check "alice's address left vpn-users with her session (the pingers entry stays for its timeout)" \
    bash -c "! '$VPNCTL' -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 firewall address-list | grep -q vpn-users"
check "the daemon stops cleanly" stop_daemon
e2e_finish
