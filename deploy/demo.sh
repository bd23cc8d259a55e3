#!/usr/bin/env bash
# The appliance's main job on one machine: installs what it needs, builds vpnplane, creates a demo
# topology of network namespaces (a client side and a LAN side joined by veth pairs), runs
# vpnplaned on them through DPDK's net_af_packet, sends real traffic across, and prints the
# appliance's statistics. Then it keeps running until Ctrl-C (or exits at once with --once).
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
e2e_init demo
make_topology
base_config >"$E2E_DIR/vpnplane.cfg"
echo "demo: configuration $E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"

echo
echo "== the client namespace ($NS_CLIENT, 10.1.0.2) pings the appliance and a LAN host"
in_client ping -c 3 -i 0.2 10.1.0.1 | tail -n 2
in_client ping -c 3 -i 0.2 10.2.0.1 | tail -n 2
in_client ping -c 3 -i 0.2 10.2.0.2 | tail -n 2
echo
echo "== 20 MB of TCP from the client to the LAN host, through the appliance"
in_lan timeout 20 nc -l -p 5001 >/dev/null &
sleep 0.3
head -c 20000000 /dev/zero | in_client timeout 20 nc -N 10.2.0.2 5001 && echo "transfer done"
sleep 0.3

for what in info ports workers stages routes arp drops; do
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

The appliance is running. Try, in another terminal:
  sudo ip netns exec $NS_CLIENT ping 10.2.0.2
  sudo build/tools/vpnctl -s /var/run/dpdk/$E2E_PREFIX/dpdk_telemetry.v2 workers
  echo /vpnplane/drops | sudo dpdk-telemetry.py -f $E2E_PREFIX
Press Ctrl-C to stop and remove the demo namespaces.
MSG
wait "$E2E_DAEMON" || true
