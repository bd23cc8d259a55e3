// The SSTP service's stream plumbing and management; the protocol is in connection.cpp.
#include "control/sstp/sstp_service.hpp"

#include "base/log.hpp"
#include "control/mbuf_chain.hpp"
#include "control/sstp/record_handover.hpp"
#include "control/sstp/session_spec.hpp"
#include "control/tls/key_export.hpp"
#include "dataplane/sstp/sstp_session.hpp"
#include "dataplane/tcp/connection.hpp"

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <chrono>

namespace vp::ctl {

using log::Topic;

namespace {

constexpr size_t chain_bytes = 64 * 1024; // one chain in flight per connection
// Ciphertext waiting for the engine beyond which packets for the client are dropped: TCP's own
// backpressure (a slow client, a full send buffer) must not grow the control plane's memory.
constexpr size_t max_backlog_bytes = 512 * 1024;
// How often the grants' limits are checked (as OpenVPN's timer does).
constexpr uint64_t limits_interval_ms = 100;

Result<std::shared_ptr<const sstp::ConnectionSetup>> make_setup(const ServicesConfig& services) {
    const sstp::ServerConfig& c = services.sstp;
    auto creds = sstp_credentials(services);
    if (!creds.ok()) return creds.error();
    int der_len = i2d_X509(creds->certificate.get(), nullptr);
    if (der_len <= 0) return make_error("sstp_server: cannot encode the certificate");
    Bytes der(static_cast<size_t>(der_len));
    uint8_t* p = der.data();
    i2d_X509(creds->certificate.get(), &p);
    auto hashes = sstp::cert_hashes(der);
    if (!hashes.ok()) return make_error("sstp_server: " + hashes.message());
    auto ctx = tls::Context::server(*creds, sstp::tls_policy(c));
    if (!ctx.ok()) return make_error("sstp_server: " + ctx.message());
    // No tickets, no renegotiation: what the record hand-over to the workers will need.
    if (auto st = tls::configure_for_offload((*ctx)->native()); !st.ok())
        return make_error("sstp_server: " + st.message());
    auto setup = std::make_shared<sstp::ConnectionSetup>();
    setup->tls = *ctx;
    setup->cert = *hashes;
    setup->ppp.role = ppp::Role::Server;
    setup->ppp.mru = c.max_mru;
    setup->ppp.mtu = c.max_mtu;
    setup->ppp.auth_methods = c.authentication;
    // keepalive_timeout "disabled": a day between hellos.
    setup->timers.hello =
        std::chrono::seconds(c.keepalive_timeout_s ? c.keepalive_timeout_s : 86400);
    setup->default_profile = c.default_profile;
    return std::shared_ptr<const sstp::ConnectionSetup>(std::move(setup));
}

void add_counters(sstp::ConnectionCounters& to, const sstp::ConnectionCounters& c) {
    to.ip_frames_not_forwarded += c.ip_frames_not_forwarded;
    to.ipv6_frames_dropped += c.ipv6_frames_dropped;
    to.ip_frames_from_client += c.ip_frames_from_client;
    to.ip_frames_to_client += c.ip_frames_to_client;
    to.ip_frames_to_client_dropped += c.ip_frames_to_client_dropped;
    to.tls_close_notify += c.tls_close_notify;
    to.tls_errors += c.tls_errors;
    to.worker_record_failures += c.worker_record_failures;
}

} // namespace

sstp::ConnectionCounters SstpService::connection_counters() const {
    sstp::ConnectionCounters total = closed_;
    for (const auto& [handle, s] : streams_)
        add_counters(total, s.conn->counters());
    return total;
}

std::vector<dp::TcpSettings::Listener>
SstpService::listeners(const config::ApplianceConfig& config) {
    bool enabled = false;
    int port = 443;
    if (!config.raw) return {};
    config.raw->lookupValue("sstp_server.enabled", enabled);
    config.raw->lookupValue("sstp_server.port", port);
    if (!enabled) return {};
    // One record at a time until the hand-over (TcpPuntResume / TcpPuntRelease).
    return {{static_cast<uint16_t>(port),
             tcp::ConsumerKind::Punt,
             {tcp::PuntFraming::TlsRecords, /*stepwise=*/true}}};
}

SstpService::~SstpService() {
    for (auto& [h, s] : streams_)
        rte_pktmbuf_free(s.refused);
}

Status SstpService::configure(const ServicesConfig& services, uint64_t now_ms) {
    // Built before anything changes: a failure keeps the running setup.
    std::shared_ptr<const sstp::ConnectionSetup> setup;
    if (services.sstp.enabled) {
        auto made = make_setup(services);
        if (!made.ok()) return made.error();
        setup = *made;
        log::info(Topic::Sstp, "SSTP server on TCP port {} (certificate '{}')", services.sstp.port,
                  services.sstp.certificate);
    }
    if (auto st = configure_links(services, now_ms); !st.ok()) return st;
    config_ = services.sstp;
    setup_ = std::move(setup);
    return {};
}

void SstpService::negotiated(Stream& s) {
    if (!s.negotiating) return;
    s.negotiating = false;
    --handshaking_;
    auto it = by_source_.find(s.source);
    if (it != by_source_.end() && --it->second == 0) by_source_.erase(it);
}

ServiceBindings SstpService::bindings() const {
    ServiceBindings b;
    if (config_.enabled) b.tcp_ports.push_back(config_.port);
    for (auto& l : links_)
        b.tcp_ports.push_back(l->local_port()); // the link's stream events
    if (config_.enabled || !links_.empty()) b.session_kinds.push_back(dp::SessionKind::Sstp);
    return b;
}

void SstpService::inject(uint64_t handle, Stream& s, dp::InjectAction action, rte_mbuf* m) {
    dp::InjectEntry e{m, action, 0, {.tcp = {handle, s.port}}};
    if (!dp_.inject(e, s.worker) && action == dp::InjectAction::TcpSend) {
        // The inject ring is full: the stream cannot go on in order.
        s.in_flight = false;
        s.pending.clear();
        s.close_sent = true;
    }
}

SstpService::Traffic SstpService::traffic(const Stream& s) const {
    const dp::Session* d = publisher_.find(s.session);
    if (!d) return s.last;
    Traffic t;
    t.rx_packets = d->counters.rx_packets.get();
    t.rx_bytes = d->counters.rx_bytes.get();
    t.tx_packets = d->counters.tx_packets.get();
    t.tx_bytes = d->counters.tx_bytes.get();
    if (d->meter) {
        t.rate_dropped_rx = d->meter->rx_dropped.get();
        t.rate_dropped_tx = d->meter->tx_dropped.get();
    }
    return t;
}

void SstpService::retire(Stream& s) {
    if (s.session == dp::no_session) return;
    s.last = traffic(s); // for the history and the limits' last word
    publisher_.retire(s.session);
    s.worker_records = nullptr; // freed after the workers' grace period
    s.key_update.reset();
    by_session_.erase(s.session);
    s.session = dp::no_session;
    s.conn->set_forwarding(false);
}

bool SstpService::publish(uint64_t handle, Stream& s,
                          std::unique_ptr<dp::sstp::RecordLayer> records) {
    sstp::Connection& c = *s.conn;
    auto id = publisher_.allocate_id();
    Status st = id.ok() ? Status{} : id.error();
    if (st.ok()) {
        auto session = std::make_unique<dp::SstpSession>(*id, s.worker, handle);
        session->records = std::move(records);
        st = publisher_.publish(std::move(session), sstp::session_spec(c, s.wan_port));
        if (!st.ok()) publisher_.release_id(*id);
    }
    if (!st.ok()) {
        ++data_.publish_failed;
        log::warning(Topic::Sstp, "sstp session {} ({}): cannot reach the workers: {}", s.id,
                     c.user(), st.message());
        c.disconnect(now_ms_);
        return false;
    }
    ++data_.published;
    s.session = *id;
    by_session_[*id] = handle;
    c.set_forwarding(true);
    return true;
}

bool SstpService::supply_next_keys(Stream& s, uint16_t which) {
    if (!s.key_update || !s.worker_records) return false;
    auto st =
        sstp::supply_next_keys(*s.worker_records, *s.key_update, sstp::TlsRole::Server, which);
    if (!st.ok())
        // Without a next key the worker ends the call at the client's next KeyUpdate (counted
        // there as sstp_key_update).
        log::warning(Topic::Sstp, "sstp session {}: no next TLS key after a KeyUpdate: {}", s.id,
                     st.message());
    return st.ok();
}

void SstpService::hand_over(uint64_t handle, Stream& s) {
    sstp::Connection& c = *s.conn;
    std::unique_ptr<dp::sstp::RecordLayer> records;
    auto keys = c.handover_keys();
    if (!keys.ok()) {
        ++data_.handover_refused_suite;
        log::info(Topic::Sstp, "sstp session {} ({}): record layer stays here: {}", s.id, c.user(),
                  keys.message());
    } else if (crypto::is_tls12_cbc(keys->suite)) {
        // CBC stays with OpenSSL (docs/sstp.md): the first stage's path.
        ++data_.handover_refused_cbc;
        log::info(Topic::Sstp, "sstp session {} ({}): record layer stays here: CBC suite {}", s.id,
                  c.user(), keys->suite_name);
    } else {
        auto w = sstp::make_worker_records(*keys, sstp::TlsRole::Server);
        if (w.ok()) {
            records = std::move(w->layer);
            s.key_update = std::move(w->key_update);
            if (s.key_update) s.worker_records = records.get();
        } else {
            ++data_.handover_refused_suite;
            log::info(Topic::Sstp, "sstp session {} ({}): record layer stays here: {}", s.id,
                      c.user(), w.message());
        }
    }
    bool handed = records != nullptr;
    uint64_t seq_in = handed ? keys->client_write.seq : 0;
    uint64_t seq_out = handed ? keys->server_write.seq : 0;
    if (!publish(handle, s, std::move(records))) handed = false;
    dp::InjectEntry e{nullptr,
                      dp::InjectAction::TcpPuntRelease,
                      0,
                      {.tcp = {handle, s.port, handed ? s.session : dp::no_session}}};
    if (!dp_.inject(e, s.worker)) {
        // The stream stays paused: nothing can go on in order.
        log::warning(Topic::Sstp, "sstp session {}: inject ring full at the hand-over", s.id);
        c.record_failed("inject ring full at the hand-over");
    }
    s.resume_owed = false;
    if (!handed) {
        s.records = Stream::Records::Released;
        return;
    }
    s.records = Stream::Records::HandedOver;
    c.set_offloaded();
    ++data_.handovers;
    log::info(
        Topic::Sstp,
        "sstp session {} ({}): record layer handed to worker {} ({}, next records in {} out {})",
        s.id, c.user(), s.worker, keys->suite_name, seq_in, seq_out);
}

void SstpService::sync_data(uint64_t handle, Stream& s) {
    sstp::Connection& c = *s.conn;
    if (s.records == Stream::Records::HandedOver) {
        // The worker is the record layer: the session stays until the stream ends, so that the
        // connection's last control packets (Call Disconnect, Abort) can still be sealed.
        for (Bytes& packet : c.take_control_packets()) {
            rte_mbuf* m = rte_pktmbuf_alloc(dp_.pool());
            char* p = m && packet.size() <= UINT16_MAX
                          ? rte_pktmbuf_append(m, static_cast<uint16_t>(packet.size()))
                          : nullptr;
            if (!p) {
                rte_pktmbuf_free(m);
                ++data_.control_to_worker_failed;
                continue;
            }
            std::copy(packet.begin(), packet.end(), reinterpret_cast<uint8_t*>(p));
            dp::InjectEntry e{
                m, dp::InjectAction::SessionControl, s.wan_port, {.session = s.session}};
            if (dp_.inject(e, s.worker))
                ++data_.control_to_worker;
            else
                ++data_.control_to_worker_failed;
        }
        return;
    }
    if (s.session != dp::no_session && !c.ready_for_data()) retire(s);
    if (s.records == Stream::Records::Released && s.session == dp::no_session &&
        c.ready_for_data() && !s.close_sent)
        publish(handle, s, nullptr);
    for (Bytes& packet : c.take_ip_packets()) {
        rte_mbuf* m = s.session == dp::no_session ? nullptr : rte_pktmbuf_alloc(dp_.pool());
        auto* p =
            m ? rte_pktmbuf_append(m, static_cast<uint16_t>(sizeof(rte_ether_hdr) + packet.size()))
              : nullptr;
        if (!p || packet.size() > UINT16_MAX - sizeof(rte_ether_hdr)) {
            rte_pktmbuf_free(m);
            ++data_.inject_failed;
            continue;
        }
        std::copy(packet.begin(), packet.end(),
                  reinterpret_cast<uint8_t*>(p) + sizeof(rte_ether_hdr));
        dp::InjectEntry e{m, dp::InjectAction::SessionInput, s.wan_port, {.session = s.session}};
        if (dp_.inject(e, s.worker))
            ++data_.injected;
        else
            ++data_.inject_failed; // the ring freed the mbuf
    }
}

void SstpService::on_outbound(const dp::PuntEntry& e) {
    rte_mbuf* m = e.mbuf;
    auto it = by_session_.find(e.payload.session_event.session);
    auto st = it == by_session_.end() ? streams_.end() : streams_.find(it->second);
    if (st == streams_.end()) {
        ++data_.outbound_no_session;
        rte_pktmbuf_free(m);
        return;
    }
    if (!m || rte_pktmbuf_pkt_len(m) <= sizeof(rte_ether_hdr)) {
        ++data_.outbound_bad_packet;
        rte_pktmbuf_free(m);
        return;
    }
    Bytes packet(rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr));
    const void* p = rte_pktmbuf_read(m, sizeof(rte_ether_hdr), static_cast<uint32_t>(packet.size()),
                                     packet.data());
    if (p != packet.data())
        std::copy_n(static_cast<const uint8_t*>(p), packet.size(), packet.begin());
    rte_pktmbuf_free(m);
    if (st->second.pending.size() > max_backlog_bytes) {
        ++data_.outbound_backlog_full;
        return;
    }
    ++data_.outbound_sealed;
    st->second.conn->send_ip(packet);
    pump(st->first, st->second);
}

void SstpService::pump(uint64_t handle, Stream& s) {
    sync_data(handle, s);
    if (s.negotiating && s.conn->up_since_ms()) negotiated(s);
    Bytes more = s.conn->take_output();
    s.pending.insert(s.pending.end(), more.begin(), more.end());
    bool stepwise = s.records == Stream::Records::Stepwise && !s.close_sent;
    if (stepwise && s.resume_owed && !s.conn->ready_for_data() && !s.conn->done()) {
        // OpenSSL has taken the record punted last: the next one.
        s.resume_owed = false;
        s.resumed = true;
        dp::InjectEntry e{nullptr, dp::InjectAction::TcpPuntResume, 0, {.tcp = {handle, s.port}}};
        dp_.inject(e, s.worker);
    }
    if (s.close_sent || s.in_flight || s.waiting_writable) return;
    rte_mbuf* m = s.refused;
    s.refused = nullptr;
    if (!m && !s.pending.empty()) {
        size_t taken = 0;
        m = copy_to_chain(dp_.pool(), s.pending, chain_bytes, taken);
        s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<ptrdiff_t>(taken));
    }
    if (m) {
        s.in_flight = true;
        inject(handle, s, dp::InjectAction::TcpSend, m);
        return;
    }
    if (s.conn->done() && s.pending.empty()) {
        inject(handle, s, dp::InjectAction::TcpClose, nullptr);
        s.close_sent = true;
        // A handed-over session stays published until the stream's Closed event: the worker
        // may still have the connection's last control packets to seal.
        return;
    }
    // (Not while a resume is out: the engine may be punting a record OpenSSL must see first.)
    if (stepwise && !s.resumed && s.conn->ready_for_data()) {
        // The record that made the call ready was the last one OpenSSL takes (the stream stays
        // paused), and everything OpenSSL wrote is on the stream: the worker's turn.
        hand_over(handle, s);
        pump(handle, s);
    }
}

void SstpService::on_punt(const dp::PuntEntry& e, uint64_t now_ms) {
    now_ms_ = now_ms;
    if (e.reason == dp::PuntReason::SessionEvent) {
        if (sstp::ClientLink* l = link_of_session(e.payload.session_event.session)) {
            if (e.payload.session_event.event == static_cast<uint32_t>(dp::SstpEvent::Outbound))
                l->on_outbound(e.mbuf, now_ms);
            else
                l->on_session_event(e, now_ms);
            return;
        }
        if (e.payload.session_event.event == static_cast<uint32_t>(dp::SstpEvent::Outbound))
            on_outbound(e);
        else
            on_worker_event(e);
        return;
    }
    if (sstp::ClientLink* l = link_of_port(e.payload.tcp_stream.listen_port)) {
        l->on_stream(e, now_ms);
        return;
    }
    uint64_t handle = e.payload.tcp_stream.conn;
    auto event = e.payload.tcp_stream.event;
    if (event == dp::TcpEvent::Opened) {
        if (!setup_) {
            dp::InjectEntry close{nullptr,
                                  dp::InjectAction::TcpClose,
                                  0,
                                  {.tcp = {handle, e.payload.tcp_stream.listen_port}}};
            dp_.inject(close, e.worker);
            return;
        }
        // The client's FlowKey (stream protocols' Opened events).
        uint32_t source = 0;
        if (e.mbuf && rte_pktmbuf_data_len(e.mbuf) >= sizeof(tcp::FlowKey))
            source = rte_pktmbuf_mtod(e.mbuf, const tcp::FlowKey*)->remote_ip;
        rte_pktmbuf_free(e.mbuf);
        // A flood of connections that never finish negotiating holds OpenSSL state each: bounded
        // in all and per source; beyond that a new connection is closed before TLS starts.
        uint32_t& from_source = by_source_[source];
        if (handshaking_ >= config_.max_handshakes ||
            from_source >= config_.max_handshakes_per_source) {
            ++(handshaking_ >= config_.max_handshakes ? data_.handshakes_refused
                                                      : data_.handshakes_refused_source);
            if (from_source == 0) by_source_.erase(source);
            dp::InjectEntry close{nullptr,
                                  dp::InjectAction::TcpClose,
                                  0,
                                  {.tcp = {handle, e.payload.tcp_stream.listen_port}}};
            dp_.inject(close, e.worker);
            return;
        }
        ++from_source;
        ++handshaking_;
        ++data_.handshakes_started;
        Stream s;
        s.source = source;
        s.id = next_id_++;
        s.worker = e.worker;
        s.port = e.payload.tcp_stream.listen_port;
        s.wan_port = e.port;
        // The engine's events do not carry the peer's address yet: the stream's id stands in.
        s.conn = std::make_unique<sstp::Connection>(setup_, aaa_, "stream-" + std::to_string(s.id),
                                                    now_ms);
        streams_.emplace(handle, std::move(s));
        return;
    }
    auto it = streams_.find(handle);
    if (it == streams_.end()) {
        rte_pktmbuf_free(e.mbuf);
        return;
    }
    Stream& s = it->second;
    switch (event) {
    case dp::TcpEvent::Data:
        for (rte_mbuf* seg = e.mbuf; seg; seg = seg->next)
            s.conn->on_data({rte_pktmbuf_mtod(seg, const uint8_t*), seg->data_len}, now_ms);
        rte_pktmbuf_free(e.mbuf);
        if (s.records == Stream::Records::Stepwise) {
            s.resume_owed = true;
            s.resumed = false;
        }
        break;
    case dp::TcpEvent::PeerClosed:
        s.conn->peer_closed();
        break;
    case dp::TcpEvent::Sent:
        s.in_flight = false;
        break;
    case dp::TcpEvent::SendRefused:
        s.in_flight = false;
        s.refused = e.mbuf;
        s.waiting_writable = true;
        break;
    case dp::TcpEvent::Writable:
        s.waiting_writable = false;
        break;
    case dp::TcpEvent::Closed:
        negotiated(s);
        // Destroying the connection ends PPP and gives the address back to its pool.
        retire(s);
        if (s.conn->up_since_ms()) {
            ended_.push_back(listed(s, now_ms));
            if (ended_.size() > kEndedKept) ended_.pop_front();
        }
        add_counters(closed_, s.conn->counters());
        rte_pktmbuf_free(s.refused);
        streams_.erase(it);
        return;
    default:
        break;
    }
    pump(handle, s);
}

void SstpService::on_worker_event(const dp::PuntEntry& e) {
    uint32_t code = e.payload.session_event.event;
    auto it = by_session_.find(e.payload.session_event.session);
    auto st = it == by_session_.end() ? streams_.end() : streams_.find(it->second);
    if (st == streams_.end()) {
        rte_pktmbuf_free(e.mbuf);
        return;
    }
    Stream& s = st->second;
    switch (static_cast<dp::SstpEvent>(code & 0xFFFF)) {
    case dp::SstpEvent::Control:
        if (e.mbuf) {
            Bytes packet(rte_pktmbuf_pkt_len(e.mbuf));
            const void* p =
                rte_pktmbuf_read(e.mbuf, 0, static_cast<uint32_t>(packet.size()), packet.data());
            if (p && p != packet.data())
                std::copy_n(static_cast<const uint8_t*>(p), packet.size(), packet.begin());
            ++data_.control_from_worker;
            s.conn->on_opened_packet(packet, now_ms_);
        }
        break;
    case dp::SstpEvent::RecordFailed: {
        auto why = static_cast<dp::sstp::RecordError>(code >> 16);
        bool close_notify = why == dp::sstp::RecordError::CloseNotify;
        if (!close_notify) ++data_.worker_record_failures;
        s.conn->record_failed(dp::sstp::to_string(why), close_notify);
        break;
    }
    case dp::SstpEvent::KeyUpdated:
        if (supply_next_keys(s, static_cast<uint16_t>(code >> 16)))
            ++data_.key_updates;
        else
            ++data_.key_update_failed;
        break;
    default:
        break;
    }
    rte_pktmbuf_free(e.mbuf);
    pump(st->first, s);
}

void SstpService::add_policy(dp::WorkerPolicy& policy) const {
    // The workers' SSTP stage takes the records of streams handed over on this port.
    if (config_.enabled && setup_) policy.sstp_tcp_port = config_.port;
    // The links' local ports (61300 + index) need no entry: the workers' local stage gives the
    // TCP engine the whole SSTP link port range (dataplane/tcp/client_ports.hpp).
}

void SstpService::check_limits(uint64_t now_ms) {
    if (now_ms < next_limits_ms_) return;
    next_limits_ms_ = now_ms + limits_interval_ms;
    for (auto& [handle, s] : streams_) {
        if (!s.conn->ip_up()) continue;
        Traffic t = traffic(s);
        s.conn->check_limits({t.rx_packets, t.rx_bytes, t.tx_bytes}, now_ms);
    }
}

void SstpService::on_timer(uint64_t now_ms) {
    now_ms_ = now_ms;
    check_limits(now_ms); // a call it ends goes out with the pump below
    if (!links_.empty() && now_ms >= next_link_timer_ms_) {
        next_link_timer_ms_ = now_ms + 50;
        for (auto& l : links_)
            l->on_timer(now_ms);
    }
    for (auto& [handle, s] : streams_) {
        if (auto d = s.conn->next_deadline(); d && *d <= now_ms) s.conn->on_timer(now_ms);
        pump(handle, s);
    }
}

ActiveSession SstpService::listed(const Stream& s, uint64_t now_ms) const {
    const sstp::Connection& c = *s.conn;
    ActiveSession a;
    a.id = s.id;
    a.user = c.user();
    a.service = "sstp";
    a.caller = c.caller();
    a.address = c.address();
    a.uptime_s = now_ms > c.up_since_ms() ? (now_ms - c.up_since_ms()) / 1000 : 0;
    a.encoding = c.encoding();
    a.state = c.state();
    Traffic t = traffic(s);
    a.rx_packets = t.rx_packets;
    a.rx_bytes = t.rx_bytes;
    a.tx_packets = t.tx_packets;
    a.tx_bytes = t.tx_bytes;
    a.rate_limit = c.rate_limit();
    aaa::SessionUsage usage{t.rx_packets, t.rx_bytes, t.tx_bytes};
    a.bytes_in_left = c.limits().bytes_in_left(usage);
    a.bytes_out_left = c.limits().bytes_out_left(usage);
    a.rate_dropped_rx = t.rate_dropped_rx;
    a.rate_dropped_tx = t.rate_dropped_tx;
    a.end_reason = c.end_reason();
    return a;
}

std::vector<ActiveSession> SstpService::sessions(uint64_t now_ms) const {
    std::vector<ActiveSession> out;
    for (const auto& [handle, s] : streams_)
        if (s.conn->ip_up()) out.push_back(listed(s, now_ms));
    return out;
}

std::vector<ActiveSession> SstpService::ended_sessions() const {
    return {ended_.begin(), ended_.end()};
}

size_t SstpService::disconnect(const std::string& id_or_user, uint64_t now_ms) {
    size_t n = 0;
    for (auto& [handle, s] : streams_) {
        sstp::Connection& c = *s.conn;
        if (c.done()) continue;
        if (std::to_string(s.id) != id_or_user && (c.user().empty() || c.user() != id_or_user))
            continue;
        c.disconnect(now_ms);
        pump(handle, s);
        ++n;
    }
    return n;
}

Status SstpService::check_reload(const ServicesConfig& next,
                                 std::vector<std::string>& restart) const {
    // The TCP listener is opened when the dataplane starts.
    if (next.sstp.enabled != config_.enabled)
        restart.push_back("sstp_server.enabled");
    else if (next.sstp.enabled && next.sstp.port != config_.port)
        restart.push_back("sstp_server.port");
    // The workers' TCP engine exists only if the dataplane started with a use for it.
    if (!next.sstp_clients.empty() && !dp_.settings().tcp)
        restart.push_back("sstp_clients (a link needs the workers' TCP engine)");
    for (auto& c : next.sstp_clients)
        if (!c.disabled)
            if (auto tls = sstp_client_tls(next, c); !tls.ok())
                return make_error("sstp_clients " + c.name + ": " + tls.message());
    return {};
}

Status SstpService::reload(const ServicesConfig& next, uint64_t now_ms) {
    // New connections use the new setup; live ones keep theirs until they end.
    return configure(next, now_ms);
}

} // namespace vp::ctl
