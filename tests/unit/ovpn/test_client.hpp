// A minimal OpenVPN 2.6-style client built from the server's own parts (reliability, wrapping,
// TLS client context, key method 2), for driving vp::ovpn::Server in unit tests without
// sockets. It can pretend to be other clients through its peer-info and options string.
#pragma once

#include "control/ovpn/control_wrap.hpp"
#include "control/ovpn/endpoint.hpp"
#include "control/ovpn/key_derivation.hpp"
#include "control/ovpn/key_state.hpp"
#include "control/ovpn/options.hpp"
#include "control/ovpn/static_key.hpp"
#include "tests/unit/ovpn/test_pki.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vp::test {

inline const char* openvpn26_peer_info =
    "IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
    "IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\n"
    "IV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n";
inline const char* openvpn26_options =
    "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,"
    "key-method 2,tls-client";

struct ClientConfig {
    std::string user = "alice";
    std::string password = "wonderland";
    std::string peer_info = openvpn26_peer_info;
    std::string options = openvpn26_options;
    enum class Wrap { None, Auth, Crypt, CryptV2 } wrap = Wrap::None;
    ovpn::StaticKey wrap_key;                   // tls-auth / tls-crypt
    ovpn::TlsCryptV2ClientKey v2_key;           // tls-crypt-v2
    bool early_negotiation = true;              // tls-crypt-v2: announce WKc resend (2.6)
    crypto::Digest auth = crypto::Digest::Sha1; // --auth (tls-auth HMAC, CBC HMAC)
    TestPki::ClientCert cert = TestPki::ClientCert::None;
    ovpn::Endpoint endpoint{0x7f000001, 40000};
};

class TestClient {
public:
    explicit TestClient(ClientConfig config);

    const ovpn::Endpoint& endpoint() const { return config_.endpoint; }
    ClientConfig& config() { return config_; }

    // The hard reset (first datagram).
    void start(uint64_t now_ms);
    void receive(ByteSpan datagram, uint64_t now_ms);
    // Datagrams to send now: new packets, retransmissions, acks.
    std::vector<Bytes> poll(uint64_t now_ms);
    void send_message(const std::string& text);
    void renegotiate();

    bool connected() const { return push_options_.has_value(); }
    const std::vector<std::string>& push_options() const { return *push_options_; }
    bool pushed(const std::string& option) const;
    const std::vector<std::string>& messages() const { return messages_; }
    bool received(const std::string& prefix) const;
    bool tls_failed() const { return tls_failed_; }
    bool server_asked_for_wkc() const { return server_asked_for_wkc_; }
    const ovpn::SessionId& session_id() const { return sid_; }
    std::optional<ovpn::SessionId> server_session_id() const { return server_sid_; }
    // Data-channel keys the client derived, by key id.
    const std::map<uint8_t, ovpn::DataKeys>& keys() const { return keys_; }

private:
    struct Key {
        std::unique_ptr<ovpn::KeyState> state;
        bool peer_reset_seen = false;
        bool tls_started = false;
        bool key_method2_sent = false;
        std::optional<ovpn::KeyMethod2> mine;
        std::optional<ovpn::KeyMethod2> theirs;
        Bytes inbox;
        ovpn::MessageSplitter messages;
    };
    Key& add_key(uint8_t key_id);
    void process(Key& key, uint8_t key_id);
    void on_message(const std::string& m);
    void derive(Key& key, uint8_t key_id);

    ClientConfig config_;
    std::shared_ptr<const tls::Context> tls_;
    ovpn::ControlWrap wrap_;
    ovpn::SessionId sid_{};
    std::optional<ovpn::SessionId> server_sid_;
    std::map<uint8_t, Key> keys_state_;
    uint8_t current_key_id_ = 0;
    bool server_asked_for_wkc_ = false;
    bool tls_failed_ = false;
    std::vector<std::string> messages_;
    std::optional<std::vector<std::string>> push_options_;
    bool use_ekm_ = false;
    crypto::Cipher cipher_ = crypto::Cipher::None;
    std::map<uint8_t, ovpn::DataKeys> keys_;
    uint32_t time_s_ = 0;
};

} // namespace vp::test
