// `vpnperf pcap`: the decap traffic (pre-encrypted DATA_V2 frames, in replay order) as a pcap
// file, plus a pktgen-dpdk Lua script that replays it on port 0 towards the appliance's WAN port
// and counts what comes out of its LAN port on port 1 — for testing a box with real NICs.
// Replayed packet-ids repeat, so the appliance's perf sessions must not have replay protection
// (the session file's default).
#pragma once

#include "base/result.hpp"
#include "perf/vpnperf/options.hpp"
#include "perf/vpnperf/traffic_model.hpp"

#include <string>

namespace vp::perf {

struct PcapSummary {
    size_t packets = 0;
    uint64_t frame_bytes = 0;
    uint64_t inner_bytes = 0;
};

Result<PcapSummary> write_decap_pcap(const TrafficModel& model, const SizeMix& mix, size_t count,
                                     const L2Addresses& l2, const std::string& path,
                                     crypto::CryptoEngine& engine);

// The Lua script's text for `pktgen -s 0:<pcap> -f <script>`.
std::string pktgen_lua_script(const PcapOptions& options, const TrafficModel& model,
                              const PcapSummary& summary);

} // namespace vp::perf
