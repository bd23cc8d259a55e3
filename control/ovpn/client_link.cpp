// An OpenVPN client link: attempts, backoff, and the published session.
#include "control/ovpn/client_link.hpp"

#include "base/log.hpp"

#include <algorithm>

namespace vp::ovpn {

namespace {
constexpr uint32_t link_replay_window_bits = 2048;

// The server encrypts with server_to_client and we open with it: the dataplane's session
// names the directions from the appliance's point of view as a server does.
DataKeys as_local(const DataKeys& k) {
    DataKeys out = k;
    out.client_to_server = k.server_to_client;
    out.server_to_client = k.client_to_server;
    return out;
}
} // namespace

std::string_view to_string(LinkState s) {
    switch (s) {
    case LinkState::Disabled:
        return "disabled";
    case LinkState::Connecting:
        return "connecting";
    case LinkState::Connected:
        return "connected";
    case LinkState::Waiting:
        return "disconnected";
    }
    return "?";
}

ClientLink::ClientLink(ClientLinkConfig config, uint16_t local_port, dp::Dataplane& dataplane,
                       std::shared_ptr<const tls::Context> tls, std::vector<net::Ipv4Prefix> routes,
                       uint64_t now_ms)
    : config_(std::move(config)), local_port_(local_port), dp_(dataplane), tls_(std::move(tls)),
      static_routes_(std::move(routes)),
      wdp_(dataplane, local_port, link_replay_window_bits), server_{config_.connect_to,
                                                                    config_.port} {
    if (!config_.disabled) start_attempt(now_ms);
}

ClientLink::~ClientLink() {
    withdraw();
    end_stream(false);
}

void ClientLink::start_attempt(uint64_t now_ms) {
    state_ = LinkState::Connecting;
    if (!config_.connect_host.empty()) {
        // Resolved again at every attempt: the name may have moved since the last one.
        resolver_ = std::make_unique<HostResolver>(config_.connect_host);
        log::info(log::Topic::Ovpn, "ovpn-client {}: resolving {}", config_.name,
                  config_.connect_host);
        poll_resolver(now_ms);
        return;
    }
    connect_attempt(now_ms);
}

void ClientLink::poll_resolver(uint64_t now_ms) {
    auto r = resolver_ ? resolver_->poll() : std::nullopt;
    if (!r) return;
    resolver_.reset();
    if (!r->address) {
        drop("DNS: cannot resolve " + config_.connect_host + ": " + r->error, now_ms);
        return;
    }
    server_ = Endpoint{*r->address, config_.port};
    log::info(log::Topic::Ovpn, "ovpn-client {}: {} is {}", config_.name, config_.connect_host,
              net::to_string(*r->address));
    connect_attempt(now_ms);
}

void ClientLink::connect_attempt(uint64_t now_ms) {
    if (config_.tcp) {
        dial(now_ms); // the Client starts once the stream is open
        return;
    }
    new_client(now_ms);
    if (!client_) return; // the attempt failed (its wrapping keys)
    log::info(log::Topic::Ovpn, "ovpn-client {}: connecting to {} from UDP port {}", config_.name,
              server_.to_string(), local_port_);
    send_all(now_ms);
}

void ClientLink::new_client(uint64_t now_ms) {
    ClientSettings s;
    s.tls = tls_;
    s.user = config_.user;
    s.password = config_.password;
    s.ciphers = config_.ciphers;
    s.auth = config_.auth;
    s.tcp = config_.tcp;
    // The key files are read at every attempt, so a replaced key takes effect on the next one.
    auto wrap = load_client_wrap_keys(config_);
    if (!wrap.ok()) {
        drop(wrap.message(), now_ms);
        return;
    }
    s.tls_auth = wrap->tls_auth;
    s.tls_crypt = wrap->tls_crypt;
    s.tls_crypt_v2_wkc = wrap->tls_crypt_v2_wkc;
    client_ = std::make_unique<Client>(std::move(s), now_ms);
}

void ClientLink::send_all(uint64_t now_ms) {
    if (!client_) return;
    for (auto& d : client_->poll(now_ms))
        wdp_.send(owner_, server_, d); // framed onto the stream when the link is TCP
    if (StreamLink* link = config_.tcp ? wdp_.streams().find(server_) : nullptr)
        wdp_.streams().pump(*link);
}

void ClientLink::on_datagram(const Endpoint& from, WorkerId worker, uint32_t local_ip_be,
                             dp::PortId port, ByteSpan datagram, uint64_t now_ms) {
    if (!client_ || !(from == server_)) return;
    wdp_.note_local(from, local_ip_be, port);
    // The worker that receives the server's packets owns the session (RSS keeps it stable).
    if (!session_id_) owner_ = worker;
    client_->receive(datagram, now_ms);
    on_timer(now_ms);
}

void ClientLink::on_timer(uint64_t now_ms) {
    switch (state_) {
    case LinkState::Disabled:
        return;
    case LinkState::Waiting:
        if (now_ms >= retry_at_ms_) start_attempt(now_ms);
        return;
    case LinkState::Connecting:
    case LinkState::Connected:
        break;
    }
    if (resolver_) {
        poll_resolver(now_ms);
        return;
    }
    if (!client_) { // TCP: still dialling
        if (now_ms - dial_started_ms_ > dial_timeout_ms)
            drop("TCP: no connection to " + server_.to_string() + " within " +
                     std::to_string(dial_timeout_ms / 1000) + " s",
                 now_ms);
        return;
    }
    send_all(now_ms);
    if (client_->phase() == ClientPhase::Failed) {
        drop(client_->failure(), now_ms);
        return;
    }
    if (state_ == LinkState::Connecting && client_->phase() == ClientPhase::Connected) {
        publish(now_ms);
        if (state_ != LinkState::Connected) return;
    }
    if (state_ != LinkState::Connected) return;
    install_keys();
    wdp_.tick(now_ms);
    uint32_t timeout_s = config_.keepalive_timeout_s ? config_.keepalive_timeout_s
                                                     : client_->pushed().ping_restart_s;
    if (timeout_s != 0 && session_id_) {
        auto a = wdp_.activity(*session_id_);
        uint64_t last = std::max(connected_ms_, a ? a->last_rx_ms : 0);
        if (now_ms > last && now_ms - last > uint64_t{timeout_s} * 1000)
            drop("ping-restart: nothing from the server for " + std::to_string(timeout_s) + " s",
                 now_ms);
    }
}

void ClientLink::publish(uint64_t now_ms) {
    const PushedConfig& p = client_->pushed();
    PeerSpec spec;
    spec.data_v2 = p.peer_id.has_value();
    if (p.peer_id) {
        if (!wdp_.reserve_peer_id(*p.peer_id)) {
            drop("the pushed peer-id " + std::to_string(*p.peer_id) +
                     " is in use by another session on this appliance",
                 now_ms);
            return;
        }
        spec.peer_id = *p.peer_id;
    } else { // DATA_V1: any free id, from the top of the table
        uint32_t id = wdp_.peer_id_limit();
        while (id > 0 && !wdp_.reserve_peer_id(id - 1))
            --id;
        if (id == 0) {
            drop("no free session id", now_ms);
            return;
        }
        spec.peer_id = id - 1;
    }
    spec.owner_worker = owner_;
    spec.endpoint = server_;
    spec.tunnel_address = p.remote_address;
    spec.local_address = p.local_address;
    routes_ = static_routes_;
    if (!config_.route_nopull)
        for (auto& r : p.routes)
            if (std::find(routes_.begin(), routes_.end(), r) == routes_.end() &&
                !(r.length == 32 && r.address == p.remote_address))
                routes_.push_back(r);
    // A pushed redirect-gateway asks for what add_default_route does; route_nopull refuses it,
    // as it refuses the pushed routes (the stock client's --route-nopull does the same).
    const bool pushed_default = p.redirect_gateway && !config_.route_nopull;
    if (config_.add_default_route || pushed_default) {
        auto pinned = pin_server_route(dp_.routes(), server_.address);
        if (!pinned.ok()) {
            drop(std::string(config_.add_default_route ? "add_default_route"
                                                       : "pushed redirect-gateway") +
                     ": " + pinned.message(),
                 now_ms);
            return;
        }
        server_route_ = *pinned;
        for (auto& r : default_route_halves())
            if (std::find(routes_.begin(), routes_.end(), r) == routes_.end()) routes_.push_back(r);
    }
    spec.routes.clear();
    for (auto& r : routes_)
        spec.routes.push_back({r, 1, std::nullopt});
    spec.tun_mtu = p.tun_mtu.value_or(1500);
    spec.mss_clamp = 1;
    spec.keepalive_ping_s = p.ping_s;
    spec.user = config_.name;
    if (auto st = wdp_.add_peer(spec); !st.ok()) {
        wdp_.release_peer_id(spec.peer_id);
        if (server_route_) unpin_server_route(dp_.routes(), *server_route_);
        server_route_.reset();
        drop("publishing the session: " + st.message(), now_ms);
        return;
    }
    session_id_ = spec.peer_id;
    state_ = LinkState::Connected;
    connected_ms_ = now_ms;
    attempts_ = 0;
    backoff_ms_ = backoff_min_ms;
    last_error_.clear();
    install_keys();
    std::string routes;
    for (auto& r : routes_)
        routes += (routes.empty() ? "" : " ") + net::to_string(r);
    log::info(log::Topic::Ovpn,
              "ovpn-client {}: connected, {} <-> {}, {}, peer-id {}, routes: {}{}", config_.name,
              net::to_string(p.local_address), net::to_string(p.remote_address),
              client_->encoding(), spec.peer_id, routes.empty() ? "none" : routes,
              config_.route_nopull && (!p.routes.empty() || p.redirect_gateway)
                  ? " (pushed routes not pulled)"
              : pushed_default && !config_.add_default_route ? " (default pushed by the server)"
                                                             : "");
}

void ClientLink::install_keys() {
    if (!session_id_) return;
    for (const DataKeys& k : client_->take_keys()) {
        // At most two keys per peer: the lame duck goes before the new one comes.
        while (installed_keys_.size() >= 2) {
            wdp_.remove_key(*session_id_, installed_keys_.front());
            installed_keys_.erase(installed_keys_.begin());
        }
        if (auto st = wdp_.add_key(*session_id_, as_local(k)); !st.ok()) {
            log::warning(log::Topic::Ovpn, "ovpn-client {}: installing key {}: {}", config_.name,
                         k.key_id, st.message());
            continue;
        }
        std::erase(installed_keys_, k.key_id);
        installed_keys_.push_back(k.key_id);
        wdp_.set_tx_key(*session_id_, k.key_id);
    }
}

void ClientLink::withdraw() {
    if (session_id_) {
        wdp_.remove_peer(*session_id_);
        session_id_.reset();
    }
    installed_keys_.clear();
    routes_.clear();
    if (server_route_) unpin_server_route(dp_.routes(), *server_route_);
    server_route_.reset();
}

void ClientLink::drop(std::string reason, uint64_t now_ms) {
    bool was_connected = state_ == LinkState::Connected;
    // TCP under RSS: a dial that never opened may have dialled from the wrong worker.
    if (config_.tcp && !stream_open_ && dp_.worker_count() > 1)
        owner_ = static_cast<WorkerId>((owner_ + 1) % dp_.worker_count());
    withdraw();
    end_stream(false);
    client_.reset();
    resolver_.reset();
    last_error_ = std::move(reason);
    ++attempts_;
    state_ = LinkState::Waiting;
    retry_at_ms_ = now_ms + backoff_ms_;
    log::warning(log::Topic::Ovpn, "ovpn-client {}: {}{}; next attempt in {} s", config_.name,
                 was_connected ? "link down: " : "", last_error_, backoff_ms_ / 1000);
    backoff_ms_ = std::min(backoff_ms_ * 2, backoff_max_ms);
}

void ClientLink::stop(uint64_t now_ms) {
    if (client_ && state_ == LinkState::Connected) {
        client_->send_exit();
        send_all(now_ms);
    }
    withdraw();
    end_stream(true);
    client_.reset();
    resolver_.reset();
    state_ = LinkState::Disabled;
}

LinkInfo ClientLink::info(uint64_t now_ms) const {
    LinkInfo i;
    i.name = config_.name;
    i.state = std::string(to_string(state_));
    if (state_ == LinkState::Connecting && client_)
        i.state += " (" + std::string(to_string(client_->phase())) + ")";
    else if (state_ == LinkState::Connecting && resolver_)
        i.state += " (resolving)";
    else if (state_ == LinkState::Connecting)
        i.state += " (tcp)";
    i.server = server_.to_string();
    if (!config_.connect_host.empty())
        i.server = config_.connect_host + " (" +
                   (server_.address ? i.server : "unresolved:" + std::to_string(config_.port)) +
                   ")";
    i.local_port = local_port_;
    i.last_error = last_error_;
    i.attempts = attempts_;
    if (state_ == LinkState::Waiting)
        i.retry_in_ms = retry_at_ms_ > now_ms ? retry_at_ms_ - now_ms : 0;
    if (state_ == LinkState::Connected && client_) {
        i.local_address = client_->pushed().local_address;
        i.remote_address = client_->pushed().remote_address;
        i.uptime_s = (now_ms - connected_ms_) / 1000;
        i.encoding = client_->encoding();
        i.peer_id = session_id_;
        i.routes = routes_;
        if (auto a = session_id_ ? wdp_.activity(*session_id_) : std::nullopt) {
            i.rx_packets = a->rx_packets;
            i.rx_bytes = a->rx_bytes;
            i.tx_packets = a->tx_packets;
            i.tx_bytes = a->tx_bytes;
        }
    }
    return i;
}

} // namespace vp::ovpn
