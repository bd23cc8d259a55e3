#!/usr/bin/env bash
# LAN-to-LAN throughput of the site-to-site OpenVPN links on this box (not a test: nothing is
# asserted): two appliances on a veth WAN (tests/e2e/s2s_ovpn_test.sh's topology), iperf3 from
# LAN B to LAN A and back, through an OpenVPN/UDP link, an OpenVPN/TCP link and an SSTP link
# (tests/e2e/s2s_sstp_test.sh).
#   sudo perf/s2s_iperf.sh [BUILD_DIR] [SECONDS]     (needs root, iperf3; prints one line each)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export VP_BUILD=${1:-$here/build} IPERF_SECONDS=${2:-10}
for proto in udp tcp; do
    IPERF_PROTO=$proto bash "$here/tests/e2e/s2s_ovpn_test.sh" iperf | grep -E '^IPERF|FAIL' || true
done
bash "$here/tests/e2e/s2s_sstp_test.sh" iperf | grep -E '^IPERF|FAIL' || true
