// Collects the appliance's counters and gauges into the Prometheus exposition (see metrics.hpp).
// The names follow the telemetry's: worker counter rx_packets is vpnplane_worker_rx_packets_total
// {worker="0"}, drop reason no_route is vpnplane_dropped_packets_total{worker="0",reason=
// "no_route"}, OpenVPN counter datagrams is vpnplane_ovpn_datagrams_total, and so on.
#include "control/mgmt/metrics.hpp"

#include "base/log.hpp"
#include "control/appliance.hpp"
#include "control/mgmt/prometheus.hpp"
#include "control/ovpn/ovpn_service.hpp"
#include "control/sstp/sstp_service.hpp"
#include "dataplane/tcp/engine.hpp"

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <map>

namespace vp::ctl {

namespace {

using prom::Type;

const char* version_text = "0.1.0";

void one(prom::Writer& w, const std::string& name, Type type, std::string_view help,
         uint64_t value) {
    if (w.family(name, type, help)) w.sample(value);
}

void ports(prom::Writer& w, Appliance& a) {
    struct Stat {
        const char* name;
        const char* help;
        uint64_t rte_eth_stats::*field;
    };
    static const Stat stats[] = {
        {"vpnplane_port_rx_packets_total", "packets received by the port (all queues)",
         &rte_eth_stats::ipackets},
        {"vpnplane_port_tx_packets_total", "packets transmitted by the port",
         &rte_eth_stats::opackets},
        {"vpnplane_port_rx_bytes_total", "bytes received by the port", &rte_eth_stats::ibytes},
        {"vpnplane_port_tx_bytes_total", "bytes transmitted by the port", &rte_eth_stats::obytes},
        {"vpnplane_port_rx_missed_packets_total",
         "packets the NIC dropped because no RX descriptor was free", &rte_eth_stats::imissed},
        {"vpnplane_port_rx_errors_total", "erroneous packets received", &rte_eth_stats::ierrors},
        {"vpnplane_port_tx_errors_total", "packets that failed to transmit",
         &rte_eth_stats::oerrors},
        {"vpnplane_port_rx_nombuf_total", "RX mbuf allocation failures", &rte_eth_stats::rx_nombuf},
    };
    const auto& list = a.dataplane().ports();
    std::vector<rte_eth_stats> values(list.size());
    std::vector<rte_eth_link> links(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
        rte_eth_stats_get(list[i].dpdk_id, &values[i]);
        rte_eth_link_get_nowait(list[i].dpdk_id, &links[i]);
    }
    for (auto& s : stats) {
        w.family(s.name, Type::Counter, s.help);
        for (size_t i = 0; i < list.size(); ++i)
            w.sample(values[i].*s.field, {{"interface", list[i].settings.name}});
    }
    w.family("vpnplane_port_link_up", Type::Gauge, "1 when the port's link is up, 0 when down");
    for (size_t i = 0; i < list.size(); ++i)
        w.sample(uint64_t{links[i].link_status ? 1u : 0u},
                 {{"interface", list[i].settings.name},
                  {"role", list[i].settings.role == dp::PortRole::Wan ? "wan" : "lan"}});
    w.family("vpnplane_port_speed_bytes", Type::Gauge, "the link's speed in bytes per second");
    for (size_t i = 0; i < list.size(); ++i)
        w.sample(uint64_t{links[i].link_speed} * 125000, {{"interface", list[i].settings.name}});
    w.family("vpnplane_port_mtu_bytes", Type::Gauge, "the port's configured MTU");
    for (size_t i = 0; i < list.size(); ++i)
        w.sample(uint64_t{list[i].settings.mtu}, {{"interface", list[i].settings.name}});
}

void workers(prom::Writer& w, Appliance& a) {
    auto& dp = a.dataplane();
    std::vector<std::string> ids;
    for (dp::WorkerId i = 0; i < dp.worker_count(); ++i)
        ids.push_back(std::to_string(i));
    for (size_t c = 0; c < dp::worker_counter_info.size(); ++c) {
        auto& info = dp::worker_counter_info[c];
        w.family("vpnplane_worker_" + std::string(info.name) + "_total", Type::Counter,
                 info.description);
        for (dp::WorkerId i = 0; i < dp.worker_count(); ++i)
            w.sample(dp.worker_stats(i).counters[c].get(), {{"worker", ids[i]}});
    }
    w.family("vpnplane_dropped_packets_total", Type::Counter,
             "packets a worker dropped, by reason (vpnctl drops describes each reason)");
    for (size_t r = 0; r < dp::drop_reason_info.size(); ++r)
        for (dp::WorkerId i = 0; i < dp.worker_count(); ++i)
            w.sample(dp.worker_stats(i).drops[r].get(),
                     {{"worker", ids[i]}, {"reason", dp::drop_reason_info[r].name}});
    w.family("vpnplane_stage_packets_total", Type::Counter,
             "packets through each pipeline stage, summed over workers");
    std::vector<uint64_t> cycles(dp::stage_info.size());
    for (size_t s = 0; s < dp::stage_info.size(); ++s) {
        uint64_t packets = 0;
        for (dp::WorkerId i = 0; i < dp.worker_count(); ++i) {
            packets += dp.worker_stats(i).stage_packets[s].get();
            cycles[s] += dp.worker_stats(i).stage_cycles[s].get();
        }
        w.sample(packets, {{"stage", dp::stage_info[s].name}});
    }
    w.family("vpnplane_stage_cycles_total", Type::Counter,
             "TSC cycles spent in each pipeline stage, summed over workers");
    for (size_t s = 0; s < dp::stage_info.size(); ++s)
        w.sample(cycles[s], {{"stage", dp::stage_info[s].name}});
}

void control(prom::Writer& w, Appliance& a) {
    auto& c = a.counters();
    one(w, "vpnplane_control_punted_packets_total", Type::Counter,
        "packets the control plane took from the punt ring", c.punted);
    one(w, "vpnplane_control_punted_unhandled_packets_total", Type::Counter,
        "punted packets of a reason no service handles", c.punted_unhandled);
    auto& n = a.neighbors().counters();
    one(w, "vpnplane_arp_requests_sent_total", Type::Counter, "ARP requests sent", n.requests_sent);
    one(w, "vpnplane_arp_replies_sent_total", Type::Counter,
        "ARP replies sent by the control plane", n.replies_sent);
    one(w, "vpnplane_arp_learned_total", Type::Counter, "neighbours learned", n.learned);
    one(w, "vpnplane_arp_held_packets_total", Type::Counter,
        "packets held while their next hop was resolved", n.held);
    one(w, "vpnplane_arp_released_packets_total", Type::Counter,
        "held packets sent once their next hop answered", n.released);
    one(w, "vpnplane_arp_dropped_queue_full_packets_total", Type::Counter,
        "packets dropped because a neighbour's hold queue was full", n.dropped_queue_full);
    one(w, "vpnplane_arp_dropped_unresolved_packets_total", Type::Counter,
        "held packets dropped because their next hop never answered", n.dropped_unresolved);
    one(w, "vpnplane_arp_expired_total", Type::Counter, "neighbour entries that expired",
        n.expired);
    one(w, "vpnplane_arp_pending_packets", Type::Gauge, "packets waiting for ARP resolution",
        a.neighbors().pending_packets());
    one(w, "vpnplane_mbufs_in_use", Type::Gauge, "mbufs of the pool in use",
        rte_mempool_in_use_count(a.dataplane().pool()));
    one(w, "vpnplane_mbufs_available", Type::Gauge, "mbufs of the pool available",
        rte_mempool_avail_count(a.dataplane().pool()));
}

void ovpn_metrics(prom::Writer& w, Appliance& a) {
    ovpn::Server* s = a.ovpn_server();
    if (!s) return;
    const ovpn::Counters& c = s->counters();
#define VP_OVPN(name, help)                                                                        \
    one(w, "vpnplane_ovpn_" #name "_total", Type::Counter, "OpenVPN: " help, c.name)
    VP_OVPN(datagrams, "datagrams punted to the server");
    VP_OVPN(unknown_opcode, "packets with an unknown opcode");
    VP_OVPN(data_unknown_peer, "data packets from an unknown peer");
    VP_OVPN(wrap_rejected, "packets tls-auth/tls-crypt refused");
    VP_OVPN(replayed, "control packets replayed");
    VP_OVPN(malformed, "malformed packets");
    VP_OVPN(wrong_session_id, "packets with a wrong session id");
    VP_OVPN(unknown_key_id, "packets for an unknown key id");
    VP_OVPN(no_session, "packets for no session");
    VP_OVPN(rate_limited, "resets not answered: the global ceiling was spent");
    VP_OVPN(rate_limited_prefix, "resets not answered: the source /24's limit was spent");
    VP_OVPN(resets_known_source, "resets answered past the ceiling for a known client address");
    VP_OVPN(resets_reserve, "resets answered past the ceiling from a /24's reserve");
    VP_OVPN(bad_cookie, "packets with a bad stateless cookie");
    VP_OVPN(session_limit, "sessions refused at the session limit");
    VP_OVPN(resets_answered, "resets answered");
    VP_OVPN(sessions_created, "sessions created");
    VP_OVPN(sessions_closed, "sessions closed");
    VP_OVPN(tls_failures, "TLS handshakes that failed");
    VP_OVPN(auth_failures, "authentications refused");
    VP_OVPN(renegotiations, "key renegotiations");
    VP_OVPN(keepalive_expiries, "sessions ended by the keepalive timeout");
    VP_OVPN(explicit_exits, "sessions the client ended");
#undef VP_OVPN
    one(w, "vpnplane_ovpn_sessions", Type::Gauge, "OpenVPN sessions", s->session_count());
    if (const OvpnService* os = a.ovpn_service()) {
        one(w, "vpnplane_ovpn_tcp_handshakes", Type::Gauge,
            "OpenVPN/TCP connections whose handshake is not complete", os->tcp_handshakes());
        const OvpnService::TcpCounters& t = os->tcp_counters();
#define VP_OVPN_TCP(name, help)                                                                    \
    one(w, "vpnplane_ovpn_" #name "_total", Type::Counter, "OpenVPN: " help, t.name);
        VP_OVPN_TCP_COUNTERS(VP_OVPN_TCP)
#undef VP_OVPN_TCP
    }
    if (auto* wd = a.ovpn_dataplane()) {
        one(w, "vpnplane_ovpn_datagrams_sent_total", Type::Counter,
            "OpenVPN: control datagrams sent", wd->datagrams_sent());
        one(w, "vpnplane_ovpn_datagrams_send_failed_total", Type::Counter,
            "OpenVPN: control datagrams that could not be sent", wd->datagrams_dropped());
    }
}

void sstp_metrics(prom::Writer& w, Appliance& a) {
    const SstpService* s = a.sstp_service();
    if (!s) return;
    one(w, "vpnplane_sstp_connections", Type::Gauge, "SSTP connections", s->connections());
    one(w, "vpnplane_sstp_handshakes", Type::Gauge, "SSTP connections still negotiating",
        s->handshakes());
    const SstpService::DataCounters& c = s->data_counters();
    sstp::ConnectionCounters k = s->connection_counters();
#define VP_SSTP(from, name)                                                                        \
    one(w, "vpnplane_sstp_" #name "_total", Type::Counter,                                         \
        "SSTP: " #name " (vpnctl raw /vpnplane/sstp)", from.name)
#define VP_SSTP_SERVICE(name, help)                                                                \
    one(w, "vpnplane_sstp_" #name "_total", Type::Counter, "SSTP: " help, c.name);
    VP_SSTP_SERVICE_COUNTERS(VP_SSTP_SERVICE)
#undef VP_SSTP_SERVICE
    VP_SSTP(k, ip_frames_not_forwarded);
    VP_SSTP(k, ipv6_frames_dropped);
    VP_SSTP(k, ip_frames_from_client);
    VP_SSTP(k, ip_frames_to_client);
    VP_SSTP(k, ip_frames_to_client_dropped);
    VP_SSTP(k, tls_close_notify);
    VP_SSTP(k, tls_errors);
#undef VP_SSTP
}

void tcp_metrics(prom::Writer& w, Appliance& a) {
    tcp::EngineCounters sum;
    uint64_t connections = 0, syn_received = 0, established = 0, time_wait = 0;
    bool any = false;
    for (dp::WorkerId i = 0; i < a.dataplane().worker_count(); ++i) {
        const tcp::Engine* e = a.dataplane().worker_tcp_engine(i);
        if (!e) continue;
        any = true;
        sum += e->counters();
        tcp::EngineGauges g = e->gauges();
        connections += g.connections;
        syn_received += g.syn_received;
        established += g.established;
        time_wait += g.time_wait;
    }
    if (!any) return;
    size_t n = 0;
    const tcp::CounterInfo* table = tcp::counter_table(n);
    for (size_t i = 0; i < n; ++i)
        one(w, "vpnplane_tcp_" + std::string(table[i].name) + "_total", Type::Counter,
            table[i].description, sum.*(table[i].field));
    w.family("vpnplane_tcp_connections", Type::Gauge,
             "TCP connections of the workers' engines by state (all: every slot in use)");
    w.sample(connections, {{"state", "all"}});
    w.sample(syn_received, {{"state", "syn_received"}});
    w.sample(established, {{"state", "established"}});
    w.sample(time_wait, {{"state", "time_wait"}});
}

void pools(prom::Writer& w, Appliance& a) {
    auto usage = a.aaa().pool_usage();
    w.family("vpnplane_pool_addresses", Type::Gauge, "IP pool addresses by state");
    for (auto& p : usage) {
        w.sample(p.total, {{"pool", p.name}, {"state", "total"}});
        w.sample(p.used, {{"pool", p.name}, {"state", "used"}});
        w.sample(p.reserved, {{"pool", p.name}, {"state", "reserved"}});
        w.sample(p.available, {{"pool", p.name}, {"state", "available"}});
    }
}

void firewall(prom::Writer& w, Appliance& a) {
    const auto& fw = a.config().firewall;
    const dp::fw::FilterSet* set = a.dataplane().filter();
    if (!set) return;
    w.family("vpnplane_firewall_rule_packets_total", Type::Counter,
             "packets each firewall rule decided (mangle: SYNs it matched), summed over workers");
    std::vector<std::pair<std::string, std::string>> rows; // labels of each published rule
    auto label_rows = [&](const auto& rules, const char* table) {
        for (size_t i = 0; i < rules.size(); ++i)
            rows.emplace_back(table, std::to_string(i));
    };
    label_rows(fw.filter, "filter");
    label_rows(fw.mangle, "mangle");
    std::vector<dp::fw::RuleCounters> totals;
    for (size_t i = 0; i < rows.size() && i < set->rules().size(); ++i) {
        totals.push_back(set->total(static_cast<uint32_t>(i)));
        w.sample(totals.back().packets, {{"table", rows[i].first}, {"rule", rows[i].second}});
    }
    w.family("vpnplane_firewall_rule_bytes_total", Type::Counter,
             "bytes of the packets each firewall rule decided, summed over workers");
    for (size_t i = 0; i < totals.size(); ++i)
        w.sample(totals[i].bytes, {{"table", rows[i].first}, {"rule", rows[i].second}});
}

// Address list entries per list, static and dynamic (address_lists.hpp), and the filter set's
// recompilations for dynamic entries.
void address_list_metrics(prom::Writer& w, Appliance& a) {
    std::map<std::pair<std::string, bool>, uint64_t> counts;
    for (auto& e : address_list_entries(a.config().firewall, a.aaa().active_grants(),
                                        &a.address_list_store(), Appliance::now_ms()))
        ++counts[{e.list, e.dynamic}];
    w.family("vpnplane_firewall_address_list_entries", Type::Gauge,
             "address list entries (static: merged ranges; dynamic: session addresses, entries "
             "with a timeout and those add-to-address-list rules added)");
    for (auto& [key, n] : counts)
        w.sample(n, {{"list", key.first}, {"dynamic", key.second ? "yes" : "no"}});
    const auto& st = a.address_list_stats();
    w.family("vpnplane_firewall_address_list_rebuilds_total", Type::Counter,
             "filter sets compiled again because dynamic address list entries changed");
    w.sample(st.rebuilds);
    w.family("vpnplane_firewall_address_list_rebuild_failures_total", Type::Counter,
             "recompilations for dynamic address list entries that failed (old set kept)");
    w.sample(st.rebuild_failures);
    w.family("vpnplane_firewall_address_list_rebuild_seconds_max", Type::Gauge,
             "the longest recompilation for dynamic address list entries so far");
    w.sample(static_cast<double>(st.max_rebuild_us) / 1e6);
    const auto& c = a.address_list_store().counters();
    w.family("vpnplane_firewall_address_list_timed_total", Type::Counter,
             "timed address list entries by event: added, refreshed (added again), expired, "
             "full (refused at the entry limit), stale (a rule set replaced meanwhile)");
    w.sample(c.added, {{"event", "added"}});
    w.sample(c.refreshed, {{"event", "refreshed"}});
    w.sample(c.expired, {{"event", "expired"}});
    w.sample(c.full, {{"event", "full"}});
    w.sample(c.stale, {{"event", "stale"}});
}

void session_metrics(prom::Writer& w, Appliance& a, bool per_session) {
    auto list = a.sessions();
    std::map<std::string, uint64_t> by_service;
    for (auto& s : list)
        ++by_service[s.service];
    w.family("vpnplane_sessions", Type::Gauge, "active VPN sessions by protocol");
    for (auto& [service, count] : by_service)
        w.sample(count, {{"protocol", service}});
    if (!per_session) return;
    struct Row {
        std::string id, address;
    };
    std::vector<Row> rows;
    for (auto& s : list)
        rows.push_back({std::to_string(s.id), net::to_string(s.address)});
    auto series = [&](const char* name, Type type, const char* help, auto value) {
        w.family(name, type, help);
        for (size_t i = 0; i < list.size(); ++i)
            w.sample(uint64_t{value(list[i])},
                     std::vector<prom::Label>{{"id", rows[i].id},
                                              {"user", list[i].user},
                                              {"address", rows[i].address},
                                              {"protocol", list[i].service}});
    };
    series("vpnplane_session_rx_bytes_total", Type::Counter, "bytes from the client",
           [](const ActiveSession& s) { return s.rx_bytes; });
    series("vpnplane_session_tx_bytes_total", Type::Counter, "bytes to the client",
           [](const ActiveSession& s) { return s.tx_bytes; });
    series("vpnplane_session_rx_packets_total", Type::Counter, "packets from the client",
           [](const ActiveSession& s) { return s.rx_packets; });
    series("vpnplane_session_tx_packets_total", Type::Counter, "packets to the client",
           [](const ActiveSession& s) { return s.tx_packets; });
    series("vpnplane_session_rate_limit_dropped_rx_packets_total", Type::Counter,
           "packets from the client the rate-limit dropped",
           [](const ActiveSession& s) { return s.rate_dropped_rx; });
    series("vpnplane_session_rate_limit_dropped_tx_packets_total", Type::Counter,
           "packets to the client the rate-limit dropped",
           [](const ActiveSession& s) { return s.rate_dropped_tx; });
    series("vpnplane_session_uptime_seconds", Type::Gauge, "how long the session has been up",
           [](const ActiveSession& s) { return s.uptime_s; });
}

} // namespace

std::string collect_metrics(Appliance& a, bool sessions) {
    prom::Writer w;
    w.family("vpnplane_info", Type::Gauge, "the running vpnplane: version and identity");
    w.sample(uint64_t{1}, {{"version", version_text}, {"identity", a.config().system.identity}});
    one(w, "vpnplane_uptime_seconds", Type::Gauge, "seconds since the appliance started",
        a.uptime_ms() / 1000);
    one(w, "vpnplane_workers", Type::Gauge, "worker lcores", a.dataplane().worker_count());
    one(w, "vpnplane_routes", Type::Gauge, "routes in the routing table",
        a.dataplane().routes().size());
    ports(w, a);
    workers(w, a);
    control(w, a);
    session_metrics(w, a, sessions);
    pools(w, a);
    ovpn_metrics(w, a);
    sstp_metrics(w, a);
    tcp_metrics(w, a);
    firewall(w, a);
    address_list_metrics(w, a);
    for (auto& e : w.errors())
        log::warning(log::Topic::System, "metrics: {}", e);
    return w.text();
}

} // namespace vp::ctl
