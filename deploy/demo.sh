#!/usr/bin/env bash
# The appliance's main job on one machine: installs what it needs, builds vpnplane, and runs it as
# an OpenVPN concentrator in a demo topology of network namespaces — a client side where the
# stock Debian openvpn client connects over the "Internet", and a LAN side with a host the
# client reaches through the tunnel. vpnplaned drives its two veth ends through DPDK's
# net_af_packet. The demo makes a CA and certificates with `vpnctl certificate` (the RouterOS
# way), writes the client's profile with `vpnctl ovpn profile`, connects, sends traffic both
# ways, and prints the appliance's tables. Then it keeps running until Ctrl-C (--once: exit).
#
#   sudo deploy/demo.sh [--once]
set -euo pipefail
cd "$(dirname "$0")/.."
once=0
[ "${1:-}" = "--once" ] && once=1

deploy/install-deps.sh
if [ ! -f build/build.ninja ]; then meson setup build >/dev/null; fi
ninja -C build control/vpnplaned tools/vpnctl >/dev/null

export E2E_TAG=vpdemo
source tests/e2e/lib.sh
source tests/e2e/ovpn_lib.sh
e2e_init demo
make_topology 1
echo "== certificates (vpnctl certificate add/sign, as in the RouterOS manuals)"
make_pki alice
"$VPNCTL" --store "$VP_CERTS" certificate print
ovpn_config >"$E2E_DIR/vpnplane.cfg"
echo
echo "== vpnplaned -c $E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"
profile alice
echo "== client profile written by: vpnctl ovpn profile alice ($E2E_DIR/alice.ovpn)"
start_client "$NS_CLIENT" alice alice wonderland
connected alice || { echo "the client did not connect; see $E2E_DIR/alice.log"; exit 1; }
echo "the OpenVPN client in $NS_CLIENT connected: $(grep -o "Data Channel: cipher '[^']*'" "$E2E_DIR/alice.log" | tail -1)"

echo
echo "== through the tunnel: client -> LAN host 10.2.0.2, and the LAN host -> client (proxy-ARP)"
in_client ping -c 3 -i 0.2 10.2.0.2 | tail -n 2
in_lan ping -c 3 -i 0.2 10.2.0.100 | tail -n 2
echo
echo "== iperf3 through the tunnel (3 s each way)"
in_lan iperf3 -s -D -p 5201
sleep 0.3
in_client iperf3 -c 10.2.0.2 -p 5201 -t 3 | grep -E "sender|receiver"
in_client iperf3 -c 10.2.0.2 -p 5201 -t 3 -R | grep -E "sender|receiver"

for what in info sessions ports workers stages drops routes arp pools; do
    echo
    echo "== vpnctl $what"
    vpnctl "$what"
done

if [ $once -eq 1 ]; then
    stop_daemon
    echo
    echo "demo: done"
    exit 0
fi
cat <<MSG

The appliance is running. In another terminal, for example:
  sudo ip netns exec $NS_CLIENT ping 10.2.0.2
  sudo build/tools/vpnctl -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 sessions
  sudo build/tools/vpnctl -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 workers
  echo /vpnplane/drops | sudo dpdk-telemetry.py -f $E2E_PREFIX
Press Ctrl-C to stop and remove the demo namespaces.
MSG
wait "$E2E_DAEMON" || true
