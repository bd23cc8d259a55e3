#!/usr/bin/env bash
# Side by side with OpenVPN: the same topology (a client namespace with the stock openvpn 2.6
# client, a LAN namespace with iperf3), the same client profile (written by `vpnctl ovpn
# profile`), the same cipher (AES-256-GCM), first against vpnplaned, then against Debian's
# openvpn 2.6 server (userspace; this kernel has no ovpn-dco) routing through the kernel in the
# same namespace. For each: iperf3 TCP throughput each way and the server's CPU cycles per byte
# carried — vpnplane's from its workers' busy-cycle counters, openvpn's from its process CPU time
# (user + system) at the TSC rate. Results: perf/results/openvpn_side_by_side.{json,csv} (UDP)
# and openvpn_side_by_side_tcp.{json,csv} (TCP).
#
#   sudo perf/compare/openvpn_side_by_side.sh [SECONDS] [udp|tcp]
#
# tcp: both servers carry OpenVPN over TCP (vpnplane's `protocol = "tcp"` on its workers' TCP
# engine, openvpn's `proto tcp-server` on the kernel's TCP) and the client profile says
# `proto tcp-client`.
#
# On a 2-core machine the client, iperf3 and the server share the CPUs, so throughput is bound by
# the client more than by either server; the cycles-per-byte ratio is the figure to read.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
proto=${2:-udp}
case $proto in
udp) suffix= ;;
tcp) suffix=_tcp ;;
*) echo "usage: $0 [SECONDS] [udp|tcp]" >&2; exit 2 ;;
esac
export E2E_TAG=vpcmp
source tests/e2e/lib.sh
source tests/e2e/ovpn_lib.sh
e2e_init side-by-side
command -v openvpn >/dev/null || { echo "openvpn is not installed"; exit 1; }
out_dir=perf/results
mkdir -p "$out_dir"

make_topology 1
make_pki alice
ovpn_config "cipher = \"aes256-gcm\"; protocol = \"$proto\";" >"$E2E_DIR/vpnplane.cfg"
start_daemon "$E2E_DIR/vpnplane.cfg"
profile alice protocol="$proto"
tsc_hz=$(json_value info "r['tsc_hz']") # the rate of the busy-cycle counters

iperf_run() { # LABEL [iperf3 options]: prints bits/s received
    local label=$1
    shift
    in_client iperf3 -c 10.2.0.2 -p 5201 -t "$seconds" -J "$@" >"$E2E_DIR/$label.json"
    /usr/bin/python3 -c "import json; print(int(json.load(open('$E2E_DIR/$label.json'))['end']['sum_received']['bits_per_second']))"
}
iperf_bytes() { /usr/bin/python3 -c "import json; print(int(json.load(open('$E2E_DIR/$1.json'))['end']['sum_received']['bytes']))"; }

# --- vpnplane ---------------------------------------------------------------------------------
start_client "$NS_CLIENT" vp alice wonderland
connected vp || { echo "the client did not connect to vpnplaned"; exit 1; }
in_lan iperf3 -s -D -p 5201
sleep 0.5
busy() { json_value workers "sum(w['busy_cycles'] for w in r.values())"; }
b0=$(busy)
vp_up=$(iperf_run vp-up)
b1=$(busy)
vp_down=$(iperf_run vp-down -R)
b2=$(busy)
vp_up_bytes=$(iperf_bytes vp-up)
vp_down_bytes=$(iperf_bytes vp-down)
kill "$(client_pid vp)"
stop_daemon || true

# --- openvpn 2.6 server -------------------------------------------------------------------------
ip -n "$NS_APP" addr add 10.1.0.1/24 dev vpa-wan
ip -n "$NS_APP" addr add 10.2.0.1/24 dev vpa-lan
ip netns exec "$NS_APP" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS_LAN" route add 10.8.0.0/24 via 10.2.0.1
store=$VP_CERTS
cat "$store/certs/server-certificate.crt" >"$E2E_DIR/server.crt"
cp "$store/private/server-certificate.key" "$E2E_DIR/server.key"
cat "$store/certs/ca-certificate.crt" >"$E2E_DIR/ca.crt"
printf '#!/bin/sh\nexit 0\n' >"$E2E_DIR/accept.sh"
chmod +x "$E2E_DIR/accept.sh"
cat >"$E2E_DIR/server.conf" <<CONF
port 1194
proto $([ "$proto" = tcp ] && echo tcp-server || echo udp)
dev tun
topology subnet
server 10.8.0.0 255.255.255.0
push "route 10.2.0.0 255.255.255.0"
ca $E2E_DIR/ca.crt
cert $E2E_DIR/server.crt
key $E2E_DIR/server.key
dh none
data-ciphers AES-256-GCM
keepalive 10 60
verify-client-cert require
script-security 2
auth-user-pass-verify $E2E_DIR/accept.sh via-env
username-as-common-name
verb 3
CONF
ip netns exec "$NS_APP" openvpn --config "$E2E_DIR/server.conf" >"$E2E_DIR/openvpn-server.log" 2>&1 &
server_pid=$!
E2E_PIDS+=("$server_pid")
wait_for 10 log_has openvpn-server "Initialization Sequence Completed" || { echo "openvpn server did not start"; exit 1; }
start_client "$NS_CLIENT" ov alice wonderland
connected ov || { echo "the client did not connect to openvpn"; exit 1; }
sleep 0.5
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
hz=$(getconf CLK_TCK)
c0=$(cpu_ticks)
ov_up=$(iperf_run ov-up)
c1=$(cpu_ticks)
ov_down=$(iperf_run ov-down -R)
c2=$(cpu_ticks)
ov_up_bytes=$(iperf_bytes ov-up)
ov_down_bytes=$(iperf_bytes ov-down)

/usr/bin/python3 - "$out_dir" <<PY
import json, sys
out = sys.argv[1]
tsc = $tsc_hz
vp = {"up_bps": $vp_up, "down_bps": $vp_down,
      "up_cycles_per_byte": ($b1 - $b0) / max(1, $vp_up_bytes),
      "down_cycles_per_byte": ($b2 - $b1) / max(1, $vp_down_bytes)}
ov = {"up_bps": $ov_up, "down_bps": $ov_down,
      "up_cycles_per_byte": ($c1 - $c0) / $hz * tsc / max(1, $ov_up_bytes),
      "down_cycles_per_byte": ($c2 - $c1) / $hz * tsc / max(1, $ov_down_bytes)}
r = {"cipher": "AES-256-GCM", "protocol": "$proto", "seconds": $seconds, "tsc_hz": tsc, "vpnplane": vp, "openvpn": ov,
     "throughput_ratio_up": vp["up_bps"] / max(1, ov["up_bps"]),
     "throughput_ratio_down": vp["down_bps"] / max(1, ov["down_bps"]),
     "cycles_per_byte_ratio_up": ov["up_cycles_per_byte"] / max(1e-9, vp["up_cycles_per_byte"]),
     "cycles_per_byte_ratio_down": ov["down_cycles_per_byte"] / max(1e-9, vp["down_cycles_per_byte"])}
json.dump(r, open(out + "/openvpn_side_by_side$suffix.json", "w"), indent=2)
with open(out + "/openvpn_side_by_side$suffix.csv", "w") as f:
    f.write("server,direction,mbit_s,cycles_per_byte\n")
    for name, d in (("vpnplane", vp), ("openvpn-2.6", ov)):
        for dirn in ("up", "down"):
            f.write("%s,%s,%.1f,%.2f\n" % (name, dirn, d[dirn + "_bps"] / 1e6, d[dirn + "_cycles_per_byte"]))
print("OpenVPN over $proto       client->LAN          LAN->client")
for name, d in (("vpnplane", vp), ("openvpn 2.6", ov)):
    print("%-12s %8.0f Mbit/s %5.2f cyc/B %8.0f Mbit/s %5.2f cyc/B" % (
        name, d["up_bps"] / 1e6, d["up_cycles_per_byte"], d["down_bps"] / 1e6, d["down_cycles_per_byte"]))
print("throughput vpnplane/openvpn: up %.2fx down %.2fx" % (r["throughput_ratio_up"], r["throughput_ratio_down"]))
print("server cycles per byte openvpn/vpnplane: up %.2fx down %.2fx" % (r["cycles_per_byte_ratio_up"], r["cycles_per_byte_ratio_down"]))
PY
