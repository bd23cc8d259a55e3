// Appliance construction, the control loop and live reload.
#include "control/appliance.hpp"

#include "base/log.hpp"
#include "control/perf/session_file.hpp"
#include "dataplane/ovpn/outer.hpp"
#include "dataplane/ovpn/ovpn_session.hpp"
#include "dataplane/worker/worker.hpp"

#include <openssl/rand.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace vp::ctl {

namespace {
constexpr uint64_t timer_interval_ms = 10;
}

uint64_t Appliance::now_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

tcp::EngineConfig tcp_engine_config(const config::ApplianceConfig& c) {
    const config::TcpConfig& t = c.tcp;
    tcp::EngineConfig e;
    e.max_connections = t.max_connections;
    e.syn_backlog = t.syn_backlog;
    e.syn_cookies = t.syn_cookies;
    e.time_wait_max = t.time_wait_max;
    e.snd_buf_bytes = t.send_buffer;
    e.rcv_buf_bytes = t.receive_buffer;
    e.keepalive_idle_ms = t.keepalive_idle_s * 1000;
    e.keepalive_interval_ms = t.keepalive_interval_s * 1000;
    e.keepalive_probes = static_cast<uint8_t>(t.keepalive_probes);
    e.time_wait_ms = t.time_wait_s * 1000;
    e.max_retransmits = static_cast<uint8_t>(t.max_retransmits);
    e.rto_min_ms = t.rto_min_ms;
    e.rto_max_ms = t.rto_max_s * 1000;
    uint16_t mtu = 1500;
    for (auto& i : c.interfaces)
        mtu = std::min(mtu, i.mtu);
    e.mss = static_cast<uint16_t>(mtu - 40);
    return e;
}

std::vector<dp::PortSettings> port_settings(const config::ApplianceConfig& c) {
    std::vector<dp::PortSettings> out;
    for (auto& i : c.interfaces) {
        dp::PortSettings p;
        p.name = i.name;
        p.device = i.device;
        p.role = i.role == config::InterfaceRole::Wan ? dp::PortRole::Wan : dp::PortRole::Lan;
        p.address_be = rte_cpu_to_be_32(i.address.address);
        p.prefix_length = i.address.length;
        p.mtu = i.mtu;
        if (i.mac) {
            p.set_mac = true;
            std::memcpy(p.mac.addr_bytes, i.mac->data(), 6);
        }
        p.rx_descriptors = i.rx_descriptors;
        p.tx_descriptors = i.tx_descriptors;
        out.push_back(p);
    }
    return out;
}

Result<std::unique_ptr<Appliance>> Appliance::create(const config::ApplianceConfig& config) {
    auto services = validate_services(config);
    if (!services.ok()) return services.error();
    std::unique_ptr<Appliance> a(new Appliance());
    a->config_ = config;
    a->services_ = *services;
    a->started_ms_ = now_ms();
    a->apply_logging(config.system);

    dp::DataplaneSettings s;
    s.workers = static_cast<uint16_t>(config.dataplane.worker_lcores.size());
    s.mbufs = config.dataplane.mbufs;
    s.mbuf_cache = config.dataplane.mbuf_cache;
    s.burst = config.dataplane.burst;
    s.punt_ring_size = config.dataplane.punt_ring_size;
    s.inject_ring_size = config.dataplane.inject_ring_size;
    s.handoff_ring_size = config.dataplane.handoff_ring_size;
    s.max_routes = config.dataplane.max_routes;
    s.max_neighbors = config.dataplane.max_neighbors;
    s.max_sessions = config.dataplane.max_sessions;
    s.idle_sleep_us = config.dataplane.idle_sleep_us;
    s.ports = port_settings(config);
    if (config.tcp.test_services) {
        dp::TcpSettings tcp;
        tcp.engine = tcp_engine_config(config);
        if (auto st = tcp.engine.validate(); !st.ok()) return make_error("tcp: " + st.message());
        tcp.listeners = {{7, tcp::ConsumerKind::Echo},
                         {9, tcp::ConsumerKind::Discard},
                         {TcpTestServices::sink_port, tcp::ConsumerKind::Punt},
                         {TcpTestServices::source_port, tcp::ConsumerKind::Punt}};
        s.tcp = tcp;
    }
    auto dp = dp::Dataplane::create(s);
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
    a->aaa_ = std::make_unique<aaa::LocalAaa>(a->services_.aaa);
    if (config.tcp.test_services) a->tcp_services_ = std::make_unique<TcpTestServices>(*a->dp_);
    if (config.perf.enabled)
        if (auto st = a->start_perf_sessions(); !st.ok())
            return make_error("perf: " + st.message());
    if (auto st = a->start_ovpn(a->services_, now_ms()); !st.ok()) return st.error();
    a->dp_->set_policy(a->make_policy(config));
    return a;
}

// Perf mode: the sessions of a vpnperf file, spread over the workers, with replay protection as
// the file says (off for replayed traffic).
Status Appliance::start_perf_sessions() {
    auto file = perf::load_session_file(config_.perf.sessions_file);
    if (!file.ok()) return file.error();
    if (services_.ovpn.enabled && services_.ovpn.port == file->server.port)
        return make_error("the perf sessions' port is the OpenVPN server's; use another");
    dp::PortId wan = 0;
    bool found = false;
    for (dp::PortId p = 0; p < config_.interfaces.size() && !found; ++p)
        if (config_.perf.interface.empty()
                ? config_.interfaces[p].role == config::InterfaceRole::Wan
                : config_.interfaces[p].name == config_.perf.interface) {
            wan = p;
            found = true;
        }
    if (!found) return make_error("no interface for the perf sessions");
    perf_sessions_ = std::make_unique<dp::OvpnPublisher>(*dp_);
    perf_port_ = file->server.port;
    auto keys = [](const perf::DirectionKeys& k) {
        return dp::OvpnDirectionKey{k.cipher_key, k.hmac_key, k.implicit_iv};
    };
    dp::WorkerId next_owner = 0;
    for (auto& s : file->sessions) {
        dp::OvpnPeer peer;
        peer.id = s.peer_id;
        peer.owner = next_owner;
        next_owner = static_cast<dp::WorkerId>((next_owner + 1) % dp_->worker_count());
        peer.wan_port = wan;
        peer.local_ip_be = rte_cpu_to_be_32(file->server.address);
        peer.local_port_be = rte_cpu_to_be_16(file->server.port);
        peer.client_ip_be = rte_cpu_to_be_32(s.client.address);
        peer.client_port_be = rte_cpu_to_be_16(s.client.port);
        peer.tunnel_ip_be = rte_cpu_to_be_32(s.tunnel_address);
        peer.replay_protection = file->replay_protection;
        peer.clamp_mss = false;
        if (s.peer_id >= dp_->sessions().capacity())
            return make_error("peer-id " + std::to_string(s.peer_id) +
                              " is beyond dataplane.max_sessions");
        if (auto st = perf_sessions_->add_peer(peer); !st.ok()) return st;
        if (auto st = perf_sessions_->add_key(s.peer_id, s.key_id, file->cipher, file->auth,
                                              keys(s.client_to_server), keys(s.server_to_client));
            !st.ok())
            return st;
        perf_sessions_->set_tx_key(s.peer_id, s.key_id);
    }
    log::warning(log::Topic::System, "perf mode: {} synthetic {} session(s) on UDP port {}{}",
                 file->sessions.size(), crypto::openvpn_name(file->cipher), perf_port_,
                 file->replay_protection ? "" : ", replay protection off");
    return {};
}

Status Appliance::start_ovpn(const ServicesConfig& services, uint64_t now) {
    if (!services.ovpn.enabled) {
        if (ovpn_) ovpn_->reload(nullptr, now);
        return {};
    }
    auto setup = ovpn_setup(services);
    if (!setup.ok()) return setup.error();
    if (ovpn_) {
        ovpn_->reload(*setup, now);
        return {};
    }
    ovpn_dp_ = std::make_unique<ovpn::WorkerDataplane>(*dp_, services.ovpn.port,
                                                       services.ovpn_data_replay_window);
    ovpn_ = std::make_unique<ovpn::Server>(*setup, *ovpn_dp_, *aaa_);
    log::info(log::Topic::Ovpn, "OpenVPN server listening on UDP port {}", services.ovpn.port);
    return {};
}

Appliance::~Appliance() {
    stop();
    perf_sessions_.reset();
    tcp_services_.reset();
    ovpn_.reset(); // its sessions release their grants and retire their peers
    ovpn_dp_.reset();
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
    if (ovpn_ && services_.ovpn.enabled) p.ovpn_udp_port = services_.ovpn.port;
    if (perf_sessions_) p.ovpn_udp_port = perf_port_;
    if (const auto& tcp = dp_->settings().tcp)
        for (size_t i = 0; i < tcp->listeners.size() && i < p.tcp_ports.size(); ++i)
            p.tcp_ports[i] = tcp->listeners[i].port;
    return p;
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
        break;
    case dp::PuntReason::ArpInput:
        neighbors_->on_arp_input(e.mbuf, e.port, now);
        break;
    case dp::PuntReason::OvpnControl:
        if (ovpn_) {
            ovpn_datagram(e, now);
            break;
        }
        ++counters_.punted_unhandled;
        rte_pktmbuf_free(e.mbuf);
        break;
    case dp::PuntReason::TcpStream:
        if (tcp_services_)
            tcp_services_->on_event(e);
        else if (e.mbuf)
            rte_pktmbuf_free(e.mbuf);
        break;
    case dp::PuntReason::SessionEvent:
        if (ovpn_ &&
            e.payload.session_event.event == static_cast<uint32_t>(dp::OvpnEvent::ExplicitExit))
            ovpn_->on_explicit_exit(e.payload.session_event.session, now);
        break;
    default:
        ++counters_.punted_unhandled;
        if (e.mbuf) rte_pktmbuf_free(e.mbuf);
        break;
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
    }
    if (dp_->settings().tcp && now >= next_cookie_rotation_ms_) {
        // SYN cookies (RFC 4987): a fresh secret every few minutes; the engines keep accepting
        // cookies made with the previous one.
        next_cookie_rotation_ms_ = now + 300000;
        for (dp::WorkerId w = 0; w < dp_->worker_count(); ++w) {
            rte_mbuf* m = rte_pktmbuf_alloc(dp_->pool());
            if (!m) break;
            auto* secret = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 16));
            RAND_bytes(secret, 16);
            dp_->inject({m, dp::InjectAction::TcpCookieSecret, 0, 0}, w);
        }
    }
    if (ovpn_ && now >= next_ovpn_timer_ms_) {
        next_ovpn_timer_ms_ = now + 100;
        ovpn_->on_timer(now);
        ovpn_dp_->tick(now);
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
    if (!same_interfaces()) restart.push_back("interfaces (other than arp)");
    if (next.dpdk.lcores != config_.dpdk.lcores ||
        next.dpdk.main_lcore != config_.dpdk.main_lcore ||
        next.dpdk.no_huge != config_.dpdk.no_huge ||
        next.dpdk.memory_mb != config_.dpdk.memory_mb ||
        next.dpdk.file_prefix != config_.dpdk.file_prefix ||
        next.dpdk.extra_args != config_.dpdk.extra_args)
        restart.push_back("dpdk");
    auto& a = next.dataplane;
    auto& b = config_.dataplane;
    if (a.worker_lcores != b.worker_lcores || a.mbufs != b.mbufs || a.mbuf_cache != b.mbuf_cache ||
        a.burst != b.burst || a.punt_ring_size != b.punt_ring_size ||
        a.inject_ring_size != b.inject_ring_size || a.handoff_ring_size != b.handoff_ring_size ||
        a.max_routes != b.max_routes || a.max_neighbors != b.max_neighbors ||
        a.max_sessions != b.max_sessions || a.idle_sleep_us != b.idle_sleep_us)
        restart.push_back("dataplane");

    // Live parts: check first, then apply, so that an error changes nothing.
    for (auto& r : next.ip.routes)
        if (!r.blackhole) {
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
    if (services->ovpn.enabled) {
        // Check the new OpenVPN setup (certificate, keys) before changing anything.
        if (auto setup = ovpn_setup(*services); !setup.ok()) return setup.error();
        if (ovpn_ && services->ovpn.port != services_.ovpn.port)
            restart.push_back("ovpn_server.port");
    }
    apply_logging(next.system);
    if (auto st = apply_static_routes(next.ip.routes); !st.ok()) return st.error();
    std::vector<std::string> names;
    for (auto& i : config_.interfaces)
        names.push_back(i.name);
    if (auto st = neighbors_->set_static(next.ip.arp, names, now_ms()); !st.ok()) return st.error();
    neighbors_->set_settings({next.ip.arp_timeout_s, next.ip.arp_queue_length});
    // Keep the interfaces we run with; take the live settings of the new configuration.
    config::ApplianceConfig applied = next;
    applied.dpdk = config_.dpdk;
    applied.dataplane = config_.dataplane;
    if (!same_interfaces()) applied.interfaces = config_.interfaces;
    for (size_t i = 0; i < applied.interfaces.size() && i < next.interfaces.size(); ++i)
        if (applied.interfaces[i].name == next.interfaces[i].name)
            applied.interfaces[i].proxy_arp = next.interfaces[i].proxy_arp;
    config_ = applied;
    auto summary = aaa_->reload(services->aaa);
    if (!summary.orphaned_grants.empty())
        log::info(log::Topic::Aaa,
                  "reload: {} session(s) keep running although their secret changed",
                  summary.orphaned_grants.size());
    uint16_t port = services_.ovpn.port;
    services_ = *services;
    if (ovpn_) services_.ovpn.port = port; // the port needs a restart
    if (auto st = start_ovpn(services_, now_ms()); !st.ok()) return st.error();
    dp_->set_policy(make_policy(config_));

    std::string report = "configuration reloaded";
    if (!restart.empty()) {
        report += "; changes to ";
        for (size_t i = 0; i < restart.size(); ++i)
            report += (i ? ", " : "") + restart[i];
        report += " need a restart and were not applied";
    }
    log::info(log::Topic::System, "{}", report);
    return report;
}

void Appliance::ovpn_datagram(const dp::PuntEntry& e, uint64_t now) {
    dp::ovpn::OuterUdp outer;
    if (dp::ovpn::locate_udp_payload(e.mbuf, outer)) {
        auto* ip = rte_pktmbuf_mtod_offset(e.mbuf, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
        ovpn::Endpoint from{rte_be_to_cpu_32(outer.src_ip_be), rte_be_to_cpu_16(outer.src_port_be)};
        ovpn_dp_->note_local(from, ip->dst_addr, e.port);
        ovpn_->on_datagram(from, e.worker, ByteSpan(outer.payload, outer.payload_len), now);
    }
    rte_pktmbuf_free(e.mbuf);
}

std::vector<ActiveSession> Appliance::sessions() {
    std::vector<ActiveSession> out;
    if (!ovpn_) return out;
    for (auto& s : ovpn_->sessions(now_ms())) {
        ActiveSession a;
        a.id = s.peer_id;
        a.user = s.user;
        a.service = s.service;
        a.caller = s.caller.to_string();
        a.address = s.tunnel_address;
        a.uptime_s = s.uptime_s;
        a.encoding = s.encoding;
        a.state = s.state;
        if (auto* c = ovpn_dp_->counters(s.peer_id)) {
            a.rx_packets = c->rx_packets.get();
            a.rx_bytes = c->rx_bytes.get();
            a.tx_packets = c->tx_packets.get();
            a.tx_bytes = c->tx_bytes.get();
        }
        out.push_back(std::move(a));
    }
    return out;
}

size_t Appliance::disconnect(const std::string& id_or_user) {
    if (!ovpn_) return 0;
    uint64_t now = now_ms();
    std::vector<uint32_t> ids;
    for (auto& s : ovpn_->sessions(now))
        if (s.user == id_or_user || std::to_string(s.peer_id) == id_or_user)
            ids.push_back(s.peer_id);
    size_t n = 0;
    for (uint32_t id : ids)
        n += ovpn_->disconnect(id, now) ? 1 : 0;
    return n;
}

} // namespace vp::ctl
