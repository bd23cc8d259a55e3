#!/bin/sh
# perf/ratio_table.sh: the tracked ratio table in one run — worker decap ÷ raw open and worker
# encap ÷ raw seal for one cipher suite at a few sizes, with both worker sources (ring: zero-copy
# net_ring, pcap: net_pcap's copying replay), all on the same core in the same process; for
# AES-256-GCM also the SSTP data path (sources sstp12/sstp13: TLS 1.2/1.3 records through the
# SSTP stage, perf/worker/sstp_bench.cpp) and the OpenVPN-over-TCP data path (sources tcp/tcpmss:
# Length16 units one per segment / cut from MSS-sized segments through the OpenVPN stage,
# perf/worker/ovpn_tcp_bench.cpp) against the same raw rows. SSTP and TCP run 64, 1400 and imix.
#
#   perf/ratio_table.sh [BUILD_DIR] [SUITE] [SIZES] [REPETITIONS]
#     BUILD_DIR    meson build directory (default: build)
#     SUITE        bench suite name (default: AES-256-GCM)
#     SIZES        regex alternatives of inner sizes (default: 64|1400)
#     REPETITIONS  benchmark repetitions, randomly interleaved so that a change of the machine's
#                  load hits raw and worker alike; the table uses the medians (default: 3)
#
# Prints the Google Benchmark table (with cyc_<stage> counters) and then the ratio table; the
# CSV goes to perf/results/ratios.csv. Run it under `nice` on a shared machine and compare
# ratios only within one run.
set -eu
build=${1:-build}
suite=${2:-AES-256-GCM}
sizes=${3:-64|1400}
reps=${4:-3}
bin="$build/perf/bench_dataplane"
[ -x "$bin" ] || { echo "ratio_table.sh: $bin missing (meson setup -Dbenchmarks=true; ninja)" >&2; exit 1; }
out_dir=$(dirname "$0")/results
mkdir -p "$out_dir"
"$bin" --benchmark_filter="^(raw|worker|worker_pcap|sstp_tls12|sstp_tls13|ovpn_tcp|ovpn_tcp_mss)/$suite/.*/($sizes)/" \
    --benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true \
    --ratio_out="$out_dir/ratios.csv"
