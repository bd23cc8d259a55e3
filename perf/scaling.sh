#!/usr/bin/env bash
# Worker scaling with vpnperf: the appliance in perf mode with 1, 2, ... N workers on memif
# ports, vpnperf sending AES-256-GCM DATA_V2 (decap) and LAN plaintext (encap) at the maximum
# rate; one line per worker count in perf/results/scaling.csv.
#
#   sudo perf/scaling.sh [MAX_WORKERS] [SIZE] [SECONDS]
#
# Cores: lcore 0 runs the appliance's control plane, lcores 1..N its workers, and vpnperf gets
# the next two lcores when they exist (else it shares lcore 0). On this project's 2-core machines
# only N=1 fits. memif has no RSS and vpnperf uses one queue pair per port, so with N > 1 the
# traffic arrives on worker 0's queues and is handed to the sessions' owners: these runs measure
# the handoff path; RSS scaling needs NIC ports (or a generator with one queue per worker).
set -euo pipefail
cd "$(dirname "$0")/.."
cores=$(nproc)
max=${1:-$((cores > 3 ? cores - 3 : 1))}
size=${2:-64}
seconds=${3:-5}
build=${VP_BUILD:-build}
out=perf/results
mkdir -p "$out"
work=$(mktemp -d /tmp/vpnplane-scaling.XXXXXX)
trap 'pkill -f "vpnplaned -c $work" 2>/dev/null || true; rm -rf "$work"' EXIT
"$build/perf/vpnperf/vpnperf" gen-sessions --count 1000 --cipher AES-256-GCM --server 10.1.0.1:1194 \
    --client-net 10.1.0.0/24 --tunnel-net 10.8.0.0/16 --out "$work/sessions.json" >/dev/null
echo "workers,size,decap_mpps,encap_mpps,decap_loss_pct,encap_loss_pct" >"$out/scaling.csv"
for ((n = 1; n <= max; n++)); do
    gen_lcores=0
    if [ $((n + 2)) -lt "$cores" ]; then gen_lcores="$((n + 1))-$((n + 2))"; fi
    cat >"$work/perf.cfg" <<CFG
dpdk = { lcores = "0-$n"; no_huge = true; memory_mb = 1024; file_prefix = "vpscale"; };
system = { logging = { level = "warning"; }; };
dataplane = { mbufs = 65535; };
interfaces = (
  { name = "wan0"; device = "net_memif0,role=server,socket=/run/vpscale-wan.sock"; role = "wan"; address = "10.1.0.1/24"; },
  { name = "lan0"; device = "net_memif1,role=server,socket=/run/vpscale-lan.sock"; role = "lan"; address = "10.2.0.1/24"; }
);
perf = { enabled = true; sessions_file = "$work/sessions.json"; };
CFG
    "$build/control/vpnplaned" -c "$work/perf.cfg" >"$work/vpnplaned-$n.log" 2>&1 &
    daemon=$!
    sleep 3
    "$build/perf/vpnperf/vpnperf" run --sessions "$work/sessions.json" \
        --wan net_memif0,role=client,socket=/run/vpscale-wan.sock \
        --lan net_memif1,role=client,socket=/run/vpscale-lan.sock \
        --direction both --size "$size" --rate max --duration "$seconds" --lcores "$gen_lcores" \
        --no-huge --file-prefix vpscalegen --out "$work/run-$n.json" >"$work/vpnperf-$n.log" 2>&1 || true
    kill -TERM "$daemon"
    wait "$daemon" || true
    /usr/bin/python3 - "$work/run-$n.json" "$n" "$size" >>"$out/scaling.csv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
d = {x["direction"]: x for x in r["directions"]} if "directions" in r else r
def get(name, key):
    x = d.get(name, {})
    return x.get(key, 0)
print("%s,%s,%.3f,%.3f,%.4f,%.4f" % (sys.argv[2], sys.argv[3], get("decap", "rx_mpps"), get("encap", "rx_mpps"),
      get("decap", "loss_percent"), get("encap", "loss_percent")))
PY
done
cat "$out/scaling.csv"
