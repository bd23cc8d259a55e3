// The connection's stages: TLS handshake -> HTTP request -> SSTP. PPP's events are handled
// before its frames are sent, so the HLAK reaches the control FSM before the CHAP Success that
// lets the client compute its Call Connected (docs/sstp.md: the crypto binding race).
#include "control/sstp/connection.hpp"

#include "base/log.hpp"
#include "control/aaa/values.hpp"
#include "control/ppp/frame.hpp"

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <ctime>

namespace vp::sstp {

using log::Topic;

namespace {

TimePoint at(uint64_t now_ms) {
    return TimePoint{std::chrono::milliseconds(now_ms)};
}

uint64_t ms(TimePoint t) {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

const char* close_text(CloseReason r) {
    switch (r) {
    case CloseReason::AbortSent:
        return "SSTP Call Abort sent";
    case CloseReason::PeerAbort:
        return "the client sent SSTP Call Abort";
    case CloseReason::Disconnected:
        return "SSTP Call Disconnect done";
    case CloseReason::PeerDisconnected:
        return "the client sent SSTP Call Disconnect";
    case CloseReason::HelloTimeout:
        return "the client stopped answering SSTP echo requests";
    case CloseReason::StreamError:
        break;
    }
    return "the SSTP stream cannot be parsed";
}

} // namespace

Connection::Connection(std::shared_ptr<const ConnectionSetup> setup, aaa::Aaa& aaa,
                       std::string caller, uint64_t now_ms)
    : setup_(std::move(setup)), caller_(std::move(caller)),
      aaa_(aaa, caller_, setup_->default_profile), tls_(setup_->tls),
      setup_deadline_ms_(now_ms + static_cast<uint64_t>(setup_->timers.negotiation.count())) {
    if (!tls_.valid()) close("cannot create a TLS session");
}

std::string Connection::who() const {
    return "sstp " + caller_ + (user_.empty() ? "" : " (" + user_ + ")");
}

void Connection::close(std::string why) {
    if (stage_ == Stage::Closed) return;
    log::info(Topic::Sstp, "{}: closed: {}", who(), why);
    if (end_reason_.empty()) end_reason_ = std::move(why);
    stage_ = Stage::Closed;
}

void Connection::flush_tls() {
    Bytes c = tls_.take_output();
    // TLS 1.2: the server's CCS (20) and Finished (22) are not application records; its
    // Finished is record 0, which the export base (1) accounts for. TLS 1.3: the server's
    // flight is out before the handshake is done on the server side.
    bool done = tls_.handshake_done();
    out_counter_.scan(c, [&](uint8_t type) {
        if (done && (type == 21 || type == 23)) ++records_out_;
    });
    out_.insert(out_.end(), c.begin(), c.end());
}

void Connection::send_plain(ByteSpan plaintext) {
    if (offloaded_) { // the worker seals it, after the records it has sent
        control_out_.emplace_back(plaintext.begin(), plaintext.end());
        return;
    }
    // One write is one TLS record (all SSTP packets and the HTTP reply are far below 16 KiB).
    if (auto st = tls_.write(plaintext); !st.ok()) {
        close(st.message());
        return;
    }
    flush_tls();
}

void Connection::on_data(ByteSpan ciphertext, uint64_t now_ms) {
    if (stage_ == Stage::Closed) return;
    if (offloaded_) { // the worker is the record layer: OpenSSL must not take a record
        record_failed("a record reached the control plane after the hand-over");
        return;
    }
    bool was_done = tls_.handshake_done();
    // Records that start once the handshake is done are application records (the stream is
    // punted record by record, so the client's Finished is fed alone).
    in_counter_.scan(ciphertext, [&](uint8_t) {
        if (was_done) ++records_in_;
    });
    auto st = tls_.feed(ciphertext);
    flush_tls(); // handshake messages, or the alert that says why it failed
    if (!st.ok() || tls_.failed()) {
        if (tls_.peer_closed()) {
            // An orderly end: answer with our close_notify before the stream closes.
            ++counters_.tls_close_notify;
            SSL_shutdown(tls_.native());
            flush_tls();
        } else {
            ++counters_.tls_errors;
        }
        close("TLS: " + (tls_.failure().empty() ? st.message() : tls_.failure()));
        return;
    }
    if (!tls_.handshake_done()) return;
    if (!was_done) {
        log::debug(Topic::Sstp, "{}: {}", who(), encoding());
        stage_ = Stage::Http;
    }
    Bytes p = tls_.read();
    plain_.insert(plain_.end(), p.begin(), p.end());
    on_plaintext(now_ms);
}

void Connection::on_plaintext(uint64_t now_ms) {
    if (stage_ == Stage::Http) {
        auto state = http_.feed(plain_);
        if (state == HttpRequestParser::State::NeedMore) return;
        if (state == HttpRequestParser::State::Error) {
            log::info(Topic::Sstp, "{}: HTTP {}: {}", who(), http_.error().status,
                      http_.error().reason);
            std::string reply = build_http_error(http_.error().status, std::time(nullptr));
            send_plain({reinterpret_cast<const uint8_t*>(reply.data()), reply.size()});
            close("bad HTTP request");
            return;
        }
        plain_.erase(plain_.begin(),
                     plain_.begin() + static_cast<ptrdiff_t>(http_.request().bytes_used));
        start_sstp(now_ms);
    }
    if (stage_ == Stage::Sstp && fsm_) {
        StreamSplit s = split_stream(plain_);
        size_t offset = 0;
        for (size_t i = 0; i < s.packets && stage_ == Stage::Sstp; ++i) {
            auto packet = parse_packet(ByteSpan(plain_).subspan(offset));
            if (!packet) break; // cannot happen: split_stream checked every header
            run(fsm_->on_packet(ByteSpan(plain_).subspan(offset, packet->size), at(now_ms)),
                now_ms);
            offset += packet->size;
        }
        if (stage_ != Stage::Sstp) return;
        plain_.erase(plain_.begin(), plain_.begin() + static_cast<ptrdiff_t>(s.consumed));
        if (s.error) {
            log::info(Topic::Sstp, "{}: SSTP stream broken: {}", who(), to_string(*s.error));
            run(fsm_->on_stream_error(), now_ms);
        }
    }
}

void Connection::start_sstp(uint64_t now_ms) {
    // The whole 200 in ONE record: sstpc reads the reply with a single SSL_read.
    std::string ok = build_http_ok(std::time(nullptr));
    send_plain({reinterpret_cast<const uint8_t*>(ok.data()), ok.size()});
    if (stage_ == Stage::Closed) return;
    stage_ = Stage::Sstp;
    ControlConfig config;
    RAND_bytes(config.binding.nonce.data(), static_cast<int>(config.binding.nonce.size()));
    config.binding.cert = setup_->cert;
    config.timers = setup_->timers;
    fsm_.emplace(config, at(now_ms));
    ppp_ = std::make_unique<ppp::PppSession>(setup_->ppp, &aaa_, &aaa_);
}

void Connection::run(ControlFsm::Actions actions, uint64_t now_ms) {
    for (auto& a : actions) {
        if (stage_ == Stage::Closed) return;
        switch (a.kind) {
        case Action::Kind::Send:
            send_plain(a.bytes);
            break;
        case Action::Kind::DeliverPpp:
            deliver_ppp(a.bytes, now_ms);
            break;
        case Action::Kind::Connected:
            log::info(Topic::Sstp, "{}: call connected, crypto binding verified", who());
            break;
        case Action::Kind::Close:
            close(close_text(a.reason));
            return;
        }
    }
    // The Connect Ack is out: PPP's LCP starts (the server sends the first Configure-Request).
    if (!ppp_started_ && fsm_ && fsm_->state() == ControlState::CallConnectPending) {
        ppp_started_ = true;
        run_ppp(ppp_->start(now_ms), now_ms);
    }
}

void Connection::deliver_ppp(ByteSpan frame, uint64_t now_ms) {
    auto f = ppp::parse_frame(frame);
    if (f && f->protocol == ppp::kProtoIpv6) {
        ++counters_.ipv6_frames_dropped; // IPv6CP was rejected: a client that sends it anyway
        return;
    }
    if (f && f->protocol == ppp::kProtoIpv4) {
        // The control FSM passes IP only once the crypto binding is verified; the service
        // publishes the session once IPCP is up too.
        if (!forwarding_ || !ip_up_) {
            ++counters_.ip_frames_not_forwarded;
            return;
        }
        ++counters_.ip_frames_from_client;
        ip_in_.emplace_back(f->information.begin(), f->information.end());
        return;
    }
    run_ppp(ppp_->input(frame, now_ms), now_ms);
}

bool Connection::ready_for_data() const {
    return stage_ == Stage::Sstp && ip_up_ && fsm_ && fsm_->state() == ControlState::Connected;
}

uint16_t Connection::mtu() const {
    // What the client takes (its MRU), within one SSTP packet (header, FF 03, protocol).
    uint16_t mru = ppp_ ? ppp_->peer_mru() : setup_->ppp.mru;
    return static_cast<uint16_t>(std::min<size_t>(mru, kMaxPacketBytes - kPacketHeaderBytes - 4));
}

void Connection::send_ip(ByteSpan packet) {
    if (!forwarding_ || !ready_for_data()) {
        ++counters_.ip_frames_to_client_dropped;
        return;
    }
    auto data = build_data_packet(ppp::build_frame(ppp::kProtoIpv4, packet));
    if (!data) { // larger than an SSTP packet: the session's MTU keeps this from happening
        ++counters_.ip_frames_to_client_dropped;
        return;
    }
    ++counters_.ip_frames_to_client;
    send_plain(*data);
}

Result<tls::RecordKeys> Connection::handover_keys() const {
    auto keys = tls::export_record_keys(tls_.native());
    if (!keys.ok()) return keys.error();
    keys->client_write.seq += records_in_;
    keys->server_write.seq += records_out_;
    return keys;
}

void Connection::on_opened_packet(ByteSpan packet, uint64_t now_ms) {
    if (stage_ != Stage::Sstp || !offloaded_) return;
    plain_.insert(plain_.end(), packet.begin(), packet.end());
    on_plaintext(now_ms);
}

void Connection::record_failed(const std::string& why, bool close_notify) {
    if (close_notify)
        ++counters_.tls_close_notify;
    else
        ++counters_.worker_record_failures;
    ip_up_ = false;
    close("TLS record layer on the worker: " + why);
}

void Connection::run_ppp(ppp::Output out, uint64_t now_ms) {
    std::optional<std::string> terminated;
    for (auto& e : out.events) {
        if (auto* a = std::get_if<ppp::event::Authenticated>(&e)) {
            user_ = AaaLink::secret_name(a->user);
            log::info(Topic::Sstp, "{}: authenticated ({})", who(), ppp::to_string(a->method));
            run(fsm_->ppp_authenticated(ppp_->hlak(), at(now_ms)), now_ms);
        } else if (auto* f = std::get_if<ppp::event::AuthFailed>(&e)) {
            log::warning(Topic::Sstp, "sstp {}: authentication of '{}' failed: {}", caller_,
                         f->user, f->reason);
        } else if (auto* up = std::get_if<ppp::event::IpUp>(&e)) {
            ip_up_ = true;
            address_ = up->peer;
            local_address_ = up->local;
            up_since_ms_ = now_ms;
            if (const aaa::Grant* g = grant()) {
                limits_ = aaa::SessionLimits(*g, now_ms);
                if (g->rate_limit) rate_limit_ = aaa::to_string(*g->rate_limit);
            }
            log::info(Topic::Sstp, "{}: IP up, {} -> {}", who(), net::to_string(up->local),
                      net::to_string(up->peer));
        } else if (auto* t = std::get_if<ppp::event::Terminated>(&e)) {
            terminated = t->reason;
        }
    }
    if (stage_ == Stage::Closed) return;
    for (auto& frame : out.frames) {
        auto packet = build_data_packet(frame);
        if (!packet) continue; // larger than an SSTP packet: the MRU keeps this from happening
        send_plain(*packet);
        if (stage_ == Stage::Closed) return;
    }
    if (terminated) {
        if (!aaa_.refusal().empty())
            log::warning(Topic::Sstp, "{}: refused by AAA: {}", who(), aaa_.refusal());
        log::info(Topic::Sstp, "{}: PPP ended: {}", who(), *terminated);
        if (end_reason_.empty()) end_reason_ = "PPP ended: " + *terminated;
        ip_up_ = false;
        run(fsm_->disconnect(at(now_ms)), now_ms);
    }
}

void Connection::on_timer(uint64_t now_ms) {
    if (stage_ == Stage::Closed) return;
    if (stage_ == Stage::Tls || stage_ == Stage::Http) {
        if (now_ms >= setup_deadline_ms_) close("TLS/HTTP setup took too long");
        return;
    }
    if (auto d = fsm_->next_deadline(); d && ms(*d) <= now_ms)
        run(fsm_->on_timer(at(now_ms)), now_ms);
    if (stage_ == Stage::Closed || !ppp_) return;
    if (auto d = ppp_->next_deadline(); d && *d <= now_ms) run_ppp(ppp_->on_timer(now_ms), now_ms);
}

std::optional<uint64_t> Connection::next_deadline() const {
    if (stage_ == Stage::Closed) return std::nullopt;
    if (!fsm_) return setup_deadline_ms_;
    std::optional<uint64_t> d;
    if (auto f = fsm_->next_deadline()) d = ms(*f);
    if (auto p = ppp_->next_deadline(); p && (!d || *p < *d)) d = *p;
    return d;
}

void Connection::disconnect(uint64_t now_ms) {
    if (stage_ != Stage::Closed) log::info(Topic::Sstp, "{}: disconnected by the operator", who());
    end_call("disconnected by the operator", now_ms);
}

void Connection::end_call(const std::string& why, uint64_t now_ms) {
    if (stage_ == Stage::Closed) return;
    if (!fsm_) {
        close(why);
        return;
    }
    if (end_reason_.empty()) end_reason_ = why;
    ip_up_ = false;
    run(fsm_->disconnect(at(now_ms)), now_ms);
}

void Connection::check_limits(const aaa::SessionUsage& usage, uint64_t now_ms) {
    if (stage_ == Stage::Closed || !ip_up_) return;
    usage_ = usage;
    // As RouterOS does: the call ends; the client may dial again and gets new counters.
    if (auto reached = limits_.check(usage_, now_ms)) {
        std::string why = limits_.describe(*reached);
        log::info(Topic::Sstp, "{}: {} reached, sending SSTP Call Disconnect", who(), why);
        end_call(why, now_ms);
    }
}

void Connection::peer_closed() {
    // Windows and RouterOS close TCP as soon as our Disconnect Ack arrives, before the second
    // the server waits: the call was ended by their Call Disconnect, not by a dropped connection.
    if (fsm_ && fsm_->state() == ControlState::DisconnectAckSent) {
        close(close_text(CloseReason::PeerDisconnected));
        return;
    }
    close("the client closed the connection");
}

void Connection::set_offloaded() {
    encoding_ = encoding();
    offloaded_ = true;
    tls_.release();
    Bytes().swap(plain_);
    Bytes().swap(out_);
}

std::string Connection::encoding() const {
    if (offloaded_) return encoding_;
    std::string v = tls_.version(); // "TLSv1.3" -> "TLS1.3", as RouterOS prints it
    if (auto p = v.find('v'); p != std::string::npos) v.erase(p, 1);
    return v + " " + tls_.cipher_suite();
}

const char* Connection::state() const {
    switch (stage_) {
    case Stage::Tls:
        return "tls";
    case Stage::Http:
        return "http";
    case Stage::Sstp:
        return ip_up_ ? "connected" : "negotiating";
    case Stage::Closed:
        break;
    }
    return "closed";
}

} // namespace vp::sstp
