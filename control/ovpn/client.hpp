// The client side of OpenVPN's control channel for one link (the appliance dialling out, like
// RouterOS's /interface ovpn-client): hard reset -> TLS as the client -> key method 2 with the
// username and password -> PUSH_REQUEST -> PUSH_REPLY -> data-channel keys, and server-initiated
// renegotiations (soft reset) after that. It reuses the server's parts (KeyState with a client
// TLS context, reliability, key method 2, key derivation, the options parsers) and touches no
// socket: the owner feeds it the server's datagrams and sends what poll() returns. Failures
// (TLS, AUTH_FAILED, a bad PUSH_REPLY, the handshake window) end it with a reason; the owner
// starts a new Client after its backoff.
#pragma once

#include "control/ovpn/client_push.hpp"
#include "control/ovpn/control_wrap.hpp"
#include "control/ovpn/data_keys.hpp"
#include "control/ovpn/key_method2.hpp"
#include "control/ovpn/key_state.hpp"
#include "control/ovpn/options.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vp::ovpn {

struct ClientSettings {
    std::shared_ptr<const tls::Context> tls; // a client context
    std::string user;
    std::string password;
    std::vector<crypto::Cipher> ciphers; // offered (IV_CIPHERS); the first is the OCC cipher
    crypto::Digest auth = crypto::Digest::Sha1;
    uint32_t handshake_window_ms = 60000; // from the reset to the PUSH_REPLY
    uint32_t push_request_interval_ms = 5000;
    bool tcp = false; // over a TCP stream (the options string says so)
    // Control-channel wrapping, as the server is configured (at most one of the two).
    std::shared_ptr<const TlsAuth> tls_auth;
    std::shared_ptr<const TlsCrypt> tls_crypt; // built with TlsCrypt::Role::Client
    // tls-crypt-v2: tls_crypt is keyed by the client key Kc, and this wrapped key WKc follows
    // the tls-crypt packet of every P_CONTROL_HARD_RESET_CLIENT_V3 (the first reset and its
    // retransmissions), so that the server can unwrap Kc statelessly.
    std::shared_ptr<const Bytes> tls_crypt_v2_wkc;
};

enum class ClientPhase : uint8_t { Tls, Auth, Push, Connected, Failed };
std::string_view to_string(ClientPhase p);

class Client {
public:
    Client(ClientSettings settings, uint64_t now_ms);
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // A datagram from the server (anything that is not a data packet).
    void receive(ByteSpan datagram, uint64_t now_ms);
    // Datagrams to send now (resets, TLS records, retransmissions, acks); also checks the
    // handshake window.
    std::vector<Bytes> poll(uint64_t now_ms);
    // Tells the server we are leaving (EXIT on the control channel).
    void send_exit();

    ClientPhase phase() const { return phase_; }
    const std::string& failure() const { return failure_; }
    // What the server pushed (valid once connected).
    const PushedConfig& pushed() const { return pushed_; }
    crypto::Cipher cipher() const { return cipher_; }
    crypto::Digest digest() const { return settings_.auth; }
    // Keys derived since the last call, oldest first (the newest is the one to send with).
    std::vector<DataKeys> take_keys();
    // "AES-256-GCM" or "AES-256-CBC/SHA256", for `vpnctl interfaces`.
    std::string encoding() const;
    uint64_t bad_datagrams() const { return bad_datagrams_; }

private:
    struct Key {
        std::unique_ptr<KeyState> state;
        bool peer_reset_seen = false;
        bool tls_started = false;
        bool key_method2_sent = false;
        bool derived = false;
        std::optional<KeyMethod2> mine;
        std::optional<KeyMethod2> theirs;
        Bytes inbox;
        MessageSplitter messages;
    };
    Key& add_key(uint8_t key_id, uint64_t now_ms);
    void process(Key& key, uint8_t key_id, uint64_t now_ms);
    void on_message(const std::string& m, uint64_t now_ms);
    void on_push_reply(const std::vector<std::string>& options);
    void derive(Key& key, uint8_t key_id);
    void fail(std::string reason);
    std::string peer_info() const;

    ClientSettings settings_;
    uint64_t started_ms_;
    ClientPhase phase_ = ClientPhase::Tls;
    std::string failure_;
    SessionId sid_{};
    std::optional<SessionId> server_sid_;
    std::map<uint8_t, Key> keys_state_;
    uint8_t current_key_id_ = 0;
    uint64_t push_requested_ms_ = 0;
    PushAccumulator push_;
    PushedConfig pushed_;
    crypto::Cipher cipher_ = crypto::Cipher::None;
    std::vector<DataKeys> new_keys_;
    uint64_t bad_datagrams_ = 0;
    ControlWrap wrap_; // tls-auth / tls-crypt, or none
};

} // namespace vp::ovpn
