// The text OpenVPN peers exchange inside the control channel:
// - the OCC options string of key method 2 ("V4,dev-type tun,...,cipher AES-256-GCM,...");
// - the client's peer-info (IV_VER=2.6.14\nIV_PROTO=990\nIV_CIPHERS=...), incl. IV_PROTO bits;
// - NUL-terminated control messages (PUSH_REQUEST, PUSH_REPLY,..., AUTH_FAILED, EXIT, ...);
// - PUSH_REPLY option lists.
// All parsers are pure and bounded.
#pragma once

#include "base/bytes.hpp"
#include "crypto/cipher.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vp::ovpn {

// IV_PROTO bits (ssl.h in OpenVPN 2.6).
namespace iv_proto {
constexpr uint32_t data_v2 = 1u << 1;
constexpr uint32_t request_push = 1u << 2;   // accepts PUSH_REPLY without a PUSH_REQUEST
constexpr uint32_t tls_key_export = 1u << 3; // can derive data keys with TLS-EKM
constexpr uint32_t auth_pending_kw = 1u << 4;
constexpr uint32_t ncp_p2p = 1u << 5;
constexpr uint32_t dns_option = 1u << 6;
constexpr uint32_t cc_exit_notify = 1u << 7; // understands "protocol-flags"; sends EXIT
constexpr uint32_t auth_fail_temp = 1u << 8;
constexpr uint32_t dyn_tls_crypt = 1u << 9;
} // namespace iv_proto

// OCC options string: comma-separated "name value" items, first the version tag ("V4").
struct OptionsString {
    std::vector<std::pair<std::string, std::string>> items;
    std::optional<std::string> get(std::string_view name) const;
};
OptionsString parse_options_string(std::string_view text);

struct OccOptions {
    uint32_t tun_mtu = 1500;
    uint32_t link_mtu = 0; // 0: computed from the cipher
    crypto::Cipher cipher = crypto::Cipher::Aes256Gcm;
    crypto::Digest digest = crypto::Digest::Sha1; // ignored for AEAD ciphers
    bool tls_auth = false;
    bool server = true;
    bool tcp = false; // proto TCPv4_SERVER / TCPv4_CLIENT instead of UDPv4
};
std::string build_options_string(const OccOptions& o);

// peer-info: newline-separated NAME=VALUE lines.
struct PeerInfo {
    std::vector<std::pair<std::string, std::string>> vars;

    std::optional<std::string> get(std::string_view name) const;
    uint32_t iv_proto() const;
    int iv_ncp() const;
    // IV_CIPHERS split on ':' (nullopt when the client sent no IV_CIPHERS).
    std::optional<std::vector<std::string>> ciphers() const;
    std::string version() const;  // IV_VER or "unknown"
    std::string platform() const; // IV_PLAT or "unknown"
};
PeerInfo parse_peer_info(std::string_view text);

// Splits the TLS plaintext stream into NUL-terminated control messages. Trailing CR/LF are
// removed (as OpenVPN does); messages with non-printable characters are dropped.
class MessageSplitter {
public:
    static constexpr size_t max_message_bytes = 16384;

    // Returns false if the stream is broken (a message longer than the limit).
    bool feed(ByteSpan data);
    std::optional<std::string> next();

private:
    std::string partial_;
    std::vector<std::string> ready_;
    size_t read_ = 0;
};

// "PUSH_REPLY,opt,opt,..." -> the options; nullopt if not a PUSH_REPLY.
std::optional<std::vector<std::string>> parse_push_reply(std::string_view message);

// Whether a message starts with `command` followed by end or ','.
bool is_command(std::string_view message, std::string_view command);

} // namespace vp::ovpn
