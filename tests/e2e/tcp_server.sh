#!/usr/bin/env bash
# Runs vpnplaned as the server of tests/e2e/tcp/tcp_e2e.py: that script's --server-cmd
# template is `bash tests/e2e/tcp_server.sh {iface} {ip} {gateway} {stats} {extra}`. The appliance
# gets one port on {iface} (net_af_packet) with the TCP test services (echo 7 and discard 9 on
# the workers, sink 19 and source 20 on the control plane over punted streams), and the engines'
# counters are written to {stats} every 100 ms from `vpnctl raw /vpnplane/tcp`.
set -euo pipefail
iface=$1 ip=$2 gateway=$3 stats=$4
shift 4
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${VP_BUILD:-$root/build}
dir=$(mktemp -d /tmp/vpnplane-tcp-server.XXXXXX)
prefix=vptcp$$
tcp_settings=""
while [ $# -gt 0 ]; do
    case $1 in
    --syn-backlog) tcp_settings+=" syn_backlog = $2; syn_cookies = true;"; shift 2 ;;
    --keepalive-idle-ms) tcp_settings+=" keepalive_idle = $(($2 / 1000));"; shift 2 ;;
    --keepalive-interval-ms) tcp_settings+=" keepalive_interval = $((($2 + 999) / 1000));"; shift 2 ;;
    --keepalive-probes) tcp_settings+=" keepalive_probes = $2;"; shift 2 ;;
    *) echo "tcp_server.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
cat >"$dir/vpnplane.cfg" <<CFG
dpdk = { lcores = "0-1"; no_huge = true; memory_mb = 512; file_prefix = "$prefix"; };
dataplane = { idle_sleep_us = 20; };
interfaces = ( { name = "eth0"; device = "net_af_packet0,iface=$iface"; role = "wan";
                 address = "$ip/24"; gateway = "$gateway"; } );
tcp = { test_services = true; $tcp_settings };
CFG
"$build/control/vpnplaned" -c "$dir/vpnplane.cfg" &
daemon=$!
(
    while kill -0 "$daemon" 2>/dev/null; do
        if "$build/tools/vpnctl" -s "/var/run/dpdk/$prefix/dpdk_telemetry.v2" raw /vpnplane/tcp \
            >"$stats.tmp" 2>/dev/null; then
            mv "$stats.tmp" "$stats"
        fi
        sleep 0.1
    done
) &
poller=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon; kill $poller 2>/dev/null; rm -rf "$dir"' EXIT TERM INT
wait "$daemon"
