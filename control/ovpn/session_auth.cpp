// Session: key method 2, authentication, cipher choice, key installation, PUSH_REPLY and the
// control messages that follow.
#include "base/log.hpp"
#include "control/ovpn/ncp.hpp"
#include "control/ovpn/push.hpp"
#include "control/ovpn/session.hpp"
#include "control/ovpn/session_slot.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace vp::ovpn {

using vp::log::Topic;

namespace {

uint32_t ping_interval_s(uint32_t keepalive_timeout_s) {
    return keepalive_timeout_s == 0 ? 0 : std::max<uint32_t>(1, keepalive_timeout_s / 6);
}

} // namespace

void Session::on_key_method2(Slot& slot, KeyMethod2 client, uint64_t now_ms) {
    if (state_ == SessionState::Handshake) {
        authenticate(slot, client, now_ms);
        return;
    }
    if (!verify_renegotiation(client)) {
        ++host_.mutable_counters().auth_failures;
        finish_with(auth_failed_message_, now_ms);
        return;
    }
    auto st = install_keys(slot, client);
    if (!st) {
        log::error(Topic::Ovpn, "{}: renegotiation failed: {}", who(), st.message());
        close("renegotiation failed");
        return;
    }
    slot.tx_pending = true;
}

void Session::authenticate(Slot& slot, const KeyMethod2& client, uint64_t now_ms) {
    const auto& config = setup_->config;
    peer_info_ = parse_peer_info(client.peer_info);
    OptionsString occ = parse_options_string(client.options);
    user_ = client.username;
    auto cert = slot.keys->tls().peer_certificate();
    log::info(Topic::Ovpn, "{}: OpenVPN {} ({}), {} {}{}", who(), peer_info_.version(),
              peer_info_.platform(), slot.keys->tls().version(), slot.keys->tls().cipher_suite(),
              cert.present ? ", certificate CN=" + cert.common_name : "");
    log::debug(Topic::Ovpn, "{}: options '{}', IV_PROTO={}", who(), client.options,
               peer_info_.iv_proto());

    std::optional<std::string> failure;
    if (user_.empty()) {
        failure = "no username (the client needs auth-user-pass)";
    } else {
        aaa::AuthRequest request;
        request.service = aaa::Service::Ovpn;
        request.user = user_;
        request.password = client.password;
        request.caller_id = endpoint_.to_string();
        if (cert.present) request.certificate_common_name = cert.common_name;
        auto verdict = host_.aaa().authenticate(request);
        // only-one: the same user reconnecting from the same address replaces its stale
        // session, but only once the password is known to be right.
        auto* refused = std::get_if<aaa::Reject>(&verdict);
        if (refused && refused->reason == aaa::RejectReason::AlreadyConnected &&
            password_matches(client.password) && host_.replace_sessions(*this, user_, now_ms))
            verdict = host_.aaa().authenticate(request);
        OPENSSL_cleanse(request.password.data(), request.password.size());
        if (auto* reject = std::get_if<aaa::Reject>(&verdict)) {
            failure = aaa::to_string(reject->reason);
            if (!reject->detail.empty()) *failure += " (" + reject->detail + ")";
        } else {
            grant_ = std::get<aaa::Grant>(std::move(verdict));
        }
    }

    if (!failure) {
        auto ncp = choose_cipher(config.ciphers, peer_info_, occ, config.data_ciphers_fallback);
        if (!ncp) {
            failure = ncp.message() + " (client offers " +
                      peer_info_.get("IV_CIPHERS").value_or(occ.get("cipher").value_or("none")) +
                      ")";
            auth_failed_message_ = "AUTH_FAILED," + ncp.message();
        } else {
            cipher_ = ncp->cipher;
            push_cipher_ = ncp->push;
            digest_ = crypto::is_aead(cipher_) ? crypto::Digest::None : config.auth;
            if (!crypto::is_aead(cipher_)) {
                auto theirs = occ.get("auth");
                if (theirs && crypto::digest_from_name(*theirs) != config.auth)
                    log::warning(Topic::Ovpn,
                                 "{}: client uses auth {}, server auth is {}; data will fail",
                                 who(), *theirs, crypto::openvpn_name(config.auth));
            }
            log::debug(Topic::Ovpn, "{}: cipher {} chosen by {}", who(),
                       crypto::openvpn_name(cipher_), ncp->how);
        }
    }

    if (!failure) {
        derivation_ = config.tls_ekm && (peer_info_.iv_proto() & iv_proto::tls_key_export)
                          ? KeyDerivation::TlsEkm
                          : KeyDerivation::LegacyPrf;
        auto st = install_keys(slot, client);
        if (!st) failure = "cannot install the session: " + st.message();
    }

    if (failure) {
        ++host_.mutable_counters().auth_failures;
        log::warning(Topic::Ovpn, "{}: authentication failed: {}", who(), *failure);
        if (grant_) {
            host_.aaa().release(*grant_);
            grant_.reset();
        }
        if (peer_installed_) {
            host_.dataplane().remove_peer(peer_id_);
            peer_installed_ = false;
        }
        // Like OpenVPN 2.6, answer key method 2 anyway and give the verdict on PUSH_REQUEST.
        if (!slot.keys->tls().failed()) {
            KeyMethod2 reply;
            RAND_bytes(reply.random1.bytes.data(), 32);
            RAND_bytes(reply.random2.bytes.data(), 32);
            OccOptions o;
            o.cipher = config.ciphers.empty() ? crypto::Cipher::Aes256Gcm : config.ciphers[0];
            o.digest = config.auth;
            o.tls_auth = setup_->tls_auth != nullptr;
            reply.options = build_options_string(o);
            (void)slot.keys->send_plaintext(serialize_key_method2(reply));
        }
        state_ = SessionState::AuthFailed;
        if (peer_info_.iv_proto() & iv_proto::request_push)
            finish_with(auth_failed_message_, now_ms);
        return;
    }

    state_ = SessionState::Authenticated;
    slot.tx_pending = true;
    log::info(Topic::Ovpn, "{}: authenticated, tunnel address {}, {}{}, keys by {}", who(),
              net::to_string(grant_->remote_address), crypto::openvpn_name(cipher_),
              crypto::is_aead(cipher_) ? "" : " " + std::string(crypto::openvpn_name(digest_)),
              derivation_ == KeyDerivation::TlsEkm ? "TLS-EKM" : "legacy PRF");
    if (peer_info_.iv_proto() & iv_proto::request_push) send_push_reply(now_ms);
}

bool Session::password_matches(const std::string& password) {
    auto expected = host_.aaa().secret_password(user_, aaa::Service::Ovpn);
    bool ok = expected && expected->size() == password.size() &&
              CRYPTO_memcmp(expected->data(), password.data(), expected->size()) == 0;
    if (expected) OPENSSL_cleanse(expected->data(), expected->size());
    return ok;
}

bool Session::verify_renegotiation(const KeyMethod2& client) {
    if (client.username != user_) {
        log::warning(Topic::Ovpn, "{}: renegotiation as a different user '{}'", who(),
                     client.username);
        return false;
    }
    bool ok = password_matches(client.password);
    if (!ok)
        log::warning(Topic::Ovpn, "{}: renegotiation rejected: the credentials no longer match",
                     who());
    return ok;
}

Status Session::install_keys(Slot& slot, const KeyMethod2& client) {
    const auto& config = setup_->config;
    KeyMethod2 server;
    RAND_bytes(server.random1.bytes.data(), 32);
    RAND_bytes(server.random2.bytes.data(), 32);
    OccOptions o;
    o.tun_mtu = config.max_mtu;
    o.cipher = cipher_;
    o.digest = digest_;
    o.tls_auth = setup_->tls_auth != nullptr;
    server.options = build_options_string(o);

    auto block = derivation_ == KeyDerivation::TlsEkm
                     ? derive_key_block_ekm(slot.keys->tls())
                     : derive_key_block_prf(client, server, remote_sid_, local_sid_);
    if (!block) return block.error();
    DataKeys keys = make_data_keys(*block, cipher_, digest_, slot.keys->key_id());

    Dataplane& dp = host_.dataplane();
    if (!peer_installed_) {
        PeerSpec spec;
        spec.peer_id = peer_id_;
        spec.owner_worker = worker_;
        spec.endpoint = endpoint_;
        spec.data_v2 = peer_info_.iv_proto() & iv_proto::data_v2;
        spec.tunnel_address = grant_->remote_address;
        spec.local_address = grant_->local_address;
        spec.routes = grant_->routes;
        spec.tun_mtu = config.max_mtu;
        spec.mss_clamp = grant_->change_tcp_mss ? config.max_mtu - 40 : 0;
        spec.keepalive_ping_s = ping_interval_s(config.keepalive_timeout_s);
        spec.user = user_;
        spec.rate_limit_rx_bps = grant_->rate_limit_rx_bps;
        spec.rate_limit_tx_bps = grant_->rate_limit_tx_bps;
        spec.rate_limit = grant_->rate_limit;
        auto st = dp.add_peer(spec);
        if (!st) return st;
        peer_installed_ = true;
    }
    // At most two keys per peer in the dataplane: the lame duck makes room for the new one.
    for (auto& s : slots_) {
        if (s->role == Slot::Role::LameDuck) {
            retire(*s);
            break;
        }
    }
    auto st = dp.add_key(peer_id_, keys);
    if (!st) return st;
    slot.key_installed = true;
    return slot.keys->send_plaintext(serialize_key_method2(server));
}

void Session::on_message(const std::string& message, uint64_t now_ms) {
    if (is_command(message, "PUSH_REQUEST")) {
        if (state_ == SessionState::AuthFailed)
            finish_with(auth_failed_message_, now_ms);
        else if ((state_ == SessionState::Authenticated || state_ == SessionState::Active) &&
                 !push_sent_)
            send_push_reply(now_ms);
        return;
    }
    if (is_command(message, "EXIT")) {
        ++host_.mutable_counters().explicit_exits;
        log::info(Topic::Ovpn, "{}: client exited (EXIT)", who());
        flush(now_ms); // acknowledge, so the client does not resend
        close("client exit");
        return;
    }
    log::debug(Topic::Ovpn, "{}: ignoring control message '{}'", who(), message.substr(0, 64));
}

void Session::send_message(std::string_view text) {
    Slot* slot = primary();
    if (!slot) {
        for (auto& s : slots_)
            if (s->key_method2_done && s->keys->tls_established()) slot = s.get();
    }
    if (!slot) return;
    Bytes bytes(text.begin(), text.end());
    bytes.push_back(0);
    auto st = slot->keys->send_plaintext(bytes);
    if (!st) log::warning(Topic::Ovpn, "{}: cannot send '{}': {}", who(), text, st.message());
}

void Session::send_push_reply(uint64_t now_ms) {
    const auto& config = setup_->config;
    uint32_t iv = peer_info_.iv_proto();
    PushContext c;
    c.local_address = grant_->local_address;
    c.remote_address = grant_->remote_address;
    c.prefix_length = grant_->remote_prefix_length;
    c.routes = config.push_routes;
    c.redirect_gateway = config.redirect_gateway;
    c.redirect_gateway_ipv6 = config.redirect_gateway_ipv6;
    c.dns_servers = grant_->dns_servers;
    c.wins_servers = grant_->wins_servers;
    c.ping_s = ping_interval_s(config.keepalive_timeout_s);
    c.ping_restart_s = config.keepalive_timeout_s;
    if (iv & iv_proto::data_v2) c.peer_id = peer_id_;
    if (push_cipher_) c.cipher = cipher_;
    c.cc_exit = iv & iv_proto::cc_exit_notify;
    c.tls_ekm = derivation_ == KeyDerivation::TlsEkm;
    if (config.max_mtu != 1500 && peer_info_.get("IV_MTU")) c.tun_mtu = config.max_mtu;
    for (auto& message : build_push_replies(build_push_options(c))) {
        log::debug(Topic::Ovpn, "{}: {}", who(), message);
        send_message(message);
    }
    push_sent_ = true;
    state_ = SessionState::Active;
    active_since_ms_ = now_ms;
    limits_ = aaa::SessionLimits(*grant_, now_ms);
    schedule_renegotiation(now_ms);
}

} // namespace vp::ovpn
