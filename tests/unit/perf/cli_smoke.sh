#!/usr/bin/env bash
# vpnperf end to end as an operator runs it: gen-sessions, a one-second run over the in-process
# wire with JSON and CSV results, and pcap + Lua export. Checks the outputs' content (counts,
# fields), never their rates.
set -euo pipefail
VPNPERF=$(realpath "$1")
DIR=$(mktemp -d /tmp/vpnperf-cli.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"

"$VPNPERF" gen-sessions --count 8 --cipher AES-128-GCM --server 10.1.0.1:1194 \
    --client-net 10.1.0.0/24 --tunnel-net 10.8.0.0/16 --out sessions.json

common=(--sessions sessions.json --wan wire --lan wire --rate 20k --duration 0.5 --lcores 0
        --no-huge -m 256 --file-prefix "vpnperf-cli-$$")
"$VPNPERF" run "${common[@]}" --direction both --size imix --out results.json > run.txt
"$VPNPERF" run "${common[@]}" --direction decap --size 100 --out results.csv > /dev/null
"$VPNPERF" pcap --sessions sessions.json --size 64 --count 50 --out traffic.pcap --lua traffic.lua \
    > /dev/null

python3 - <<'PY'
import csv, json, struct
s = json.load(open("sessions.json"))
assert s["format"] == "vpnplane-perf-sessions" and len(s["sessions"]) == 8, s
assert s["replay_protection"] is False
r = json.load(open("results.json"))
assert r["loopback"] is True and r["size"] == "imix" and r["sessions"] == 8, r
dirs = {d["direction"]: d for d in r["directions"]}
assert set(dirs) == {"decap", "encap"}, dirs
for d in dirs.values():
    assert d["tx_packets"] > 1000, d
    assert d["rx_packets"] == d["tx_packets"], d
    assert d["loss_percent"] == 0, d
    assert d["latency_samples"] > 0 and d["latency_max_us"] > 0, d
    assert d["verify_failed"] == 0, d
rows = list(csv.DictReader(open("results.csv")))
assert len(rows) == 1 and rows[0]["direction"] == "decap", rows
assert int(rows[0]["rx_packets"]) == int(rows[0]["tx_packets"]) > 0, rows
pcap = open("traffic.pcap", "rb").read()
magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", pcap[:24])
assert magic == 0xa1b2c3d4 and linktype == 1, (hex(magic), linktype)
n, off = 0, 24
while off < len(pcap):
    _, _, incl, orig = struct.unpack("<IIII", pcap[off:off + 16])
    assert incl == orig and pcap[off + 16 + 42] == (9 << 3), "a DATA_V2 frame"
    off += 16 + incl
    n += 1
assert n == 50, n
lua = open("traffic.lua").read()
assert "traffic.pcap" in lua and "pktgen.start" in lua
print("vpnperf cli: ok")
PY
grep -q "decap tx" run.txt

# The pktgen script, run by Lua 5.4 (pktgen embeds Lua 5.4) against a stand-in `pktgen` that
# records the calls and returns port statistics: the script parses, drives pktgen in the
# expected order and reports loss from the statistics.
cat > pktgen_stub.lua <<'LUA'
calls = {}
pktgen = setmetatable({}, {__index = function(_, name)
    return function(...)
        calls[#calls + 1] = name
        if name == "portStats" then return {[0] = {opackets = 2000}, [1] = {ipackets = 1990}} end
    end
end})
function printf(fmt, ...) io.write(string.format(fmt, ...)) end
dofile("traffic.lua")
print("calls: " .. table.concat(calls, ","))
LUA
lua5.4 pktgen_stub.lua > lua.txt
grep -q "vpnperf-pcap: sent 2000 received 1990 loss 0.5000%" lua.txt
grep -q "calls: screen,set_ipaddr,process,pcap,set,clr,start,delay,stop,delay,portStats,quit" lua.txt
