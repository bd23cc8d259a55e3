// Parsing of the foundation's sections with the strict reader, plus cross-section checks.
#include "control/config/appliance_config.hpp"

#include "base/pci.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace vp::config {

namespace {

void parse_system(Section& s, SystemConfig& out) {
    out.identity = s.get_string("identity", out.identity);
    if (auto logging = s.group("logging")) {
        auto level_of = [&](Section& sec, const char* name, log::Level fallback) {
            auto text = sec.opt_string(name);
            if (!text) return fallback;
            auto level = log::level_from_name(*text);
            if (!level) {
                sec.error(name, "'" + *text + "' is not one of: error, warning, info, debug");
                return fallback;
            }
            return *level;
        };
        out.log_level = level_of(*logging, "level", out.log_level);
        out.log_stderr = logging->get_bool("stderr", out.log_stderr);
        out.log_syslog = logging->get_bool("syslog", out.log_syslog);
        if (auto topics = logging->group("topics")) {
            const libconfig::Setting& t = topics->setting();
            for (int i = 0; i < t.getLength(); ++i) {
                const char* name = t[i].getName();
                auto topic = log::topic_from_name(name);
                if (!topic) {
                    topics->error(name, "unknown topic (system, dataplane, ovpn, sstp, ppp, tls, "
                                        "aaa, pki)");
                    continue;
                }
                out.topic_levels.emplace_back(*topic, level_of(*topics, name, out.log_level));
            }
            topics->finish();
        }
        logging->finish();
    }
    s.finish();
}

void parse_dpdk(Section& s, DpdkConfig& out) {
    if (auto text = s.opt_string("lcores")) {
        auto list = parse_lcore_list(*text);
        if (!list || list->empty())
            s.error("lcores", "'" + *text + "' is not an lcore list like \"0-3\" or \"0,2,4\"");
        else
            out.lcores = *list;
    }
    out.main_lcore = static_cast<unsigned>(s.get_int("main_lcore", out.lcores.front(), 0, 1023));
    if (std::find(out.lcores.begin(), out.lcores.end(), out.main_lcore) == out.lcores.end())
        s.error("main_lcore", "lcore " + std::to_string(out.main_lcore) + " is not in dpdk.lcores");
    out.no_huge = s.get_bool("no_huge", out.no_huge);
    out.memory_mb = static_cast<uint32_t>(s.get_int("memory_mb", out.memory_mb, 0, 1 << 20));
    out.file_prefix = s.get_string("file_prefix", out.file_prefix);
    if (out.file_prefix.empty() || out.file_prefix.find('/') != std::string::npos)
        s.error("file_prefix", "must be a non-empty name without '/'");
    out.log_level = s.get_enum<std::string>("log_level", out.log_level,
                                            {{"emergency", "emergency"},
                                             {"alert", "alert"},
                                             {"critical", "critical"},
                                             {"error", "error"},
                                             {"warning", "warning"},
                                             {"notice", "notice"},
                                             {"info", "info"},
                                             {"debug", "debug"}});
    out.extra_args = s.get_string_list("extra_args");
    s.finish();
}

void parse_dataplane(Section& s, DataplaneConfig& out) {
    if (auto text = s.opt_string("workers")) {
        auto list = parse_lcore_list(*text);
        if (!list || list->empty())
            s.error("workers", "'" + *text + "' is not an lcore list like \"1-3\"");
        else
            out.worker_lcores = *list;
    }
    out.mbufs = static_cast<uint32_t>(s.get_int("mbufs", out.mbufs, 0, 1 << 26));
    out.mbuf_cache = static_cast<uint32_t>(s.get_int("mbuf_cache", out.mbuf_cache, 0, 512));
    out.burst = static_cast<uint16_t>(s.get_int("burst", out.burst, 1, 64));
    out.punt_ring_size =
        static_cast<uint32_t>(s.get_int("punt_ring_size", out.punt_ring_size, 64, 1 << 20));
    out.inject_ring_size =
        static_cast<uint32_t>(s.get_int("inject_ring_size", out.inject_ring_size, 64, 1 << 20));
    out.handoff_ring_size =
        static_cast<uint32_t>(s.get_int("handoff_ring_size", out.handoff_ring_size, 64, 1 << 20));
    out.max_routes = static_cast<uint32_t>(s.get_int("max_routes", out.max_routes, 16, 1 << 24));
    out.max_neighbors =
        static_cast<uint32_t>(s.get_int("max_neighbors", out.max_neighbors, 16, 1 << 24));
    out.max_sessions =
        static_cast<uint32_t>(s.get_int("max_sessions", out.max_sessions, 1, 1 << 24));
    out.idle_sleep_us =
        static_cast<uint32_t>(s.get_int("idle_sleep_us", out.idle_sleep_us, 0, 100000));
    s.finish();
}

bool valid_device_string(const std::string& device) {
    static const char* vdev_prefixes[] = {"net_af_packet", "net_af_xdp", "net_tap",
                                          "net_pcap",      "net_ring",   "net_null",
                                          "net_memif",     "net_vhost",  "net_virtio_user"};
    for (const char* p : vdev_prefixes)
        if (device.rfind(p, 0) == 0) return true;
    return false;
}

void parse_interfaces(Section& root, std::vector<InterfaceConfig>& out) {
    std::set<std::string> names, devices;
    for (auto& s : root.groups("interfaces")) {
        InterfaceConfig ic;
        ic.name = s.req_string("name");
        ic.device = s.req_string("device");
        if (!ic.name.empty() && !names.insert(ic.name).second)
            s.error("name", "interface '" + ic.name + "' is defined twice");
        if (!ic.device.empty()) {
            std::string dev_name = ic.device.substr(0, ic.device.find(','));
            if (!devices.insert(dev_name).second)
                s.error("device", "device '" + dev_name + "' is used by two interfaces");
            bool pci = is_pci_address(ic.device);
            if (!pci && !valid_device_string(ic.device))
                s.error("device",
                        "'" + ic.device +
                            "' is neither a PCI address (0000:03:00.0) nor a "
                            "supported vdev (net_af_packet, net_af_xdp, net_tap, net_pcap, "
                            "net_ring, net_null, ...)");
        }
        ic.role = s.get_enum("role", InterfaceRole::Lan,
                             {{"wan", InterfaceRole::Wan}, {"lan", InterfaceRole::Lan}});
        if (auto a = s.opt_prefix("address")) {
            if (a->length == 0 || a->length > 32) s.error("address", "needs a prefix length 1..32");
            ic.address = *a;
        } else {
            s.error("address", "is required (e.g. \"192.168.88.1/24\")");
        }
        ic.gateway = s.opt_ipv4("gateway");
        if (ic.gateway && ic.address.length != 0 && !ic.address.contains(*ic.gateway))
            s.error("gateway",
                    net::to_string(*ic.gateway) + " is not inside " + net::to_string(ic.address));
        ic.mtu = static_cast<uint16_t>(s.get_int("mtu", ic.mtu, 576, 9000));
        std::string arp = s.get_enum<std::string>(
            "arp", "enabled", {{"enabled", "enabled"}, {"proxy-arp", "proxy-arp"}});
        ic.proxy_arp = arp == "proxy-arp";
        if (auto mac_text = s.opt_string("mac_address")) {
            ic.mac = parse_mac(*mac_text);
            if (!ic.mac || ((*ic.mac)[0] & 1))
                s.error("mac_address",
                        "'" + *mac_text + "' is not a unicast MAC address like 02:00:00:00:00:01");
        }

        ic.rx_descriptors =
            static_cast<uint16_t>(s.get_int("rx_descriptors", ic.rx_descriptors, 64, 32768));
        ic.tx_descriptors =
            static_cast<uint16_t>(s.get_int("tx_descriptors", ic.tx_descriptors, 64, 32768));
        s.finish();
        out.push_back(ic);
    }
}

void parse_ip(Section& s, IpConfig& out, const std::vector<InterfaceConfig>& interfaces) {
    for (auto& r : s.groups("routes")) {
        StaticRoute route;
        if (auto dst = r.opt_prefix("dst_address")) {
            route.destination = {dst->network(), dst->length};
        } else {
            r.error("dst_address", "is required (e.g. \"10.20.0.0/16\")");
        }
        if (auto gw = r.opt_string("gateway")) {
            // An address, or the name of a client link (ovpn_clients; checked there).
            if (auto ip = net::parse_ipv4(*gw))
                route.gateway = *ip;
            else if (!gw->empty() && gw->find_first_of(" ./") == std::string::npos)
                route.gateway_link = *gw;
            else
                r.error("gateway", "'" + *gw + "' is neither an IPv4 address nor a link name");
        }
        std::string type = r.get_enum<std::string>(
            "type", "unicast", {{"unicast", "unicast"}, {"blackhole", "blackhole"}});
        route.blackhole = type == "blackhole";
        if (route.blackhole && !route.gateway_link.empty())
            r.error("gateway", "a blackhole route has no gateway");
        if (!route.blackhole && !route.gateway && route.gateway_link.empty())
            r.error("gateway", "is required for a unicast route");
        // RouterOS's scope rule for static routes; checked here, not only when the appliance
        // installs the route, so that `vpnplaned --check` refuses what start-up would.
        if (!route.blackhole && route.gateway &&
            std::none_of(interfaces.begin(), interfaces.end(), [&](const InterfaceConfig& i) {
                return i.address.contains(*route.gateway);
            }))
            r.error("gateway",
                    net::to_string(*route.gateway) + " is not on any interface's subnet");
        r.finish();
        out.routes.push_back(route);
    }
    for (auto& a : s.groups("arp")) {
        StaticArp entry;
        if (auto ip = a.opt_ipv4("address"))
            entry.address = *ip;
        else
            a.error("address", "is required");
        auto mac_text = a.req_string("mac_address");
        if (auto mac = parse_mac(mac_text))
            entry.mac = *mac;
        else if (!mac_text.empty())
            a.error("mac_address",
                    "'" + mac_text + "' is not a MAC address like 02:00:00:00:00:01");
        entry.interface = a.req_string("interface");
        a.finish();
        out.arp.push_back(entry);
    }
    out.arp_timeout_s =
        static_cast<uint32_t>(s.get_seconds("arp_timeout", out.arp_timeout_s, 5, 86400));
    out.arp_queue_length =
        static_cast<uint32_t>(s.get_int("arp_queue_length", out.arp_queue_length, 1, 4096));
    out.icmp_rate_limit =
        static_cast<uint32_t>(s.get_int("icmp_rate_limit", out.icmp_rate_limit, 0, 1000000));
    s.finish();
}

void parse_tcp(Section& s, TcpConfig& out) {
    auto u32 = [&](const char* name, uint32_t fallback, int64_t min, int64_t max) {
        return static_cast<uint32_t>(s.get_int(name, fallback, min, max));
    };
    auto secs = [&](const char* name, uint32_t fallback, int64_t min, int64_t max) {
        return static_cast<uint32_t>(s.get_seconds(name, fallback, min, max));
    };
    out.max_connections = u32("max_connections", out.max_connections, 16, 1 << 22);
    out.syn_backlog = u32("syn_backlog", out.syn_backlog, 0, 1 << 20);
    out.syn_cookies = s.get_bool("syn_cookies", out.syn_cookies);
    out.time_wait_max = u32("time_wait_max", out.time_wait_max, 1, 1 << 22);
    out.send_buffer = u32("send_buffer", out.send_buffer, 4096, 64 << 20);
    out.receive_buffer = u32("receive_buffer", out.receive_buffer, 4096, 64 << 20);
    out.keepalive_idle_s = secs("keepalive_idle", out.keepalive_idle_s, 0, 86400);
    out.keepalive_interval_s = secs("keepalive_interval", out.keepalive_interval_s, 1, 3600);
    out.keepalive_probes = u32("keepalive_probes", out.keepalive_probes, 1, 255);
    out.time_wait_s = secs("time_wait", out.time_wait_s, 1, 600);
    out.max_retransmits = u32("max_retransmits", out.max_retransmits, 1, 255);
    out.rto_min_ms = u32("rto_min_ms", out.rto_min_ms, 10, 60000);
    out.rto_max_s = secs("rto_max", out.rto_max_s, 1, 600);
    out.test_services = s.get_bool("test_services", out.test_services);
    s.finish();
}

void parse_perf(Section& s, PerfConfig& out) {
    out.enabled = s.get_bool("enabled", out.enabled);
    out.sessions_file = s.get_string("sessions_file", out.sessions_file);
    out.interface = s.get_string("interface", out.interface);
    if (out.enabled && out.sessions_file.empty())
        s.error("sessions_file", "is required in perf mode");
    s.finish();
}

void cross_check(ApplianceConfig& c, Section& root) {
    if (c.interfaces.empty()) root.error("interfaces", "at least one interface is required");
    int gateways = 0;
    for (auto& i : c.interfaces)
        gateways += i.gateway ? 1 : 0;
    if (gateways > 1)
        root.error("interfaces", "only one interface may have a gateway (the default route); "
                                 "add other routes under ip.routes");
    for (size_t i = 0; i < c.interfaces.size(); ++i)
        for (size_t j = i + 1; j < c.interfaces.size(); ++j) {
            auto& a = c.interfaces[i].address;
            auto& b = c.interfaces[j].address;
            if (a.length && b.length && (a.contains(b.address) || b.contains(a.address)))
                root.error("interfaces", "the subnets of " + c.interfaces[i].name + " and " +
                                             c.interfaces[j].name + " overlap");
        }
    for (auto& a : c.ip.arp)
        if (!c.find_interface(a.interface))
            root.error("ip", "arp entry for " + net::to_string(a.address) +
                                 " names unknown interface '" + a.interface + "'");
    auto& workers = c.dataplane.worker_lcores;
    if (workers.empty())
        for (unsigned l : c.dpdk.lcores)
            if (l != c.dpdk.main_lcore) workers.push_back(l);
    if (workers.empty())
        root.error("dataplane",
                   "no worker lcores: dpdk.lcores needs at least one lcore besides the main one");
    for (unsigned w : workers) {
        if (w == c.dpdk.main_lcore)
            root.error("dataplane", "workers: lcore " + std::to_string(w) +
                                        " is the main lcore (it runs the control plane)");
        if (std::find(c.dpdk.lcores.begin(), c.dpdk.lcores.end(), w) == c.dpdk.lcores.end())
            root.error("dataplane",
                       "workers: lcore " + std::to_string(w) + " is not in dpdk.lcores");
    }
}

// mgmt { prometheus_listen = "127.0.0.1:9469"; prometheus_allow_remote = false; }
void parse_mgmt(Section& s, MgmtConfig& out) {
    out.prometheus_allow_remote = s.get_bool("prometheus_allow_remote", false);
    if (auto text = s.opt_string("prometheus_listen")) {
        size_t colon = text->rfind(':');
        auto address =
            colon == std::string::npos ? std::nullopt : net::parse_ipv4(text->substr(0, colon));
        unsigned port = 0;
        const char* first = text->data() + (colon == std::string::npos ? 0 : colon + 1);
        auto [p, ec] = std::from_chars(first, text->data() + text->size(), port);
        if (!address || ec != std::errc{} || p != text->data() + text->size() || port == 0 ||
            port > 65535) {
            s.error("prometheus_listen",
                    "'" + *text + "' is not ADDRESS:PORT like \"127.0.0.1:9469\"");
        } else if ((*address >> 24) != 127 && !out.prometheus_allow_remote) {
            s.error("prometheus_listen",
                    "'" + *text + "' is not a loopback address: the metrics name users and " +
                        "addresses; set mgmt.prometheus_allow_remote = true to serve them " +
                        "beyond this host");
        } else {
            out.prometheus_address = *address;
            out.prometheus_port = static_cast<uint16_t>(port);
        }
    }
    s.finish();
}

Result<ApplianceConfig> load(std::optional<ParsedFile> parsed, Diagnostics& diag,
                             const std::string& path) {
    if (!parsed) return make_error(diag.text());
    ApplianceConfig c;
    c.path = path;
    c.raw = std::move(parsed->config);
    Section root(c.raw->getRoot(), diag);
    if (auto s = root.group("system")) parse_system(*s, c.system);
    if (auto s = root.group("dpdk")) parse_dpdk(*s, c.dpdk);
    if (auto s = root.group("dataplane")) parse_dataplane(*s, c.dataplane);
    parse_interfaces(root, c.interfaces);
    if (auto s = root.group("ip")) parse_ip(*s, c.ip, c.interfaces);
    parse_interface_lists(root, c.interfaces, c.firewall);
    collect_dynamic_lists(c.raw->getRoot(), c.firewall);
    if (auto s = root.group("firewall")) parse_firewall(*s, c.interfaces, c.firewall);
    if (auto s = root.group("tcp")) parse_tcp(*s, c.tcp);
    if (auto s = root.group("perf")) parse_perf(*s, c.perf);
    if (auto s = root.group("mgmt")) parse_mgmt(*s, c.mgmt);
    for (const char* name : delegated_sections)
        root.delegate(name);
    cross_check(c, root);
    root.finish();
    if (!diag.ok()) {
        std::string text = diag.text();
        if (!text.empty() && text.back() == '\n') text.pop_back();
        return make_error(text);
    }
    return c;
}

} // namespace

const InterfaceConfig* ApplianceConfig::find_interface(const std::string& name) const {
    for (auto& i : interfaces)
        if (i.name == name) return &i;
    return nullptr;
}

Result<ApplianceConfig> load_config_file(const std::string& path) {
    Diagnostics diag;
    auto parsed = read_file(path, diag);
    return load(std::move(parsed), diag, path);
}

Result<ApplianceConfig> load_config_text(const std::string& text) {
    Diagnostics diag;
    auto parsed = read_string(text, diag);
    return load(std::move(parsed), diag, "<config>");
}

std::optional<std::vector<unsigned>> parse_lcore_list(const std::string& text) {
    std::vector<unsigned> out;
    std::string_view rest = text;
    while (!rest.empty()) {
        auto comma = rest.find(',');
        auto item = rest.substr(0, comma);
        auto dash = item.find('-');
        unsigned first = 0, last = 0;
        auto parse = [](std::string_view t, unsigned& v) {
            auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
            return ec == std::errc{} && p == t.data() + t.size() && !t.empty() && v < 1024;
        };
        if (dash == std::string_view::npos) {
            if (!parse(item, first)) return std::nullopt;
            last = first;
        } else if (!parse(item.substr(0, dash), first) || !parse(item.substr(dash + 1), last) ||
                   last < first) {
            return std::nullopt;
        }
        for (unsigned l = first; l <= last; ++l)
            if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return out;
}

std::optional<std::array<uint8_t, 6>> parse_mac(const std::string& text) {
    std::array<uint8_t, 6> mac{};
    if (text.size() != 17) return std::nullopt;
    for (size_t i = 0; i < 6; ++i) {
        if (i > 0 && text[i * 3 - 1] != ':' && text[i * 3 - 1] != '-') return std::nullopt;
        unsigned v;
        auto [p, ec] = std::from_chars(text.data() + i * 3, text.data() + i * 3 + 2, v, 16);
        if (ec != std::errc{} || p != text.data() + i * 3 + 2) return std::nullopt;
        mac[i] = static_cast<uint8_t>(v);
    }
    return mac;
}

} // namespace vp::config
