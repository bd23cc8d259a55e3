// An SSTP client link: dialling, the stream's bytes, the published session, backoff.
#include "control/sstp/client_link.hpp"

#include "base/log.hpp"
#include "control/mbuf_chain.hpp"
#include "dataplane/sstp/sstp_session.hpp"
#include "dataplane/tcp/stream_types.hpp"

#include <openssl/rand.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>

namespace vp::sstp {

using log::Topic;

namespace {
constexpr size_t chain_bytes = 64 * 1024; // one chain in flight
// Ciphertext waiting for the engine beyond which LAN packets for the server are dropped.
constexpr size_t max_backlog_bytes = 512 * 1024;

std::string new_correlation_id() {
    std::array<uint8_t, 16> r{};
    if (RAND_bytes(r.data(), static_cast<int>(r.size())) != 1) r.fill(0x5a);
    char text[40];
    std::snprintf(text, sizeof text,
                  "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", r[0],
                  r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
                  r[14], r[15]);
    return text;
}
} // namespace

ClientLink::ClientLink(ClientLinkConfig config, uint16_t local_port, dp::Dataplane& dataplane,
                       dp::SessionPublisher& publisher, std::shared_ptr<const tls::Context> tls,
                       std::vector<net::Ipv4Prefix> routes, uint64_t now_ms)
    : config_(std::move(config)), local_port_(local_port), dp_(dataplane), publisher_(publisher),
      tls_(std::move(tls)), routes_(std::move(routes)), server_ip_(config_.connect_to) {
    if (!config_.disabled) start_attempt(now_ms);
}

ClientLink::~ClientLink() {
    withdraw();
    end_stream(false);
}

void ClientLink::inject_tcp(dp::InjectAction action, rte_mbuf* m) {
    if (!conn_) {
        rte_pktmbuf_free(m);
        return;
    }
    dp::InjectEntry e{m, action, 0, {.tcp = {*conn_, local_port_, dp::no_session}}};
    if (!dp_.inject(e, owner_) && action == dp::InjectAction::TcpSend) in_flight_ = false;
}

void ClientLink::start_attempt(uint64_t now_ms) {
    if (config_.connect_host.empty()) {
        dial(now_ms);
        return;
    }
    // Resolved again at every attempt: the name may have moved since the last one.
    client_.reset();
    conn_.reset();
    stream_open_ = false;
    state_ = ovpn::LinkState::Connecting;
    dial_started_ms_ = now_ms;
    resolver_ = std::make_unique<ovpn::HostResolver>(config_.connect_host);
    log::info(Topic::Sstp, "sstp-client {}: resolving {}", config_.name, config_.connect_host);
    poll_resolver(now_ms);
}

void ClientLink::poll_resolver(uint64_t now_ms) {
    auto r = resolver_ ? resolver_->outcome() : std::nullopt;
    if (!r) return;
    resolver_.reset();
    if (!r->ok()) return drop(r->message(), now_ms);
    server_ip_ = **r;
    log::info(Topic::Sstp, "sstp-client {}: {} is {}", config_.name, config_.connect_host,
              net::to_string(server_ip_));
    dial(now_ms);
}

void ClientLink::dial(uint64_t now_ms) {
    client_.reset();
    conn_.reset();
    stream_open_ = false;
    pending_.clear();
    in_flight_ = waiting_writable_ = close_sent_ = false;
    records_ = Records::Stepwise;
    resume_owed_ = resumed_ = false;
    state_ = ovpn::LinkState::Connecting;
    dial_started_ms_ = now_ms;
    // From the first WAN port's address (the OpenVPN client links do the same).
    const auto& ports = dp_.ports();
    wan_port_ = 0;
    for (dp::PortId p = 0; p < ports.size(); ++p)
        if (ports[p].settings.role == dp::PortRole::Wan) {
            wan_port_ = p;
            break;
        }
    local_ip_ = rte_be_to_cpu_32(ports[wan_port_].settings.address_be);
    dp::InjectEntry e{nullptr, dp::InjectAction::TcpConnect, 0, {}};
    e.payload.connect = {server_ip_, local_ip_, config_.port, local_port_, local_port_};
    if (owner_ >= dp_.worker_count()) owner_ = 0;
    if (!dp_.inject(e, owner_)) {
        drop("TCP: the worker's inject ring is full", now_ms);
        return;
    }
    log::info(Topic::Sstp, "sstp-client {}: connecting to {}:{} from {}:{} (worker {})",
              config_.name, net::to_string(server_ip_), config_.port, net::to_string(local_ip_),
              local_port_, owner_);
}

void ClientLink::on_stream(const dp::PuntEntry& e, uint64_t now_ms) {
    const auto& ev = e.payload.tcp_stream;
    rte_mbuf* m = e.mbuf;
    if (state_ != ovpn::LinkState::Connecting && state_ != ovpn::LinkState::Connected) {
        if (ev.event == dp::TcpEvent::Connecting && tcp::ConnHandle::unpack(ev.conn).valid()) {
            dp::InjectEntry abort{nullptr, dp::InjectAction::TcpAbort, 0, {}};
            abort.payload.tcp = {ev.conn, local_port_, dp::no_session};
            dp_.inject(abort, e.worker);
        }
        rte_pktmbuf_free(m);
        return;
    }
    if (ev.event == dp::TcpEvent::Connecting) {
        rte_pktmbuf_free(m);
        if (conn_) return; // not ours (a late answer)
        if (!tcp::ConnHandle::unpack(ev.conn).valid()) {
            drop("TCP: the worker could not open a connection from port " +
                     std::to_string(local_port_) + " (the previous one is still closing?)",
                 now_ms);
            return;
        }
        conn_ = ev.conn;
        return;
    }
    if (!conn_ || ev.conn != *conn_) { // an earlier attempt's connection
        rte_pktmbuf_free(m);
        return;
    }
    switch (ev.event) {
    case dp::TcpEvent::Opened:
        rte_pktmbuf_free(m);
        if (stream_open_) return;
        stream_open_ = true;
        {
            ClientProtocolConfig pc;
            // The name when connect_to is one (HTTP Host and SNI, as sstpc sends them).
            pc.host =
                config_.connect_host.empty() ? net::to_string(server_ip_) : config_.connect_host;
            pc.correlation_id = new_correlation_id();
            pc.ppp.mru = config_.max_mru;
            pc.ppp.mtu = config_.max_mtu;
            pc.ppp.auth_methods = config_.authentication;
            pc.ppp.user = config_.user;
            pc.ppp.password = config_.password;
            pc.ppp.request_dns = false; // the appliance has no use for the server's DNS
            // keepalive-timeout "disabled" (0): a day between hellos.
            pc.hello_ms =
                uint64_t{config_.keepalive_timeout_s ? config_.keepalive_timeout_s : 86400} * 1000;
            client_ = std::make_unique<ClientConnection>(tls_, std::move(pc), now_ms);
        }
        log::info(Topic::Sstp, "sstp-client {}: TCP connection open, TLS handshake", config_.name);
        break;
    case dp::TcpEvent::Data:
        if (client_)
            for (rte_mbuf* seg = m; seg; seg = seg->next)
                client_->on_data({rte_pktmbuf_mtod(seg, const uint8_t*), seg->data_len}, now_ms);
        rte_pktmbuf_free(m);
        if (records_ == Records::Stepwise) {
            resume_owed_ = true;
            resumed_ = false;
        }
        break;
    case dp::TcpEvent::PeerClosed:
        rte_pktmbuf_free(m);
        if (client_) client_->peer_closed();
        drop(client_ && !client_->failure().empty() ? client_->failure()
                                                    : "TCP: the server closed the connection",
             now_ms);
        return;
    case dp::TcpEvent::Closed:
        rte_pktmbuf_free(m);
        conn_.reset(); // nothing left to abort
        drop(stream_open_ ? "TCP: the connection was reset"
                          : "TCP: the server refused or did not answer the connection",
             now_ms);
        return;
    case dp::TcpEvent::Sent:
        rte_pktmbuf_free(m);
        in_flight_ = false;
        break;
    case dp::TcpEvent::SendRefused:
        in_flight_ = false;
        rte_pktmbuf_free(refused_);
        refused_ = m;
        waiting_writable_ = true;
        break;
    case dp::TcpEvent::Writable:
        rte_pktmbuf_free(m);
        waiting_writable_ = false;
        break;
    default:
        rte_pktmbuf_free(m);
        break;
    }
    pump(now_ms);
}

void ClientLink::pump(uint64_t now_ms) {
    if (!client_) return;
    if (client_->done()) {
        std::string why = client_->failure();
        drop(why.empty() ? "the server ended the call" : why, now_ms);
        return;
    }
    if (records_ == Records::HandedOver) { // the worker seals what the protocol sends
        send_control();
        return;
    }
    const bool stepwise = records_ == Records::Stepwise;
    if (stepwise && resume_owed_ && !client_->connected()) {
        // OpenSSL has taken the record punted last: the next one.
        resume_owed_ = false;
        resumed_ = true;
        inject_tcp(dp::InjectAction::TcpPuntResume, nullptr);
    }
    if (session_ != dp::no_session) {
        for (Bytes& packet : client_->take_ip_packets()) {
            rte_mbuf* pm = rte_pktmbuf_alloc(dp_.pool());
            char* p = pm && packet.size() <= UINT16_MAX - sizeof(rte_ether_hdr)
                          ? rte_pktmbuf_append(
                                pm, static_cast<uint16_t>(sizeof(rte_ether_hdr) + packet.size()))
                          : nullptr;
            if (!p) {
                rte_pktmbuf_free(pm);
                ++counters_.inject_failed;
                continue;
            }
            std::copy(packet.begin(), packet.end(),
                      reinterpret_cast<uint8_t*>(p) + sizeof(rte_ether_hdr));
            dp::InjectEntry e{pm, dp::InjectAction::SessionInput, wan_port_, {.session = session_}};
            if (dp_.inject(e, owner_)) {
                ++counters_.injected;
                // Counted here: the worker counts what it opens itself, not what is injected.
                ++rx_packets_;
                rx_bytes_ += packet.size();
            } else
                ++counters_.inject_failed; // the ring freed the mbuf
        }
    } else {
        (void)client_->take_ip_packets(); // not connected: nowhere to go
    }
    Bytes more = client_->take_output();
    pending_.insert(pending_.end(), more.begin(), more.end());
    if (!conn_ || !stream_open_ || close_sent_ || in_flight_ || waiting_writable_) return;
    rte_mbuf* m = refused_;
    refused_ = nullptr;
    if (!m && !pending_.empty()) {
        size_t taken = 0;
        m = ctl::copy_to_chain(dp_.pool(), pending_, chain_bytes, taken);
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(taken));
    }
    if (m) {
        in_flight_ = true;
        inject_tcp(dp::InjectAction::TcpSend, m);
        return;
    }
    // (Not while a resume is out: the engine may be punting a record OpenSSL must see first.)
    if (stepwise && !resumed_ && client_->connected() && pending_.empty())
        // The record that connected the call was the last one OpenSSL takes (the stream stays
        // paused), and everything OpenSSL wrote is on the stream: the worker's turn.
        hand_over(now_ms);
}

void ClientLink::hand_over(uint64_t now_ms) {
    std::unique_ptr<dp::sstp::RecordLayer> records;
    std::string refused;
    auto keys = client_->handover_keys();
    if (!keys.ok()) {
        refused = keys.message();
    } else if (crypto::is_tls12_cbc(keys->suite)) {
        refused = "CBC suite " + keys->suite_name; // stays with OpenSSL (docs/sstp.md)
    } else if (auto w = make_worker_records(*keys, TlsRole::Client); w.ok()) {
        records = std::move(w->layer);
        key_update_ = std::move(w->key_update);
    } else {
        refused = w.message();
    }
    dp::sstp::RecordLayer* layer = records.get();
    const bool handed = layer != nullptr;
    if (!publish(now_ms, std::move(records))) {
        key_update_.reset();
        return; // dropped
    }
    dp::InjectEntry e{nullptr,
                      dp::InjectAction::TcpPuntRelease,
                      0,
                      {.tcp = {*conn_, local_port_, handed ? session_ : dp::no_session}}};
    if (!dp_.inject(e, owner_)) { // the stream stays paused: nothing can go on in order
        key_update_.reset();
        drop("the worker's inject ring was full at the record layer's hand-over", now_ms);
        return;
    }
    resume_owed_ = false;
    if (!handed) {
        records_ = Records::Released;
        ++counters_.handover_refused;
        log::info(Topic::Sstp, "sstp-client {}: record layer stays here: {}", config_.name,
                  refused);
        return;
    }
    records_ = Records::HandedOver;
    worker_records_ = key_update_ ? layer : nullptr;
    client_->set_offloaded();
    ++counters_.handovers;
    log::info(Topic::Sstp,
              "sstp-client {}: record layer handed to worker {} ({}, next records in {} out {})",
              config_.name, owner_, encoding_, layer->open_seq(), layer->seal_seq());
}

void ClientLink::send_control() {
    for (Bytes& packet : client_->take_control_packets()) {
        rte_mbuf* m = rte_pktmbuf_alloc(dp_.pool());
        char* p = m && packet.size() <= UINT16_MAX
                      ? rte_pktmbuf_append(m, static_cast<uint16_t>(packet.size()))
                      : nullptr;
        if (!p || session_ == dp::no_session) {
            rte_pktmbuf_free(m);
            ++counters_.control_to_worker_failed;
            continue;
        }
        std::copy(packet.begin(), packet.end(), reinterpret_cast<uint8_t*>(p));
        dp::InjectEntry e{m, dp::InjectAction::SessionControl, wan_port_, {.session = session_}};
        if (dp_.inject(e, owner_))
            ++counters_.control_to_worker;
        else
            ++counters_.control_to_worker_failed; // the ring freed the mbuf
    }
}

void ClientLink::on_session_event(const dp::PuntEntry& e, uint64_t now_ms) {
    const uint32_t code = e.payload.session_event.event;
    if (client_ && records_ == Records::HandedOver) {
        switch (static_cast<dp::SstpEvent>(code & 0xFFFF)) {
        case dp::SstpEvent::Control:
            if (e.mbuf) {
                Bytes packet(rte_pktmbuf_pkt_len(e.mbuf));
                const void* p = rte_pktmbuf_read(e.mbuf, 0, static_cast<uint32_t>(packet.size()),
                                                 packet.data());
                if (p && p != packet.data())
                    std::copy_n(static_cast<const uint8_t*>(p), packet.size(), packet.begin());
                ++counters_.control_from_worker;
                if (p) client_->on_opened_packet(packet, now_ms);
            }
            break;
        case dp::SstpEvent::RecordFailed: {
            auto why = static_cast<dp::sstp::RecordError>(code >> 16);
            bool close_notify = why == dp::sstp::RecordError::CloseNotify;
            if (!close_notify) ++counters_.worker_record_failures;
            client_->record_failed(dp::sstp::to_string(why), close_notify);
            break;
        }
        case dp::SstpEvent::KeyUpdated: {
            Status st = worker_records_ && key_update_
                            ? supply_next_keys(*worker_records_, *key_update_, TlsRole::Client,
                                               static_cast<uint16_t>(code >> 16))
                            : make_error("no TLS 1.3 secrets kept");
            if (st.ok()) {
                ++counters_.key_updates;
            } else {
                // The server's next KeyUpdate ends the call (the worker's sstp_key_update).
                ++counters_.key_update_failed;
                log::warning(Topic::Sstp, "sstp-client {}: no next TLS key after a KeyUpdate: {}",
                             config_.name, st.message());
            }
            break;
        }
        default:
            break;
        }
    }
    rte_pktmbuf_free(e.mbuf);
    pump(now_ms);
}

bool ClientLink::publish(uint64_t now_ms, std::unique_ptr<dp::sstp::RecordLayer> records) {
    const ClientProtocol& p = *client_->protocol();
    auto id = publisher_.allocate_id();
    Status st = id.ok() ? Status{} : id.error();
    if (st.ok()) {
        auto session = std::make_unique<dp::SstpSession>(*id, owner_, *conn_);
        session->records = std::move(records);
        dp::SessionSpec spec;
        spec.wan_port = wan_port_;
        spec.tunnel_ip_be = rte_cpu_to_be_32(p.remote_address());
        spec.tunnel_local_ip_be = rte_cpu_to_be_32(p.local_address());
        spec.mtu = p.mtu();
        spec.clamp_mss = true;
        for (auto& r : routes_)
            spec.routes.push_back({r.network(), r.length});
        st = publisher_.publish(std::move(session), spec);
        if (!st.ok()) publisher_.release_id(*id);
    }
    if (!st.ok()) {
        drop("publishing the session: " + st.message(), now_ms);
        return false;
    }
    session_ = *id;
    state_ = ovpn::LinkState::Connected;
    connected_ms_ = now_ms;
    local_address_ = p.local_address();
    remote_address_ = p.remote_address();
    encoding_ = client_->encoding();
    rx_packets_ = rx_bytes_ = tx_packets_ = tx_bytes_ = 0;
    attempts_ = 0;
    backoff_ms_ = backoff_min_ms;
    last_error_.clear();
    std::string routes;
    for (auto& r : routes_)
        routes += (routes.empty() ? "" : " ") + net::to_string(r);
    log::info(Topic::Sstp, "sstp-client {}: connected, {} <-> {}, {}, routes: {}", config_.name,
              net::to_string(local_address_), net::to_string(remote_address_), encoding_,
              routes.empty() ? "none" : routes);
    return true;
}

void ClientLink::take_traffic() {
    if (session_ == dp::no_session) return;
    if (const dp::Session* d = publisher_.find(session_)) {
        tx_packets_ = d->counters.tx_packets.get();
        tx_bytes_ = d->counters.tx_bytes.get();
        if (records_ == Records::HandedOver) { // the worker counts what it opens
            rx_packets_ = d->counters.rx_packets.get();
            rx_bytes_ = d->counters.rx_bytes.get();
        }
    }
}

void ClientLink::withdraw() {
    if (session_ == dp::no_session) return;
    take_traffic();
    worker_records_ = nullptr; // freed with the session
    key_update_.reset();
    publisher_.retire(session_);
    session_ = dp::no_session;
}

void ClientLink::end_stream(bool graceful) {
    if (conn_) {
        if (graceful && stream_open_ && !close_sent_) {
            Bytes more = client_ ? client_->take_output() : Bytes{};
            pending_.insert(pending_.end(), more.begin(), more.end());
            if (!pending_.empty() && !waiting_writable_) {
                size_t taken = 0;
                rte_mbuf* m = ctl::copy_to_chain(dp_.pool(), pending_, chain_bytes, taken);
                if (m) inject_tcp(dp::InjectAction::TcpSend, m); // the close follows on the ring
            }
            inject_tcp(dp::InjectAction::TcpClose, nullptr);
        } else {
            inject_tcp(dp::InjectAction::TcpAbort, nullptr);
        }
    }
    conn_.reset();
    stream_open_ = false;
    close_sent_ = false;
    in_flight_ = waiting_writable_ = false;
    pending_.clear();
    rte_pktmbuf_free(refused_);
    refused_ = nullptr;
}

void ClientLink::drop(std::string reason, uint64_t now_ms) {
    bool was_connected = state_ == ovpn::LinkState::Connected;
    // Under RSS a dial that never opened may have dialled from the wrong worker.
    if (!stream_open_ && dp_.worker_count() > 1)
        owner_ = static_cast<dp::WorkerId>((owner_ + 1) % dp_.worker_count());
    withdraw();
    end_stream(false);
    client_.reset();
    resolver_.reset();
    last_error_ = std::move(reason);
    ++attempts_;
    state_ = ovpn::LinkState::Waiting;
    retry_at_ms_ = now_ms + backoff_ms_;
    log::warning(Topic::Sstp, "sstp-client {}: {}{}; next attempt in {} s", config_.name,
                 was_connected ? "link down: " : "", last_error_, backoff_ms_ / 1000);
    backoff_ms_ = std::min(backoff_ms_ * 2, backoff_max_ms);
}

void ClientLink::on_outbound(rte_mbuf* m, uint64_t now_ms) {
    if (!m || rte_pktmbuf_pkt_len(m) <= sizeof(rte_ether_hdr)) {
        ++counters_.bad;
        rte_pktmbuf_free(m);
        return;
    }
    if (!client_ || state_ != ovpn::LinkState::Connected || pending_.size() > max_backlog_bytes) {
        ++counters_.backlog_full;
        rte_pktmbuf_free(m);
        return;
    }
    Bytes packet(rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr));
    const void* p = rte_pktmbuf_read(m, sizeof(rte_ether_hdr), static_cast<uint32_t>(packet.size()),
                                     packet.data());
    if (p && p != packet.data())
        std::copy_n(static_cast<const uint8_t*>(p), packet.size(), packet.begin());
    rte_pktmbuf_free(m);
    if (!p) {
        ++counters_.bad;
        return;
    }
    ++counters_.sealed;
    client_->send_ip(packet);
    pump(now_ms);
}

void ClientLink::on_timer(uint64_t now_ms) {
    switch (state_) {
    case ovpn::LinkState::Disabled:
        return;
    case ovpn::LinkState::Waiting:
        if (now_ms >= retry_at_ms_) start_attempt(now_ms);
        return;
    case ovpn::LinkState::Connecting:
    case ovpn::LinkState::Connected:
        break;
    }
    if (resolver_) {
        poll_resolver(now_ms);
        return;
    }
    if (!client_) { // still dialling
        if (now_ms - dial_started_ms_ > dial_timeout_ms)
            drop("TCP: no connection to " + net::to_string(server_ip_) + ":" +
                     std::to_string(config_.port) + " within " +
                     std::to_string(dial_timeout_ms / 1000) + " s",
                 now_ms);
        return;
    }
    if (auto d = client_->next_deadline(); d && *d <= now_ms) client_->on_timer(now_ms);
    pump(now_ms);
}

void ClientLink::stop(uint64_t now_ms) {
    // Handed over: the Call Disconnect goes to the worker ahead of the TcpClose; it is sealed
    // if the worker takes it before the session's retirement reaches it (best effort).
    if (client_ && state_ == ovpn::LinkState::Connected) {
        client_->disconnect(now_ms);
        if (records_ == Records::HandedOver) send_control();
    }
    withdraw();
    end_stream(true);
    client_.reset();
    resolver_.reset();
    state_ = ovpn::LinkState::Disabled;
}

ovpn::LinkInfo ClientLink::info(uint64_t now_ms) const {
    ovpn::LinkInfo i;
    i.name = config_.name;
    i.state = std::string(ovpn::to_string(state_));
    if (state_ == ovpn::LinkState::Connecting)
        i.state += " (" +
                   (client_ ? client_->phase() : std::string(resolver_ ? "resolving" : "tcp")) +
                   ")";
    i.server = net::to_string(server_ip_) + ":" + std::to_string(config_.port);
    if (!config_.connect_host.empty())
        i.server = config_.connect_host + " (" +
                   (server_ip_ ? i.server : "unresolved:" + std::to_string(config_.port)) + ")";
    i.local_port = local_port_;
    i.last_error = last_error_;
    i.attempts = attempts_;
    if (state_ == ovpn::LinkState::Waiting)
        i.retry_in_ms = retry_at_ms_ > now_ms ? retry_at_ms_ - now_ms : 0;
    if (state_ == ovpn::LinkState::Connected) {
        i.local_address = local_address_;
        i.remote_address = remote_address_;
        i.uptime_s = (now_ms - connected_ms_) / 1000;
        i.encoding = encoding_;
        i.routes = routes_;
        i.rx_packets = rx_packets_;
        i.rx_bytes = rx_bytes_;
        if (const dp::Session* d = publisher_.find(session_)) {
            i.tx_packets = d->counters.tx_packets.get();
            i.tx_bytes = d->counters.tx_bytes.get();
            if (records_ == Records::HandedOver) { // the worker counts what it opens
                i.rx_packets = d->counters.rx_packets.get();
                i.rx_bytes = d->counters.rx_bytes.get();
            }
        }
    }
    return i;
}

} // namespace vp::sstp
