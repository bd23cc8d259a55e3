// The setting-by-setting difference of two configurations (see config_diff.hpp).
#include "control/config/config_diff.hpp"

namespace vp::config {

namespace {

struct Differ {
    std::vector<SettingChange>& out;
    template <class T>
    void field(const std::string& name, const T& a, const T& b, bool live) {
        if (!(a == b)) out.push_back({name, live});
    }
};

bool same_rules(const std::vector<dp::fw::FilterRule>& a,
                const std::vector<dp::fw::FilterRule>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].text != b[i].text || a[i].disabled != b[i].disabled ||
            a[i].comment != b[i].comment || a[i].chain != b[i].chain || a[i].action != b[i].action)
            return false;
    return true;
}

} // namespace

std::vector<SettingChange> diff_config(const ApplianceConfig& a, const ApplianceConfig& b) {
    std::vector<SettingChange> out;
    Differ d{out};
    // system: live.
    d.field("system.identity", a.system.identity, b.system.identity, true);
    bool logging = a.system.log_level != b.system.log_level ||
                   a.system.topic_levels != b.system.topic_levels ||
                   a.system.log_stderr != b.system.log_stderr ||
                   a.system.log_syslog != b.system.log_syslog;
    if (logging) out.push_back({"system.logging", true});
    // dpdk, dataplane: the EAL and the workers are set up once.
    d.field("dpdk.lcores", a.dpdk.lcores, b.dpdk.lcores, false);
    d.field("dpdk.main_lcore", a.dpdk.main_lcore, b.dpdk.main_lcore, false);
    d.field("dpdk.no_huge", a.dpdk.no_huge, b.dpdk.no_huge, false);
    d.field("dpdk.memory_mb", a.dpdk.memory_mb, b.dpdk.memory_mb, false);
    d.field("dpdk.file_prefix", a.dpdk.file_prefix, b.dpdk.file_prefix, false);
    d.field("dpdk.log_level", a.dpdk.log_level, b.dpdk.log_level, false);
    d.field("dpdk.extra_args", a.dpdk.extra_args, b.dpdk.extra_args, false);
    auto& x = a.dataplane;
    auto& y = b.dataplane;
    d.field("dataplane.workers", x.worker_lcores, y.worker_lcores, false);
    d.field("dataplane.mbufs", x.mbufs, y.mbufs, false);
    d.field("dataplane.mbuf_cache", x.mbuf_cache, y.mbuf_cache, false);
    d.field("dataplane.burst", x.burst, y.burst, false);
    d.field("dataplane.punt_ring_size", x.punt_ring_size, y.punt_ring_size, false);
    d.field("dataplane.inject_ring_size", x.inject_ring_size, y.inject_ring_size, false);
    d.field("dataplane.handoff_ring_size", x.handoff_ring_size, y.handoff_ring_size, false);
    d.field("dataplane.max_routes", x.max_routes, y.max_routes, false);
    d.field("dataplane.max_neighbors", x.max_neighbors, y.max_neighbors, false);
    d.field("dataplane.max_sessions", x.max_sessions, y.max_sessions, false);
    d.field("dataplane.idle_sleep_us", x.idle_sleep_us, y.idle_sleep_us, false);
    // interfaces: the ports are opened once; proxy-ARP is a flag the workers read.
    bool same_list = a.interfaces.size() == b.interfaces.size();
    for (size_t i = 0; same_list && i < a.interfaces.size(); ++i)
        same_list = a.interfaces[i].name == b.interfaces[i].name;
    bool same_interfaces = same_list;
    if (!same_list) {
        out.push_back({"interfaces (added, removed or renamed)", false});
    } else {
        for (size_t i = 0; i < a.interfaces.size(); ++i) {
            auto& p = a.interfaces[i];
            auto& q = b.interfaces[i];
            std::string n = "interfaces." + p.name + ".";
            size_t before = out.size();
            d.field(n + "device", p.device, q.device, false);
            d.field(n + "role", p.role, q.role, false);
            d.field(n + "address", p.address, q.address, false);
            d.field(n + "gateway", p.gateway, q.gateway, false);
            d.field(n + "mtu", p.mtu, q.mtu, false);
            d.field(n + "mac_address", p.mac, q.mac, false);
            d.field(n + "rx_descriptors", p.rx_descriptors, q.rx_descriptors, false);
            d.field(n + "tx_descriptors", p.tx_descriptors, q.tx_descriptors, false);
            same_interfaces = same_interfaces && out.size() == before;
            d.field(n + "arp", p.proxy_arp, q.proxy_arp, true);
        }
    }
    // ip: tables and settings the control plane and the workers' policy take live.
    d.field("ip.routes", a.ip.routes, b.ip.routes, true);
    d.field("ip.arp", a.ip.arp, b.ip.arp, true);
    d.field("ip.arp_timeout", a.ip.arp_timeout_s, b.ip.arp_timeout_s, true);
    d.field("ip.arp_queue_length", a.ip.arp_queue_length, b.ip.arp_queue_length, true);
    d.field("ip.icmp_rate_limit", a.ip.icmp_rate_limit, b.ip.icmp_rate_limit, true);
    // firewall: recompiled live; rules name interfaces by index, so not across interface changes.
    auto& f = a.firewall;
    auto& g = b.firewall;
    d.field("firewall.icmp_echo", f.icmp_echo, g.icmp_echo, same_interfaces);
    d.field("firewall.mss_clamp", f.mss_clamp, g.mss_clamp, same_interfaces);
    if (f.lists != g.lists || f.interface_lists != g.interface_lists)
        out.push_back({"interface_lists", same_interfaces});
    if (!same_rules(f.filter, g.filter)) out.push_back({"firewall.filter", same_interfaces});
    if (!same_rules(f.mangle, g.mangle)) out.push_back({"firewall.mangle", same_interfaces});
    if (f.address_lists != g.address_lists)
        out.push_back({"firewall.address_lists", same_interfaces});
    // tcp: the workers' engines are built at start; perf and mgmt: set up once.
    auto& t = a.tcp;
    auto& u = b.tcp;
    bool tcp = t.max_connections != u.max_connections || t.syn_backlog != u.syn_backlog ||
               t.syn_cookies != u.syn_cookies || t.time_wait_max != u.time_wait_max ||
               t.send_buffer != u.send_buffer || t.receive_buffer != u.receive_buffer ||
               t.keepalive_idle_s != u.keepalive_idle_s ||
               t.keepalive_interval_s != u.keepalive_interval_s ||
               t.keepalive_probes != u.keepalive_probes || t.time_wait_s != u.time_wait_s ||
               t.max_retransmits != u.max_retransmits || t.rto_min_ms != u.rto_min_ms ||
               t.rto_max_s != u.rto_max_s || t.test_services != u.test_services;
    if (tcp) out.push_back({"tcp", false});
    bool perf = a.perf.enabled != b.perf.enabled || a.perf.sessions_file != b.perf.sessions_file ||
                a.perf.interface != b.perf.interface;
    if (perf) out.push_back({"perf", false});
    if (!(a.mgmt == b.mgmt)) out.push_back({"mgmt", false});
    return out;
}

std::string describe(const SettingChange& c) {
    return c.setting + ": " + (c.live ? std::string("applied") : std::string(kNeedsRestart));
}

} // namespace vp::config
