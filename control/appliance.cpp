// Appliance construction, the control loop (punts to the services, timers, RCU reclamation,
// SYN-cookie rotation) and live reload.
#include "control/appliance.hpp"

#include "base/log.hpp"
#include "control/config/config_diff.hpp"
#include "control/ovpn/ovpn_service.hpp"
#include "control/rate_limit_reload.hpp"
#include "control/service_route.hpp"
#include "control/service_setup.hpp"
#include "control/sstp/sstp_service.hpp"
#include "dataplane/worker/worker.hpp"

#include <openssl/rand.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>

#include <algorithm>
#include <cstring>

namespace vp::ctl {

namespace {
constexpr uint64_t timer_interval_ms = 10;
}

uint64_t Appliance::now_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

Result<std::unique_ptr<Appliance>> Appliance::create(const config::ApplianceConfig& config) {
    auto services = validate_services(config);
    if (!services.ok()) return services.error();
    std::unique_ptr<Appliance> a(new Appliance());
    a->config_ = config;
    a->started_ms_ = now_ms();
    a->apply_logging(config.system);

    auto settings = dataplane_settings(config);
    if (!settings.ok()) return settings.error();
    auto dp = dp::Dataplane::create(*settings);
    if (!dp.ok()) return dp.error();
    a->dp_ = std::move(*dp);
    a->neighbors_ = std::make_unique<NeighborManager>(
        *a->dp_, NeighborSettings{config.ip.arp_timeout_s, config.ip.arp_queue_length});
    if (auto st = a->install_interface_routes(); !st.ok()) return st.error();
    if (auto st = a->apply_static_routes(config.ip.routes); !st.ok()) return st.error();
    std::vector<std::string> names;
    for (auto& i : config.interfaces)
        names.push_back(i.name);
    if (auto st = a->neighbors_->set_static(config.ip.arp, names, now_ms()); !st.ok())
        return make_error("ip.arp: " + st.message());
    a->aaa_ = std::make_unique<aaa::LocalAaa>(services->aaa);
    a->services_ = *services;
    if (auto st = register_services(a->registry_, config, *services, *a->dp_, *a->aaa_, now_ms());
        !st.ok())
        return st.error();
    a->dp_->set_policy(a->make_policy(config));
    a->list_store_.sync_config(config.firewall.timed_entries, now_ms());
    auto filter = a->make_filter(config);
    if (!filter.ok()) return filter.error();
    a->dp_->set_filter(std::move(*filter));
    return a;
}

Appliance::~Appliance() {
    stop();
    registry_.clear(); // last registered first; sessions release grants and retire peers
    aaa_.reset();
    neighbors_.reset();
    dp_.reset();
}

Status Appliance::start() {
    return dp_->launch(config_.dataplane.worker_lcores);
}

void Appliance::stop() {
    if (dp_) dp_->stop();
}

void Appliance::apply_logging(const config::SystemConfig& s) {
    log::set_sinks({s.log_stderr, s.log_syslog});
    log::set_all_levels(s.log_level);
    for (auto& [topic, level] : s.topic_levels)
        log::set_level(topic, level);
}

dp::WorkerPolicy Appliance::make_policy(const config::ApplianceConfig& c) const {
    dp::WorkerPolicy p;
    p.icmp_echo = c.firewall.icmp_echo;
    p.mss_clamp = c.firewall.mss_clamp;
    p.icmp_errors_per_s = c.ip.icmp_rate_limit;
    for (size_t i = 0; i < c.interfaces.size(); ++i)
        if (c.interfaces[i].proxy_arp) p.proxy_arp_ports |= 1u << i;
    for (auto& s : registry_.services())
        s->add_policy(p);
    if (const auto& tcp = dp_->settings().tcp)
        for (size_t i = 0; i < tcp->listeners.size() && i < p.tcp_ports.size(); ++i)
            p.tcp_ports[i] = tcp->listeners[i].port;
    return p;
}

Result<std::unique_ptr<dp::fw::FilterSet>>
Appliance::make_filter(const config::ApplianceConfig& c) const {
    if (c.firewall.filter.empty() && c.firewall.mangle.empty() && c.firewall.nat.empty())
        return std::unique_ptr<dp::fw::FilterSet>();
    // Address lists: static entries and the live sessions' dynamic ones (address_lists.hpp).
    config::FirewallConfig fw = c.firewall;
    auto dynamic = dynamic_address_lists(aaa_->active_grants());
    merge_address_lists(dynamic, list_store_.lists());
    resolve_address_lists(fw, dynamic);
    // Filter rules first, then mangle rules: the telemetry tables index them in that order.
    auto rules = fw.filter;
    rules.insert(rules.end(), fw.mangle.begin(), fw.mangle.end());
    std::array<uint16_t, dp::fw::FilterSet::max_ports> lists{};
    for (size_t i = 0; i < c.firewall.interface_lists.size() && i < lists.size(); ++i)
        lists[i] = c.firewall.interface_lists[i];
    auto set =
        dp::fw::FilterSet::build(std::move(rules), lists, dp_->settings().workers, SOCKET_ID_ANY);
    if (set.ok()) (*set)->set_nat(fw.nat, fw.tracking() && dp_->conntrack());
    return set;
}

Status Appliance::install_interface_routes() {
    auto& routes = dp_->routes();
    for (dp::PortId port = 0; port < config_.interfaces.size(); ++port) {
        auto& i = config_.interfaces[port];
        dp::NextHop local{dp::NextHopKind::Local, port, 0, dp::no_session, i.mtu};
        if (auto st = routes.add(i.address.address, 32, local); !st.ok()) return st;
        if (i.address.length < 32) {
            dp::NextHop connected{dp::NextHopKind::Connected, port, 0, dp::no_session, i.mtu};
            if (auto st = routes.add(i.address.network(), i.address.length, connected); !st.ok())
                return st;
        }
        if (i.address.length < 31) {
            // The subnet's broadcast address is never forwarded (RFC 2644).
            dp::NextHop broadcast{dp::NextHopKind::Broadcast, port, 0, dp::no_session, i.mtu};
            if (auto st = routes.add(i.address.network() | ~i.address.mask(), 32, broadcast);
                !st.ok())
                return st;
        }
        if (i.gateway) {
            dp::NextHop gw{dp::NextHopKind::Gateway, port, rte_cpu_to_be_32(*i.gateway),
                           dp::no_session, i.mtu};
            if (auto st = routes.add(0, 0, gw); !st.ok()) return st;
        }
    }
    return {};
}

Status Appliance::apply_static_routes(const std::vector<config::StaticRoute>& wanted) {
    auto& routes = dp_->routes();
    for (auto& old : installed_static_)
        if (std::find(wanted.begin(), wanted.end(), old) == wanted.end())
            (void)routes.remove(old.destination.address, old.destination.length);
    std::vector<config::StaticRoute> installed;
    for (auto& r : wanted) {
        if (!r.gateway_link.empty()) continue; // the client link installs it while it is up
        dp::NextHop nh;
        if (r.blackhole) {
            nh.kind = dp::NextHopKind::Blackhole;
        } else {
            // The gateway must be on a connected subnet (RouterOS's scope rule for static routes).
            const config::InterfaceConfig* via = nullptr;
            dp::PortId port = 0;
            for (dp::PortId p = 0; p < config_.interfaces.size(); ++p)
                if (config_.interfaces[p].address.contains(*r.gateway)) {
                    via = &config_.interfaces[p];
                    port = p;
                }
            if (!via)
                return make_error("ip.routes: gateway " + net::to_string(*r.gateway) + " of " +
                                  net::to_string(r.destination) +
                                  " is not on any interface's subnet");
            nh = {dp::NextHopKind::Gateway, port, rte_cpu_to_be_32(*r.gateway), dp::no_session,
                  via->mtu};
        }
        if (auto st = routes.add(r.destination.address, r.destination.length, nh); !st.ok())
            return make_error("ip.routes: " + net::to_string(r.destination) + ": " + st.message());
        installed.push_back(r);
    }
    installed_static_ = installed;
    return {};
}

void Appliance::handle_punt(const dp::PuntEntry& e, uint64_t now) {
    ++counters_.punted;
    switch (e.reason) {
    case dp::PuntReason::NeighborMiss:
        neighbors_->on_neighbor_miss(e.mbuf, e.port, e.payload.neighbor_miss.next_hop_be, now);
        return;
    case dp::PuntReason::ArpInput:
        neighbors_->on_arp_input(e.mbuf, e.port, now);
        return;
    case dp::PuntReason::AddressListAdd:
        on_address_list_add(e, now);
        return;
    default:
        break;
    }
    PuntTarget target = punt_target(e, dp_->sessions());
    if (Service* service = registry_.find(target)) {
        service->on_punt(e, now);
        return;
    }
    if (target.count_if_unclaimed) ++counters_.punted_unhandled;
    if (e.mbuf) rte_pktmbuf_free(e.mbuf);
}

// SYN cookies (RFC 4987): a fresh secret every few minutes; the engines keep accepting cookies
// made with the previous one.
void Appliance::rotate_cookie_secrets() {
    for (dp::WorkerId w = 0; w < dp_->worker_count(); ++w) {
        rte_mbuf* m = rte_pktmbuf_alloc(dp_->pool());
        if (!m) break;
        auto* secret = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 16));
        RAND_bytes(secret, 16);
        dp_->inject({m, dp::InjectAction::TcpCookieSecret, 0, 0}, w);
    }
}

uint32_t Appliance::poll() {
    std::lock_guard lock(mutex_);
    ++counters_.loop_iterations;
    uint64_t now = now_ms();
    dp::PuntEntry entries[64];
    unsigned n = rte_ring_sc_dequeue_burst_elem(dp_->punt_ring(), entries, sizeof(dp::PuntEntry),
                                                64, nullptr);
    for (unsigned i = 0; i < n; ++i)
        handle_punt(entries[i], now);
    if (now >= next_timer_ms_) {
        next_timer_ms_ = now + timer_interval_ms;
        neighbors_->on_timer(now);
        dp_->rcu().reclaim();
        if (auto* ct = dp_->conntrack()) ct->sweep(rte_rdtsc(), rte_get_tsc_hz());
        update_address_lists(now);
    }
    if (dp_->settings().tcp && now >= next_cookie_rotation_ms_) {
        next_cookie_rotation_ms_ = now + 300000;
        rotate_cookie_secrets();
    }
    bool republish = false;
    for (auto& s : registry_.services()) {
        s->on_timer(now);
        republish |= s->take_policy_change();
    }
    if (republish) {
        dp_->set_policy(make_policy(config_));
        if (auto st = registry_.bind(); !st.ok())
            log::warning(log::Topic::System, "services: {}", st.message());
    }
    return n;
}

Result<std::string> Appliance::reload(const config::ApplianceConfig& next) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> restart;
    auto same_interfaces = [&] {
        if (next.interfaces.size() != config_.interfaces.size()) return false;
        for (size_t i = 0; i < next.interfaces.size(); ++i) {
            auto& a = next.interfaces[i];
            auto& b = config_.interfaces[i];
            if (a.name != b.name || a.device != b.device || a.address != b.address ||
                a.gateway != b.gateway || a.mtu != b.mtu || a.role != b.role || a.mac != b.mac ||
                a.rx_descriptors != b.rx_descriptors || a.tx_descriptors != b.tx_descriptors)
                return false;
        }
        return true;
    };
    // The foundation's settings one by one (live or kept until a restart); the services add
    // theirs to `restart` in check_reload.
    std::vector<config::SettingChange> changes = config::diff_config(config_, next);
    // Live parts: check first, then apply, so that an error changes nothing.
    for (auto& r : next.ip.routes)
        if (!r.blackhole && r.gateway) {
            bool on_link = false;
            for (auto& i : config_.interfaces)
                on_link |= i.address.contains(*r.gateway);
            if (!on_link)
                return make_error("ip.routes: gateway " + net::to_string(*r.gateway) + " of " +
                                  net::to_string(r.destination) +
                                  " is not on any interface's subnet");
        }
    for (auto& e : next.ip.arp)
        if (!config_.find_interface(e.interface))
            return make_error("ip.arp: unknown interface " + e.interface);

    auto services = validate_services(next);
    if (!services.ok()) return services.error();
    // Rules name interfaces by their index: with other interfaces they wait for the restart.
    bool filter_live = same_interfaces();
    // The connection table is sized at start: tracking that was off stays off until a restart.
    if (filter_live && next.firewall.tracking() && !dp_->conntrack()) {
        filter_live = false;
        restart.push_back("firewall (NAT or connection_state need the connection table)");
    }
    if (dp_->conntrack() && (next.firewall.max_connections != config_.firewall.max_connections ||
                             std::memcmp(&next.firewall.timeouts, &config_.firewall.timeouts,
                                         sizeof(dp::ct::Timeouts)) != 0))
        restart.push_back("firewall.connection_tracking");
    if (filter_live) list_store_.sync_config(next.firewall.timed_entries, now_ms());
    auto filter = make_filter(filter_live ? next : config_);
    if (!filter.ok()) return filter.error();
    for (auto& s : registry_.services())
        if (auto st = s->check_reload(*services, restart); !st.ok()) return st.error();
    apply_logging(next.system);
    if (auto st = apply_static_routes(next.ip.routes); !st.ok()) return st.error();
    std::vector<std::string> names;
    for (auto& i : config_.interfaces)
        names.push_back(i.name);
    if (auto st = neighbors_->set_static(next.ip.arp, names, now_ms()); !st.ok()) return st.error();
    neighbors_->set_settings({next.ip.arp_timeout_s, next.ip.arp_queue_length});
    // Keep the interfaces we run with; take the live settings of the new configuration.
    config::FirewallConfig previous_firewall = config_.firewall;
    config::ApplianceConfig applied = next;
    applied.dpdk = config_.dpdk;
    applied.dataplane = config_.dataplane;
    applied.tcp = config_.tcp; // these wait for a restart too (config_diff.cpp)
    applied.perf = config_.perf;
    applied.mgmt = config_.mgmt;
    if (!same_interfaces()) applied.interfaces = config_.interfaces;
    for (size_t i = 0; i < applied.interfaces.size() && i < next.interfaces.size(); ++i)
        if (applied.interfaces[i].name == next.interfaces[i].name)
            applied.interfaces[i].proxy_arp = next.interfaces[i].proxy_arp;
    config_ = applied;
    auto summary = aaa_->reload(services->aaa);
    services_ = *services;
    if (!summary.orphaned_grants.empty())
        log::info(log::Topic::Aaa,
                  "reload: {} session(s) keep running although their secret changed",
                  summary.orphaned_grants.size());
    for (auto& s : registry_.services())
        if (auto st = s->reload(*services, now_ms()); !st.ok()) return st.error();
    if (auto st = registry_.bind(); !st.ok()) return st.error();
    // Live sessions follow their profile's or secret's new rate_limit (no reconnect).
    auto live = sessions();
    auto rates = apply_rate_limits(*dp_, live, summary.rate_limits);
    for (auto& [id, text] : rates.texts)
        for (auto& row : live)
            if (row.id == id) reloaded_rate_limits_[id] = {row.user, row.address, text};
    if (!filter_live) config_.firewall = previous_firewall;
    dp_->set_policy(make_policy(config_));
    dp_->set_filter(std::move(*filter));

    // The report: a summary line, then one line per changed setting (config_diff.hpp).
    size_t need_restart = restart.size();
    for (auto& c : changes)
        need_restart += c.live ? 0 : 1;
    std::string report = "configuration reloaded";
    if (need_restart) report += "; " + std::to_string(need_restart) + " change(s) need a restart";
    for (auto& c : changes)
        report += "\n" + config::describe(c);
    for (auto& r : restart)
        report += "\n" + r + ": " + std::string(config::kNeedsRestart);
    if (rates.changed)
        report += "\nrate_limit: applied to " + std::to_string(rates.changed) + " live session(s)";
    for (auto& e : rates.errors)
        report += "\nrate_limit: not applied to " + e;
    log::info(log::Topic::System, "{}", report);
    return report;
}

ovpn::Server* Appliance::ovpn_server() {
    auto* s = registry_.get<OvpnService>();
    return s ? s->server() : nullptr;
}

const ovpn::WorkerDataplane* Appliance::ovpn_dataplane() const {
    auto* s = registry_.get<OvpnService>();
    return s ? s->worker_dataplane() : nullptr;
}

const OvpnService* Appliance::ovpn_service() const {
    return registry_.get<OvpnService>();
}

const SstpService* Appliance::sstp_service() const {
    return registry_.get<SstpService>();
}

std::vector<ActiveSession> Appliance::sessions() {
    std::vector<ActiveSession> out;
    uint64_t now = now_ms();
    for (auto& s : registry_.services()) {
        auto rows = s->sessions(now);
        out.insert(out.end(), std::make_move_iterator(rows.begin()),
                   std::make_move_iterator(rows.end()));
    }
    // Rate-limits changed by a reload; entries of sessions that ended are dropped.
    std::map<uint32_t, ReloadedRateLimit> still;
    for (auto& row : out) {
        auto it = reloaded_rate_limits_.find(row.id);
        if (it == reloaded_rate_limits_.end() || it->second.user != row.user ||
            it->second.address != row.address)
            continue;
        row.rate_limit = it->second.text;
        still.insert(*it);
    }
    reloaded_rate_limits_ = std::move(still);
    return out;
}

std::vector<ActiveSession> Appliance::ended_sessions() const {
    std::vector<ActiveSession> out;
    for (auto& s : registry_.services()) {
        auto rows = s->ended_sessions();
        out.insert(out.end(), std::make_move_iterator(rows.begin()),
                   std::make_move_iterator(rows.end()));
    }
    return out;
}

size_t Appliance::disconnect(const std::string& id_or_user) {
    uint64_t now = now_ms();
    size_t n = 0;
    for (auto& s : registry_.services())
        n += s->disconnect(id_or_user, now);
    return n;
}

} // namespace vp::ctl
