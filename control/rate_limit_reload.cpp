// Hands reloaded rate-limits to live sessions (see rate_limit_reload.hpp).
#include "control/rate_limit_reload.hpp"

#include "base/log.hpp"
#include "control/aaa/values.hpp"
#include "control/session_rate_limit.hpp"

#include <rte_byteorder.h>
#include <rte_cycles.h>

namespace vp::ctl {

RateLimitReload apply_rate_limits(dp::Dataplane& dp, const std::vector<ActiveSession>& sessions,
                                  const std::vector<aaa::ReloadSummary::GrantRateLimit>& limits) {
    RateLimitReload out;
    std::map<net::Ipv4, const ActiveSession*> by_address;
    for (auto& s : sessions)
        by_address[s.address] = &s;
    for (auto& l : limits) {
        auto it = by_address.find(l.remote_address);
        if (it == by_address.end()) continue; // authenticated, not (yet) a published session
        const ActiveSession& row = *it->second;
        dp::Session* s = dp.sessions().get(row.id);
        if (!s || s->tunnel_ip_be != rte_cpu_to_be_32(l.remote_address)) continue;
        std::optional<dp::SessionRateLimit> next;
        if (l.rate_limit) next = to_session_rate_limit(*l.rate_limit);
        dp::SessionMeter* old = s->meter.get();
        std::optional<dp::SessionRateLimit> current;
        if (old) current = old->limit;
        if (next == current) continue;
        std::unique_ptr<dp::SessionMeter> meter;
        if (next) {
            auto m = dp::make_session_meter(*next, rte_rdtsc());
            if (!m) {
                out.errors.push_back("session " + std::to_string(row.id) + " (" + row.user +
                                     "): " + m.message());
                continue;
            }
            meter = std::move(*m);
            if (old) {
                meter->rx_dropped.set(old->rx_dropped.get());
                meter->tx_dropped.set(old->tx_dropped.get());
            }
        }
        s->meter.replace(std::move(meter), dp.rcu());
        std::string text = l.rate_limit ? aaa::to_string(*l.rate_limit) : "";
        log::info(log::Topic::Aaa, "reload: session {} ({}) now has rate-limit '{}'", row.id,
                  row.user, text);
        out.texts[row.id] = text;
        ++out.changed;
    }
    return out;
}

} // namespace vp::ctl
