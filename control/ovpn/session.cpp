// Session lifecycle: packets in, packets out, timers, key slots, renegotiation and teardown.
// Authentication, key installation and the push live in session_auth.cpp.
#include "control/ovpn/session.hpp"

#include "base/log.hpp"
#include "control/aaa/values.hpp"
#include "control/ovpn/session_slot.hpp"
#include "control/ovpn/tls_crypt_v2.hpp"

#include <openssl/rand.h>

#include <algorithm>

namespace vp::ovpn {

using vp::log::Topic;

std::string_view to_string(SessionState s) {
    switch (s) {
    case SessionState::Handshake:
        return "handshake";
    case SessionState::Authenticated:
        return "authenticated";
    case SessionState::AuthFailed:
        return "auth-failed";
    case SessionState::Active:
        return "active";
    case SessionState::Closing:
        return "closing";
    case SessionState::Closed:
        return "closed";
    }
    return "?";
}

Session::Session(std::shared_ptr<const ServerSetup> setup, SessionHost& host, SessionStart start,
                 uint64_t now_ms)
    : setup_(std::move(setup)), host_(host), peer_id_(start.peer_id), worker_(start.worker),
      endpoint_(start.endpoint), local_sid_(start.local_sid), remote_sid_(start.remote_sid),
      wrap_(std::move(start.wrap)), wrap_description_(std::move(start.wrap_description)),
      created_ms_(now_ms) {
    deadline_ms_ = now_ms + uint64_t{setup_->config.handshake_window_s} * 1000;
    if (start.after_cookie) {
        add_slot(0, 1, 1, now_ms); // both resets (id 0) were exchanged statelessly
    } else {
        add_slot(0, 0, 0, now_ms).keys->queue_reset(Opcode::ControlHardResetServerV2);
    }
    ++host_.mutable_counters().sessions_created;
    log::debug(Topic::Ovpn, "{}: new session ({})", who(),
               wrap_description_.empty() ? "no control-channel wrapping" : wrap_description_);
}

Session::~Session() {
    if (!closed()) close("server shutdown");
}

std::string Session::who() const {
    std::string s = "peer " + std::to_string(peer_id_) + " " + endpoint_.to_string();
    if (!user_.empty()) s += " user '" + user_ + "'";
    return s;
}

Session::Slot* Session::find_slot(uint8_t key_id) {
    for (auto& s : slots_)
        if (s->keys->key_id() == key_id) return s.get();
    return nullptr;
}

Session::Slot* Session::primary() {
    for (auto& s : slots_)
        if (s->role == Slot::Role::Primary) return s.get();
    return nullptr;
}

Session::Slot& Session::add_slot(uint8_t key_id, uint32_t receive_next, uint32_t send_first,
                                 uint64_t now_ms) {
    ReliabilityParams params;
    params.initial_timeout_ms = setup_->config.tls_timeout_s * 1000;
    auto slot = std::make_unique<Slot>();
    slot->keys =
        std::make_unique<KeyState>(key_id, setup_->tls, receive_next, send_first, params, now_ms);
    slots_.push_back(std::move(slot));
    return *slots_.back();
}

void Session::on_datagram(ByteSpan datagram, uint64_t now_ms) {
    if (closed()) return;
    now_ms_ = now_ms;
    auto& counters = host_.mutable_counters();
    auto op = peek_opcode(datagram);
    if (!op) {
        ++counters.unknown_opcode;
        return;
    }
    ByteSpan wire = datagram;
    if (op->opcode == Opcode::ControlHardResetClientV3 || op->opcode == Opcode::ControlWkcV1) {
        // The wrapped client key was unwrapped when the session began; a resent one is ignored.
        auto split = split_wkc(datagram);
        if (!split) {
            ++counters.wrap_rejected;
            return;
        }
        wire = split->packet;
    }
    auto plain = wrap_.unwrap(wire);
    if (!plain) {
        ++(plain.error() == WrapError::Replay ? counters.replayed : counters.wrap_rejected);
        return;
    }
    auto packet = parse_control_packet(*plain);
    if (!packet) {
        ++counters.malformed;
        return;
    }
    on_packet(*packet, now_ms);
}

void Session::on_packet(const ControlPacketView& p, uint64_t now_ms) {
    if (closed()) return;
    if (p.session_id != remote_sid_ || (p.ack_count > 0 && p.peer_session_id != local_sid_)) {
        ++host_.mutable_counters().wrong_session_id;
        return;
    }
    Slot* slot = find_slot(p.key_id);
    if (!slot) {
        bool wanted = p.opcode == Opcode::ControlSoftResetV1 && state_ == SessionState::Active &&
                      have_primary_ && p.key_id == primary_key_id_ % 7 + 1 &&
                      std::none_of(slots_.begin(), slots_.end(),
                                   [](auto& s) { return s->role == Slot::Role::Negotiating; });
        if (!wanted) {
            ++host_.mutable_counters().unknown_key_id;
            return;
        }
        slot = &add_slot(p.key_id, 0, 0, now_ms);
        slot->keys->queue_reset(Opcode::ControlSoftResetV1);
        next_reneg_ms_ = 0;
        log::info(Topic::Ovpn, "{}: client renegotiates, key id {}", who(), p.key_id);
    }
    slot->keys->on_packet(p);
    process(*slot, now_ms);
    if (closed()) return;
    switch_tx_keys(now_ms);
    flush(now_ms);
}

void Session::process(Slot& slot, uint64_t now_ms) {
    KeyState& ks = *slot.keys;
    if (ks.failed()) {
        ++host_.mutable_counters().tls_failures;
        log::warning(Topic::Ovpn, "{}: TLS handshake failed (key id {}): {}", who(), ks.key_id(),
                     ks.failure());
        flush(now_ms); // the alert, so that the client learns why
        close("TLS error: " + ks.failure());
        return;
    }
    if (!ks.tls_established()) return;
    if (!slot.tls_logged) {
        slot.tls_logged = true;
        auto cert = ks.tls().peer_certificate();
        log::debug(Topic::Ovpn, "{}: TLS established (key id {}): {} {}{}", who(), ks.key_id(),
                   ks.tls().version(), ks.tls().cipher_suite(),
                   cert.present ? ", client certificate " + cert.subject : "");
    }
    Bytes plain = ks.take_plaintext();
    if (plain.empty()) return;
    if (!slot.key_method2_done) {
        slot.inbox.insert(slot.inbox.end(), plain.begin(), plain.end());
        auto parsed = parse_key_method2(slot.inbox, true);
        if (!parsed) {
            if (parsed.error() == KeyMethod2Error::Truncated && slot.inbox.size() < 65536) return;
            log::warning(Topic::Ovpn, "{}: {}", who(), to_string(parsed.error()));
            close(std::string(to_string(parsed.error())));
            return;
        }
        slot.key_method2_done = true;
        plain.assign(slot.inbox.begin() + static_cast<std::ptrdiff_t>(parsed->consumed),
                     slot.inbox.end());
        OPENSSL_cleanse(slot.inbox.data(), slot.inbox.size());
        slot.inbox.clear();
        on_key_method2(slot, std::move(parsed->message), now_ms);
        if (closed()) return;
    }
    if (!slot.messages.feed(plain)) {
        close("over-long control message");
        return;
    }
    while (auto m = slot.messages.next()) {
        on_message(*m, now_ms);
        if (closed()) return;
    }
}

void Session::switch_tx_keys(uint64_t now_ms) {
    for (auto& s : slots_) {
        Slot& slot = *s;
        if (!slot.tx_pending || !slot.key_installed || !slot.keys->send_idle()) continue;
        host_.dataplane().set_tx_key(peer_id_, slot.keys->key_id());
        bool renegotiated = false;
        if (Slot* old = primary(); old && old != &slot) {
            old->role = Slot::Role::LameDuck;
            old->retire_at_ms = now_ms + uint64_t{setup_->config.transition_window_s} * 1000;
            renegotiated = true;
        }
        slot.role = Slot::Role::Primary;
        slot.tx_pending = false;
        primary_key_id_ = slot.keys->key_id();
        have_primary_ = true;
        if (renegotiated) {
            ++host_.mutable_counters().renegotiations;
            log::info(Topic::Ovpn, "{}: now sending with key id {}", who(), primary_key_id_);
            schedule_renegotiation(now_ms);
        }
    }
}

void Session::schedule_renegotiation(uint64_t now_ms) {
    uint32_t reneg_s = setup_->config.reneg_sec;
    if (reneg_s == 0) {
        next_reneg_ms_ = 0;
        return;
    }
    // Up to 10% early, as OpenVPN servers do, so that clients that connected together do not
    // renegotiate together forever.
    uint32_t r = 0;
    RAND_bytes(reinterpret_cast<uint8_t*>(&r), sizeof r);
    uint64_t interval_ms = uint64_t{reneg_s} * 1000;
    next_reneg_ms_ = now_ms + interval_ms - (interval_ms / 10) * (r % 1001) / 1000;
}

void Session::start_renegotiation(uint64_t now_ms, const char* why) {
    if (state_ != SessionState::Active || !have_primary_) return;
    for (auto& s : slots_)
        if (s->role == Slot::Role::Negotiating) return;
    uint8_t key_id = primary_key_id_ % 7 + 1;
    if (Slot* stale = find_slot(key_id)) retire(*stale);
    add_slot(key_id, 0, 0, now_ms).keys->queue_reset(Opcode::ControlSoftResetV1);
    next_reneg_ms_ = 0;
    log::info(Topic::Ovpn, "{}: renegotiating ({}), key id {}", who(), why, key_id);
    flush(now_ms);
}

bool Session::renegotiate(uint64_t now_ms) {
    if (state_ != SessionState::Active) return false;
    start_renegotiation(now_ms, "requested");
    return true;
}

void Session::retire(Slot& slot) {
    if (slot.key_installed && peer_installed_)
        host_.dataplane().remove_key(peer_id_, slot.keys->key_id());
    slots_.erase(
        std::remove_if(slots_.begin(), slots_.end(), [&](auto& s) { return s.get() == &slot; }),
        slots_.end());
}

void Session::check_active(uint64_t now_ms) {
    const auto& config = setup_->config;
    auto activity = host_.dataplane().activity(peer_id_);
    if (activity) {
        usage_ = {activity->rx_packets, activity->rx_bytes, activity->tx_bytes};
        rate_dropped_rx_ = activity->rate_dropped_rx;
        rate_dropped_tx_ = activity->rate_dropped_tx;
    }
    // The grant's limits end the session as RouterOS does: the client is told to restart (it
    // may reconnect, and gets a new session with new counters).
    if (auto reached = limits_.check(usage_, now_ms)) {
        std::string why = limits_.describe(*reached);
        log::info(Topic::Ovpn, "{}: {} reached, disconnecting", who(), why);
        record_end(why);
        finish_with("RESTART", now_ms);
        return;
    }
    uint64_t last_rx_ms = active_since_ms_;
    if (activity) {
        last_rx_ms = std::max(last_rx_ms, activity->last_rx_ms);
        if (activity->endpoint.port != 0 && activity->endpoint != endpoint_)
            host_.session_moved(*this, activity->endpoint);
    }
    if (config.keepalive_timeout_s &&
        now_ms > last_rx_ms + uint64_t{config.keepalive_timeout_s} * 1000) {
        ++host_.mutable_counters().keepalive_expiries;
        log::info(Topic::Ovpn, "{}: nothing received for {} s, keepalive timeout", who(),
                  (now_ms - last_rx_ms) / 1000);
        close("keepalive timeout");
        return;
    }
    if (activity && have_primary_) {
        for (auto& k : activity->keys) {
            if (k.key_id != primary_key_id_) continue;
            uint64_t bytes = k.rx_bytes + k.tx_bytes;
            uint64_t packets = k.rx_packets + k.tx_packets;
            if (config.reneg_bytes && bytes >= config.reneg_bytes)
                start_renegotiation(now_ms, "reneg-bytes");
            else if (config.reneg_packets && packets >= config.reneg_packets)
                start_renegotiation(now_ms, "reneg-packets");
            else if (std::max(k.rx_packets, k.tx_packets) >= 0xFF000000ull)
                start_renegotiation(now_ms, "packet id close to wrapping");
        }
    }
    if (next_reneg_ms_ && now_ms >= next_reneg_ms_) start_renegotiation(now_ms, "reneg-sec");
    for (auto& s : slots_) {
        if (s->role == Slot::Role::LameDuck && now_ms >= s->retire_at_ms) {
            retire(*s);
            break; // the vector changed; the rest waits for the next tick
        }
    }
}

void Session::on_timer(uint64_t now_ms) {
    if (closed()) return;
    now_ms_ = now_ms;
    const uint64_t window_ms = uint64_t{setup_->config.handshake_window_s} * 1000;
    switch (state_) {
    case SessionState::Handshake:
    case SessionState::Authenticated:
    case SessionState::AuthFailed:
        if (now_ms >= deadline_ms_) {
            log::info(Topic::Ovpn, "{}: handshake not completed within {} s ({})", who(),
                      setup_->config.handshake_window_s, to_string(state_));
            close("handshake timeout");
            return;
        }
        break;
    case SessionState::Closing: {
        bool idle =
            std::all_of(slots_.begin(), slots_.end(), [](auto& s) { return s->keys->send_idle(); });
        if (idle || now_ms >= deadline_ms_) {
            mark_closed();
            return;
        }
        break;
    }
    case SessionState::Active:
        for (auto& s : slots_) {
            if (s->role == Slot::Role::Negotiating && now_ms >= s->keys->started_ms() + window_ms) {
                log::warning(Topic::Ovpn, "{}: renegotiation of key id {} not completed in {} s",
                             who(), s->keys->key_id(), setup_->config.handshake_window_s);
                close("renegotiation timeout");
                return;
            }
        }
        check_active(now_ms);
        if (closed()) return;
        break;
    case SessionState::Closed:
        return;
    }
    switch_tx_keys(now_ms);
    flush(now_ms);
}

void Session::on_explicit_exit(uint64_t now_ms) {
    (void)now_ms;
    if (closed()) return;
    ++host_.mutable_counters().explicit_exits;
    log::info(Topic::Ovpn, "{}: client exited (explicit-exit-notify)", who());
    close("client exit");
}

void Session::disconnect(bool halt, uint64_t now_ms) {
    if (state_ == SessionState::Closed || state_ == SessionState::Closing) return;
    log::info(Topic::Ovpn, "{}: disconnected by the administrator", who());
    now_ms_ = now_ms;
    record_end("disconnected by the administrator");
    if (state_ == SessionState::Authenticated || state_ == SessionState::Active)
        finish_with(halt ? "HALT" : "RESTART", now_ms);
    else
        close("disconnected");
}

void Session::release_resources() {
    if (peer_installed_) {
        host_.dataplane().remove_peer(peer_id_);
        peer_installed_ = false;
    }
    if (grant_) {
        host_.aaa().release(*grant_);
        grant_.reset();
    }
}

void Session::finish_with(std::string_view message, uint64_t now_ms) {
    record_end("told the client " + std::string(message));
    send_message(message);
    release_resources();
    state_ = SessionState::Closing;
    deadline_ms_ = now_ms + 5000;
    flush(now_ms);
}

void Session::close(const std::string& reason) {
    if (state_ == SessionState::Closed) return;
    if (state_ == SessionState::Closing) {
        mark_closed();
        return;
    }
    record_end(reason);
    release_resources();
    if (state_ == SessionState::Active || state_ == SessionState::Authenticated)
        log::info(Topic::Ovpn, "{}: disconnected: {}", who(), reason);
    else
        log::debug(Topic::Ovpn, "{}: session closed: {}", who(), reason);
    mark_closed();
}

void Session::record_end(const std::string& reason) {
    if (final_info_ || !grant_) return; // already recorded, or never granted
    final_info_ = info(now_ms_);
    final_info_->end_reason = reason;
}

void Session::mark_closed() {
    state_ = SessionState::Closed;
    host_.session_closed(*this);
}

void Session::flush(uint64_t now_ms) {
    for (auto& s : slots_) {
        for (auto& packet : s->keys->flush(now_ms, local_sid_, remote_sid_)) {
            Bytes wire = wrap_.wrap(serialize_control_packet(packet), wrap_time_s(now_ms));
            if (!wire.empty()) host_.dataplane().send(worker_, endpoint_, wire);
        }
    }
}

SessionInfo Session::info(uint64_t now_ms) const {
    SessionInfo i;
    i.peer_id = peer_id_;
    i.user = user_;
    i.caller = endpoint_;
    i.tunnel_address = grant_ ? grant_->remote_address : 0;
    i.uptime_s =
        active_since_ms_ && now_ms > active_since_ms_ ? (now_ms - active_since_ms_) / 1000 : 0;
    if (cipher_ != crypto::Cipher::None || push_sent_) {
        i.encoding = std::string(crypto::openvpn_name(cipher_));
        if (!crypto::is_aead(cipher_) && digest_ != crypto::Digest::None)
            i.encoding += " " + std::string(crypto::openvpn_name(digest_));
    }
    i.state = std::string(to_string(state_));
    i.client_version = peer_info_.version() + " " + peer_info_.platform();
    i.key_id = primary_key_id_;
    if (grant_ && grant_->rate_limit) i.rate_limit = aaa::to_string(*grant_->rate_limit);
    i.usage = usage_;
    i.bytes_in_left = limits_.bytes_in_left(usage_);
    i.bytes_out_left = limits_.bytes_out_left(usage_);
    i.rate_dropped_rx = rate_dropped_rx_;
    i.rate_dropped_tx = rate_dropped_tx_;
    return i;
}

} // namespace vp::ovpn
