#!/usr/bin/env bash
# NAT end to end (seed 003's full-tunnel masquerade): the stock openvpn client, with an address
# from a pool outside the LAN (10.8.0.0/24), reaches the LAN host through the tunnel; the srcnat
# masquerade rule rewrites its source to the appliance's LAN address, so the LAN host sees
# 10.2.0.1 (its iperf3 server logs the peer), a ping and a byte-exact TCP transfer come back
# through the connection table, and `vpnctl firewall connections` shows the translated
# connections. A stateful forward chain (established/related accepted, new only from the
# tunnels) keeps the LAN host from opening connections towards the client.
#
#   tests/e2e/nat_test.sh      (needs root)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ovpn_lib.sh"
E2E_TAG=${E2E_TAG:-$(printf 'n%04x' $(($$ % 65536)))}
e2e_init nat
e2e_require openvpn iperf3
[ -c /dev/net/tun ] || e2e_skip "no /dev/net/tun (the openvpn client needs a tun device)"

make_topology 1
make_pki alice
{
    ovpn_config | sed 's/10.2.0.100-10.2.0.150/10.8.0.10-10.8.0.50/;
                       s/local_address = "10.2.0.1"/local_address = "10.8.0.1"/'
    cat <<'CFG'
firewall = {
  filter = (
    { chain = "forward"; connection_state = "established,related"; action = "accept"; },
    { chain = "forward"; in_interface_list = "ovpn"; connection_state = "new"; action = "accept"; },
    { chain = "forward"; action = "drop"; comment = "nothing else is forwarded"; }
  );
  nat = (
    { chain = "srcnat"; out_interface = "lan0"; src_address = "10.8.0.0/24";
      action = "masquerade"; comment = "Masquerade OpenVPN clients"; }
  );
};
CFG
} >"$E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"

in_lan iperf3 -s -p 5201 -D --logfile "$E2E_DIR/iperf.log"
check "vpnctl ovpn profile writes a profile" profile alice
start_client "$NS_CLIENT" alice alice wonderland
check "the client connects" connected alice
client_ip=$(ip -n "$NS_CLIENT" -4 -o addr show | awk '/10\.8\.0\./ {sub("/.*", "", $4); print $4}')
check "the client has a tunnel address from 10.8.0.0/24" test -n "$client_ip"
check "the client pings the LAN host through masquerade" \
    in_client ping -c 3 -i 0.2 -W 2 10.2.0.2
check "the client reaches the LAN host's iperf3 (TCP)" \
    in_client iperf3 -c 10.2.0.2 -p 5201 -t 2 --connect-timeout 3000
check "the LAN host saw the appliance's LAN address, not the client's" \
    grep -q "Accepted connection from 10.2.0.1," "$E2E_DIR/iperf.log"
check "the LAN host never saw the tunnel address" \
    bash -c "! grep -q 'from 10.8.0.' '$E2E_DIR/iperf.log'"
# A byte-exact transfer: the LAN host serves a random file over TCP, the client fetches it.
head -c 3000000 /dev/urandom >"$E2E_DIR/blob"
in_lan /usr/bin/python3 -m http.server 8081 --bind 10.2.0.2 --directory "$E2E_DIR" \
    >"$E2E_DIR/http.log" 2>&1 &
http_pid=$!
sleep 1
check "a byte-exact 3 MB download through the translated connection" \
    bash -c "ip netns exec $NS_CLIENT curl -sf --max-time 20 -o '$E2E_DIR/blob.got' http://10.2.0.2:8081/blob && cmp '$E2E_DIR/blob' '$E2E_DIR/blob.got'"
kill "$http_pid" 2>/dev/null || true
check "the LAN host cannot open a connection to the client (stateful forward chain)" \
    bash -c "! ip netns exec $NS_LAN ping -c 2 -W 1 $client_ip"
check "vpnctl firewall connections lists the translated connections" \
    test "$(json_value firewall connections "sum(1 for c in r.values() if c['nat'] == 'yes' and c['reply_dst'].startswith('10.2.0.1'))")" -gt 0
check "vpnctl firewall nat prints the rule" \
    bash -c "'$VPNCTL' -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 firewall nat | grep -q ';;; Masquerade OpenVPN clients'"
vpnctl firewall connections >"$E2E_DIR/connections.txt" 2>&1 || true
cat "$E2E_DIR/connections.txt"
check "the daemon stops cleanly" stop_daemon
e2e_finish
