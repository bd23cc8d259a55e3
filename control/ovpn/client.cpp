// The OpenVPN client's control channel.
#include "control/ovpn/client.hpp"

#include "control/ovpn/key_derivation.hpp"

#include <openssl/rand.h>

namespace vp::ovpn {

namespace {
// IV_PROTO: DATA_V2, TLS-EKM, and EXIT on the control channel (protocol-flags cc-exit).
constexpr uint32_t client_iv_proto =
    iv_proto::data_v2 | iv_proto::tls_key_export | iv_proto::cc_exit_notify;
} // namespace

std::string_view to_string(ClientPhase p) {
    switch (p) {
    case ClientPhase::Tls:
        return "tls";
    case ClientPhase::Auth:
        return "authenticating";
    case ClientPhase::Push:
        return "waiting for PUSH_REPLY";
    case ClientPhase::Connected:
        return "connected";
    case ClientPhase::Failed:
        return "failed";
    }
    return "?";
}

Client::Client(ClientSettings settings, uint64_t now_ms)
    : settings_(std::move(settings)), started_ms_(now_ms) {
    if (settings_.tls_auth)
        wrap_ = ControlWrap(settings_.tls_auth);
    else if (settings_.tls_crypt)
        wrap_ = ControlWrap(settings_.tls_crypt);
    RAND_bytes(sid_.data(), static_cast<int>(sid_.size()));
    // A tls-crypt-v2 client resets with V3 (the server then looks for WKc behind the packet).
    // Its packet ids count from 1, not from 0x0F000000: it announces no early negotiation, so
    // the server takes WKc from the reset and never asks for it again in a P_CONTROL_WKC_V1.
    add_key(0, now_ms).state->queue_reset(settings_.tls_crypt_v2_wkc
                                              ? Opcode::ControlHardResetClientV3
                                              : Opcode::ControlHardResetClientV2);
}

Client::Key& Client::add_key(uint8_t key_id, uint64_t now_ms) {
    Key& k = keys_state_[key_id];
    k = Key{};
    k.state = std::make_unique<KeyState>(key_id, settings_.tls, 0, 0, ReliabilityParams{}, now_ms);
    // Keep the current key and the one before it (lame duck); older ones are gone.
    while (keys_state_.size() > 2) {
        auto oldest = keys_state_.end();
        for (auto it = keys_state_.begin(); it != keys_state_.end(); ++it)
            if (it->first != key_id && it->first != current_key_id_) oldest = it;
        if (oldest == keys_state_.end()) break;
        keys_state_.erase(oldest);
    }
    return k;
}

void Client::fail(std::string reason) {
    if (phase_ == ClientPhase::Failed) return;
    phase_ = ClientPhase::Failed;
    failure_ = std::move(reason);
}

std::string Client::peer_info() const {
    std::string ciphers;
    for (crypto::Cipher c : settings_.ciphers) {
        if (!ciphers.empty()) ciphers += ':';
        ciphers += crypto::openvpn_name(c);
    }
    return "IV_VER=2.6.0\nIV_PLAT=linux\nIV_GUI_VER=vpnplane\nIV_NCP=2\nIV_CIPHERS=" + ciphers +
           "\nIV_PROTO=" + std::to_string(client_iv_proto) + "\n";
}

void Client::receive(ByteSpan datagram, uint64_t now_ms) {
    if (phase_ == ClientPhase::Failed) return;
    // tls-auth / tls-crypt: authenticated (and decrypted), replay-checked, before anything else.
    auto plain = wrap_.unwrap(datagram);
    if (!plain) {
        ++bad_datagrams_;
        return;
    }
    auto p = parse_control_packet(*plain);
    if (!p) {
        ++bad_datagrams_;
        return;
    }
    if (!server_sid_) {
        if (p->opcode != Opcode::ControlHardResetServerV2) {
            ++bad_datagrams_;
            return;
        }
        server_sid_ = p->session_id;
    }
    if (p->session_id != *server_sid_) {
        ++bad_datagrams_;
        return;
    }
    auto it = keys_state_.find(p->key_id);
    if (it == keys_state_.end()) {
        // The server renegotiates: a soft reset for a new key id.
        if (p->opcode != Opcode::ControlSoftResetV1 || phase_ != ClientPhase::Connected) {
            ++bad_datagrams_;
            return;
        }
        add_key(p->key_id, now_ms).state->queue_reset(Opcode::ControlSoftResetV1);
        current_key_id_ = p->key_id;
        it = keys_state_.find(p->key_id);
    }
    Key& key = it->second;
    if (p->opcode == Opcode::ControlHardResetServerV2 || p->opcode == Opcode::ControlSoftResetV1)
        key.peer_reset_seen = true;
    key.state->on_packet(*p);
    process(key, p->key_id, now_ms);
}

void Client::process(Key& key, uint8_t key_id, uint64_t now_ms) {
    KeyState& ks = *key.state;
    if (key.peer_reset_seen && !key.tls_started) {
        key.tls_started = true;
        ks.start_tls();
    }
    if (ks.failed()) {
        fail("TLS: " + ks.failure());
        return;
    }
    if (!ks.tls_established()) return;
    if (!key.key_method2_sent) {
        key.key_method2_sent = true;
        KeyMethod2 m;
        m.pre_master.emplace();
        RAND_bytes(m.pre_master->bytes.data(), 48);
        RAND_bytes(m.random1.bytes.data(), 32);
        RAND_bytes(m.random2.bytes.data(), 32);
        OccOptions occ;
        occ.cipher = settings_.ciphers.empty() ? crypto::Cipher::Aes256Gcm : settings_.ciphers[0];
        occ.digest = settings_.auth;
        occ.server = false;
        occ.tcp = settings_.tcp;
        m.options = build_options_string(occ);
        m.username = settings_.user;
        m.password = settings_.password;
        m.peer_info = peer_info();
        if (auto st = ks.send_plaintext(serialize_key_method2(m)); !st.ok()) {
            fail("TLS: " + st.message());
            return;
        }
        key.mine = std::move(m);
        if (phase_ == ClientPhase::Tls) phase_ = ClientPhase::Auth;
    }
    Bytes plain = ks.take_plaintext();
    if (plain.empty()) return;
    if (!key.theirs) {
        key.inbox.insert(key.inbox.end(), plain.begin(), plain.end());
        if (key.inbox.size() > max_options_bytes + max_peer_info_bytes + 512) {
            fail("the server's key method 2 message is too long");
            return;
        }
        auto parsed = parse_key_method2(key.inbox, false);
        if (!parsed) {
            if (parsed.error() != KeyMethod2Error::Truncated)
                fail("the server's key method 2 message: " +
                     std::string(to_string(parsed.error())));
            return;
        }
        plain.assign(key.inbox.begin() + static_cast<std::ptrdiff_t>(parsed->consumed),
                     key.inbox.end());
        key.inbox.clear();
        key.theirs = std::move(parsed->message);
        if (phase_ != ClientPhase::Connected) {
            phase_ = ClientPhase::Push;
            push_requested_ms_ = now_ms;
            (void)ks.send_plaintext(as_bytes(std::string_view("PUSH_REQUEST\0", 13)));
        } else {
            derive(key, key_id); // renegotiation: cipher and derivation are known
        }
    }
    if (!key.messages.feed(plain)) {
        fail("a control message from the server is too long");
        return;
    }
    while (auto m = key.messages.next()) {
        on_message(*m, now_ms);
        if (phase_ == ClientPhase::Failed) return;
    }
}

void Client::on_message(const std::string& m, uint64_t now_ms) {
    (void)now_ms;
    if (is_command(m, "AUTH_FAILED")) {
        std::string reason = m.size() > 12 ? m.substr(12, 200) : "";
        fail(reason.empty() ? "AUTH_FAILED (wrong user or password?)" : "AUTH_FAILED: " + reason);
        return;
    }
    if (is_command(m, "RESTART") || is_command(m, "HALT") || is_command(m, "EXIT")) {
        fail("the server ended the session (" + m.substr(0, 60) + ")");
        return;
    }
    auto options = parse_push_reply(m);
    if (!options || phase_ == ClientPhase::Connected) return; // INFO, AUTH_PENDING, repeats
    if (!push_.add(*options)) {
        fail("PUSH_REPLY has too many options");
        return;
    }
    if (push_.complete()) on_push_reply(push_.options());
}

void Client::on_push_reply(const std::vector<std::string>& options) {
    auto config = interpret_push_options(options);
    if (!config.ok()) {
        fail(config.message());
        return;
    }
    pushed_ = std::move(*config);
    Key& key0 = keys_state_.at(current_key_id_);
    if (pushed_.cipher) {
        cipher_ = *pushed_.cipher;
    } else { // no NCP: the server's options string, else ours
        auto theirs = parse_options_string(key0.theirs->options);
        auto name = theirs.get("cipher");
        auto c = name ? crypto::cipher_from_openvpn_name(*name) : std::nullopt;
        cipher_ = c ? *c : settings_.ciphers.front();
    }
    if (cipher_ == crypto::Cipher::None) {
        fail("the server wants cipher none; refused");
        return;
    }
    phase_ = ClientPhase::Connected;
    derive(key0, current_key_id_);
}

void Client::derive(Key& key, uint8_t key_id) {
    if (key.derived || !key.mine || !key.theirs || !server_sid_) return;
    auto block = pushed_.tls_ekm ? derive_key_block_ekm(key.state->tls())
                                 : derive_key_block_prf(*key.mine, *key.theirs, sid_, *server_sid_);
    if (!block.ok()) {
        fail("key derivation: " + block.message());
        return;
    }
    key.derived = true;
    new_keys_.push_back(make_data_keys(*block, cipher_, settings_.auth, key_id));
}

std::vector<DataKeys> Client::take_keys() {
    std::vector<DataKeys> out;
    out.swap(new_keys_);
    return out;
}

std::string Client::encoding() const {
    std::string s(crypto::openvpn_name(cipher_));
    if (!crypto::is_aead(cipher_)) s += "/" + std::string(crypto::openvpn_name(settings_.auth));
    return s;
}

void Client::send_exit() {
    auto it = keys_state_.find(current_key_id_);
    if (it == keys_state_.end() || !it->second.state->tls_established()) return;
    (void)it->second.state->send_plaintext(as_bytes(std::string_view("EXIT\0", 5)));
}

std::vector<Bytes> Client::poll(uint64_t now_ms) {
    std::vector<Bytes> out;
    if (phase_ == ClientPhase::Failed) return out;
    if (phase_ != ClientPhase::Connected && now_ms - started_ms_ > settings_.handshake_window_ms) {
        fail(phase_ == ClientPhase::Tls    ? "no answer from the server (TLS handshake timed out)"
             : phase_ == ClientPhase::Auth ? "no key method 2 answer from the server"
                                           : "no PUSH_REPLY from the server");
        return out;
    }
    if (phase_ == ClientPhase::Push &&
        now_ms - push_requested_ms_ >= settings_.push_request_interval_ms) {
        push_requested_ms_ = now_ms;
        auto it = keys_state_.find(current_key_id_);
        if (it != keys_state_.end())
            (void)it->second.state->send_plaintext(
                as_bytes(std::string_view("PUSH_REQUEST\0", 13)));
    }
    SessionId remote = server_sid_.value_or(SessionId{});
    for (auto& [id, key] : keys_state_) {
        (void)id;
        for (auto& p : key.state->flush(now_ms, sid_, remote)) {
            out.push_back(
                wrap_.wrap(serialize_control_packet(p), static_cast<uint32_t>(now_ms / 1000) + 1));
            if (p.opcode == Opcode::ControlHardResetClientV3 && settings_.tls_crypt_v2_wkc)
                out.back().insert(out.back().end(), settings_.tls_crypt_v2_wkc->begin(),
                                  settings_.tls_crypt_v2_wkc->end());
        }
    }
    return out;
}

} // namespace vp::ovpn
