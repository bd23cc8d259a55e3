// Unit-test OpenVPN client.
#include "tests/unit/ovpn/test_client.hpp"

#include "control/ovpn/tls_crypt_v2.hpp"

#include <openssl/rand.h>

#include <algorithm>

namespace vp::test {

using namespace vp::ovpn;

TestClient::TestClient(ClientConfig config)
    : config_(std::move(config)), tls_(TestPki::get().client_context(config_.cert)) {
    RAND_bytes(sid_.data(), static_cast<int>(sid_.size()));
    switch (config_.wrap) {
    case ClientConfig::Wrap::None:
        break;
    case ClientConfig::Wrap::Auth:
        wrap_ = ControlWrap(
            std::make_shared<TlsAuth>(config_.wrap_key, KeyDirection::Inverse, config_.auth));
        break;
    case ClientConfig::Wrap::Crypt:
        wrap_ = ControlWrap(std::make_shared<TlsCrypt>(config_.wrap_key, TlsCrypt::Role::Client));
        break;
    case ClientConfig::Wrap::CryptV2:
        wrap_ = ControlWrap(std::make_shared<TlsCrypt>(config_.v2_key.key, TlsCrypt::Role::Client));
        break;
    }
}

TestClient::Key& TestClient::add_key(uint8_t key_id) {
    Key& k = keys_state_[key_id];
    k = Key{};
    k.state = std::make_unique<KeyState>(key_id, tls_, 0, 0, ReliabilityParams{}, 0);
    return k;
}

void TestClient::start(uint64_t now_ms) {
    time_s_ = static_cast<uint32_t>(now_ms / 1000) + 1;
    bool v2 = config_.wrap == ClientConfig::Wrap::CryptV2;
    if (v2 && config_.early_negotiation)
        wrap_.set_next_send_id(early_negotiation_start + 1, time_s_);
    add_key(0).state->queue_reset(v2 ? Opcode::ControlHardResetClientV3
                                     : Opcode::ControlHardResetClientV2);
}

bool TestClient::pushed(const std::string& option) const {
    if (!push_options_) return false;
    return std::find(push_options_->begin(), push_options_->end(), option) != push_options_->end();
}

bool TestClient::received(const std::string& prefix) const {
    for (auto& m : messages_)
        if (m.rfind(prefix, 0) == 0) return true;
    return false;
}

void TestClient::receive(ByteSpan datagram, uint64_t now_ms) {
    (void)now_ms;
    auto plain = wrap_.unwrap(datagram);
    if (!plain) return;
    auto p = parse_control_packet(*plain);
    if (!p) return;
    if (!server_sid_) {
        if (p->opcode != Opcode::ControlHardResetServerV2) return;
        server_sid_ = p->session_id;
        static const Bytes tlv(std::begin(resend_wkc_tlv), std::end(resend_wkc_tlv));
        server_asked_for_wkc_ = Bytes(p->payload.begin(), p->payload.end()) == tlv;
    }
    if (p->session_id != *server_sid_) return;
    auto it = keys_state_.find(p->key_id);
    if (it == keys_state_.end()) {
        if (p->opcode != Opcode::ControlSoftResetV1) return;
        add_key(p->key_id).state->queue_reset(Opcode::ControlSoftResetV1);
        current_key_id_ = p->key_id;
        it = keys_state_.find(p->key_id);
    }
    Key& key = it->second;
    if (p->opcode == Opcode::ControlHardResetServerV2 || p->opcode == Opcode::ControlSoftResetV1)
        key.peer_reset_seen = true;
    key.state->on_packet(*p);
    process(key, p->key_id);
}

void TestClient::process(Key& key, uint8_t key_id) {
    KeyState& ks = *key.state;
    if (key.peer_reset_seen && !key.tls_started) {
        key.tls_started = true;
        ks.start_tls();
    }
    if (ks.failed()) {
        tls_failed_ = true;
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
        m.options = config_.options;
        m.username = config_.user;
        m.password = config_.password;
        m.peer_info = config_.peer_info;
        (void)ks.send_plaintext(serialize_key_method2(m));
        key.mine = std::move(m);
    }
    Bytes plain = ks.take_plaintext();
    if (plain.empty()) return;
    if (!key.theirs) {
        key.inbox.insert(key.inbox.end(), plain.begin(), plain.end());
        auto parsed = parse_key_method2(key.inbox, false);
        if (!parsed) return;
        plain.assign(key.inbox.begin() + static_cast<std::ptrdiff_t>(parsed->consumed),
                     key.inbox.end());
        key.theirs = std::move(parsed->message);
        if (key_id == 0)
            (void)ks.send_plaintext(as_bytes(std::string_view("PUSH_REQUEST\0", 13)));
        else
            derive(key, key_id); // renegotiation: the options are known already
    }
    key.messages.feed(plain);
    while (auto m = key.messages.next())
        on_message(*m);
}

void TestClient::on_message(const std::string& m) {
    messages_.push_back(m);
    auto opts = parse_push_reply(m);
    if (!opts) return;
    push_options_ = *opts;
    use_ekm_ = pushed("key-derivation tls-ekm") || pushed("protocol-flags cc-exit tls-ekm");
    cipher_ = crypto::Cipher::None;
    for (auto& o : *opts)
        if (o.rfind("cipher ", 0) == 0) cipher_ = *crypto::cipher_from_openvpn_name(o.substr(7));
    Key& key0 = keys_state_.at(0);
    if (cipher_ == crypto::Cipher::None) { // "poor man's NCP": the server's options string
        auto theirs = parse_options_string(key0.theirs->options);
        cipher_ = *crypto::cipher_from_openvpn_name(*theirs.get("cipher"));
    }
    derive(key0, 0);
}

void TestClient::derive(Key& key, uint8_t key_id) {
    auto block = use_ekm_ ? derive_key_block_ekm(key.state->tls())
                          : derive_key_block_prf(*key.mine, *key.theirs, sid_, *server_sid_);
    if (block) keys_[key_id] = make_data_keys(*block, cipher_, config_.auth, key_id);
}

void TestClient::send_message(const std::string& text) {
    Bytes b(text.begin(), text.end());
    b.push_back(0);
    (void)keys_state_.at(current_key_id_).state->send_plaintext(b);
}

void TestClient::renegotiate() {
    uint8_t next = current_key_id_ % 7 + 1;
    add_key(next).state->queue_reset(Opcode::ControlSoftResetV1);
    current_key_id_ = next;
}

std::vector<Bytes> TestClient::poll(uint64_t now_ms) {
    std::vector<Bytes> out;
    SessionId remote = server_sid_.value_or(SessionId{});
    bool v2 = config_.wrap == ClientConfig::Wrap::CryptV2;
    for (auto& [id, key] : keys_state_) {
        for (auto& p : key.state->flush(now_ms, sid_, remote)) {
            bool append_wkc = v2 && p.opcode == Opcode::ControlHardResetClientV3;
            if (v2 && server_asked_for_wkc_ && id == 0 && p.opcode == Opcode::ControlV1 &&
                p.message_id == 1u) {
                p.opcode = Opcode::ControlWkcV1;
                append_wkc = true;
            }
            Bytes wire = wrap_.wrap(serialize_control_packet(p), time_s_);
            if (append_wkc)
                wire.insert(wire.end(), config_.v2_key.wrapped.begin(),
                            config_.v2_key.wrapped.end());
            out.push_back(std::move(wire));
        }
    }
    return out;
}

} // namespace vp::test
