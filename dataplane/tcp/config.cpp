// EngineConfig::validate. See config.hpp.
#include "dataplane/tcp/config.hpp"

#include <string>

namespace vp::tcp {

namespace {
Status bad(const char* name, const std::string& what) {
    return make_error(std::string("tcp.") + name + ": " + what);
}
} // namespace

Status EngineConfig::validate() const {
    if (max_connections < 2 || max_connections > (1u << 24))
        return bad("max_connections", "must be between 2 and 16777216");
    if (syn_backlog > max_connections) return bad("syn_backlog", "must not exceed max_connections");
    if (time_wait_max > max_connections)
        return bad("time_wait_max", "must not exceed max_connections");
    if (snd_buf_bytes < 4096 || snd_buf_bytes > (1u << 30))
        return bad("snd_buf_bytes", "must be between 4 KiB and 1 GiB");
    if (rcv_buf_bytes < 4096 || rcv_buf_bytes > (1u << 30))
        return bad("rcv_buf_bytes", "must be between 4 KiB and 1 GiB");
    if (ooo_max_ranges < 1 || ooo_max_ranges > 8)
        return bad("ooo_max_ranges", "must be between 1 and 8");
    if (mss < 88 || mss > 9000 - 40) return bad("mss", "must be between 88 and 8960");
    if (min_snd_mss < 64 || min_snd_mss > mss)
        return bad("min_snd_mss", "must be between 64 and mss");
    if (rto_min_ms < 1 || rto_min_ms > rto_max_ms)
        return bad("rto_min_ms", "must be at least 1 and at most rto_max_ms");
    if (rto_initial_ms < rto_min_ms || rto_initial_ms > rto_max_ms)
        return bad("rto_initial_ms", "must lie between rto_min_ms and rto_max_ms");
    if (rto_max_ms > 600000) return bad("rto_max_ms", "must be at most 600000");
    if (max_retransmits < 1) return bad("max_retransmits", "must be at least 1");
    if (delayed_ack_ms > 500)
        return bad("delayed_ack_ms", "must be at most 500 (RFC 9293 §3.8.6.3)");
    if (keepalive_idle_ms && (keepalive_interval_ms < 100 || keepalive_probes < 1))
        return bad("keepalive_interval_ms", "keepalive needs an interval >= 100 and >= 1 probe");
    if (time_wait_ms < 1) return bad("time_wait_ms", "must be positive");
    if (initial_cwnd_segments < 1 || initial_cwnd_segments > 100)
        return bad("initial_cwnd_segments", "must be between 1 and 100");
    if (tick_us < 10 || tick_us > 100000) return bad("tick_us", "must be between 10 and 100000");
    if (wheel_slots < 64 || wheel_slots > (1u << 20) || (wheel_slots & (wheel_slots - 1)))
        return bad("wheel_slots", "must be a power of two between 64 and 1048576");
    if (max_burst_segments < 1) return bad("max_burst_segments", "must be at least 1");
    return {};
}

} // namespace vp::tcp
