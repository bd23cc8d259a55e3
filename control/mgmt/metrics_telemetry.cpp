// The paged Prometheus exposition on the telemetry socket (see metrics_telemetry.hpp).
#include "control/mgmt/metrics_telemetry.hpp"

#include "control/mgmt/metrics.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace vp::ctl {

namespace {

// Callers hold the appliance's mutex (and the telemetry's attach lock): one snapshot at a time.
std::string snapshot;
uint64_t generation = 0;

constexpr size_t chunk_bytes = 120; // < RTE_TEL_MAX_STRING_LEN
constexpr size_t page_chunks = 50;  // escaped for JSON, still well within 16 KiB

bool parse_u64(std::string_view t, uint64_t& v) {
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return ec == std::errc{} && p == t.data() + t.size() && !t.empty();
}

} // namespace

int metrics_page(Appliance& a, const char* params, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    std::string_view p = params ? params : "";
    uint64_t offset = 0;
    if (p.empty() || p == "sessions") {
        snapshot = collect_metrics(a, p == "sessions");
        ++generation;
    } else {
        size_t comma = p.find(',');
        uint64_t gen = 0;
        if (comma == std::string_view::npos || !parse_u64(p.substr(0, comma), gen) ||
            !parse_u64(p.substr(comma + 1), offset)) {
            rte_tel_data_add_dict_string(
                d, "error", "usage: /vpnplane/metrics[,sessions] or /vpnplane/metrics,GEN,OFFSET");
            return 0;
        }
        if (gen != generation || offset > snapshot.size()) {
            rte_tel_data_add_dict_string(d, "error",
                                         "the snapshot was replaced by a newer one: start again");
            return 0;
        }
    }
    rte_tel_data_add_dict_u64(d, "generation", generation);
    rte_tel_data_add_dict_u64(d, "size", snapshot.size());
    size_t at = static_cast<size_t>(offset);
    for (size_t i = 0; i < page_chunks && at < snapshot.size(); ++i) {
        size_t end = std::min(snapshot.size(), at + chunk_bytes);
        // Never split a UTF-8 sequence: back off over continuation bytes.
        while (end < snapshot.size() && end > at + 1 &&
               (static_cast<unsigned char>(snapshot[end]) & 0xc0) == 0x80)
            --end;
        rte_tel_data_add_dict_string(d, std::to_string(i).c_str(),
                                     snapshot.substr(at, end - at).c_str());
        at = end;
    }
    if (at < snapshot.size()) rte_tel_data_add_dict_u64(d, "next", at);
    return 0;
}

} // namespace vp::ctl
