// The `ovpn_server { ... }` section: RouterOS's /interface ovpn-server server properties
// (underscored), plus what RouterOS lacks (tls-auth, tls-crypt, tls-crypt-v2, AEAD ciphers
// beyond aes-gcm, renegotiation limits, rate limits). docs/ovpn.md lists every setting with its
// default and its RouterOS counterpart.
#pragma once

#include "base/ipv4.hpp"
#include "control/config/reader.hpp"
#include "control/ovpn/tls_auth.hpp"
#include "control/tls/context.hpp"
#include "crypto/cipher.hpp"

#include <optional>
#include <string>
#include <vector>

namespace vp::ovpn {

// `protocol`: udp, tcp, or "udp,tcp" (both on the same port number at once).
enum class Transport : uint8_t { Udp, Tcp, UdpTcp };
inline bool serves_udp(Transport t) {
    return t != Transport::Tcp;
}
inline bool serves_tcp(Transport t) {
    return t != Transport::Udp;
}

struct TlsAuthConfig {
    std::string key_file;
    KeyDirection direction = KeyDirection::Normal; // key-direction 0, as OpenVPN servers use
    std::optional<crypto::Digest> digest;          // default: `auth` (SHA1 if auth is null)
    bool operator==(const TlsAuthConfig&) const = default;
};

struct ServerConfig {
    bool enabled = false;
    uint16_t port = 1194;
    Transport protocol = Transport::Udp;
    std::string mode = "ip"; // layer 3; "ethernet" (TAP) is not supported

    // TLS identity. `certificate` names an entry of the certificate store (RouterOS style;
    // control/services.cpp loads it); without it, the PEM files below are used.
    std::string certificate;
    std::string certificate_file; // leaf + chain, PEM
    std::string private_key_file;
    std::string ca_file;  // CAs for client certificates
    std::string crl_file; // optional
    bool require_client_certificate = false;
    tls::Version tls_version_min = tls::Version::Tls12;

    crypto::Digest auth = crypto::Digest::Sha1; // HMAC for CBC ciphers (RouterOS default)
    std::vector<crypto::Cipher> ciphers;        // in preference order
    std::optional<crypto::Cipher> data_ciphers_fallback;
    bool tls_ekm = true; // push TLS-EKM key derivation to clients that support it

    std::string default_profile = "default";
    uint32_t keepalive_timeout_s = 60; // 0: disabled
    uint32_t max_mtu = 1500;
    bool redirect_gateway = false;
    bool redirect_gateway_ipv6 = false;
    std::vector<net::Ipv4Prefix> push_routes;

    uint32_t reneg_sec = 3600; // 0: the server never starts a renegotiation by time
    uint64_t reneg_bytes = 0;
    uint64_t reneg_packets = 0;
    uint32_t handshake_window_s = 60;    // hand-window
    uint32_t transition_window_s = 3600; // tran-window: how long an old key is still accepted
    uint32_t tls_timeout_s = 2;

    std::optional<TlsAuthConfig> tls_auth;
    std::string tls_crypt_key_file;
    std::string tls_crypt_v2_key_file;
    // Refuse tls-crypt-v2 clients that cannot resend their wrapped key (pre-2.6), which would
    // make the server keep state before the client proved its address.
    bool tls_crypt_v2_force_cookie = false;

    uint32_t replay_window = 64;
    uint32_t initial_packet_limit = 100; // replies to new clients per period (connect-freq-initial)
    uint32_t initial_packet_period_s = 10;
    // Replies per source /24 per period: the reflection limit toward any one network, and what
    // keeps a flood from a few prefixes from spending the global ceiling (initial_budget.hpp).
    uint32_t initial_packet_prefix_limit = 10;
    uint32_t max_sessions = 65536;
    // OpenVPN/TCP connections that have not completed their handshake (TLS, key method 2 and
    // authentication: until the session's keys are installed), in all and from one source
    // address: beyond them a new connection is closed before any TLS work and counted. Over
    // UDP the stateless cookie keeps spoofed resets from holding state, so these are TCP's.
    uint32_t max_tcp_handshakes = 1024;
    uint32_t max_tcp_handshakes_per_source = 64;
};

// The RouterOS default list minus blowfish128 (not supported), with the AEAD ciphers first.
std::vector<crypto::Cipher> default_ciphers();

// Reads `ovpn_server`; problems are recorded in the section's diagnostics.
ServerConfig parse_server_config(config::Section& section);

} // namespace vp::ovpn
