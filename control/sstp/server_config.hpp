// The SSTP server's settings as the `sstp_server` section gives them (RouterOS's
// `/interface sstp-server server`), already checked by control/services.cpp, and the TLS policy
// they select. What the server does not implement yet is refused there, not ignored here.
#pragma once

#include "control/ppp/types.hpp"
#include "control/tls/context.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace vp::sstp {

enum class TlsVersions : uint8_t { Any, Only12, Only13 };
enum class Pfs : uint8_t { No, Yes, Required };

struct ServerConfig {
    bool enabled = false;
    uint16_t port = 443;
    std::string certificate = "none"; // a certificate store entry
    std::string default_profile = "default";
    // In the order the server offers them (strongest first), whatever order the file lists.
    std::vector<ppp::AuthMethod> authentication = {ppp::AuthMethod::MsChapV2,
                                                   ppp::AuthMethod::MsChapV1,
                                                   ppp::AuthMethod::ChapMd5, ppp::AuthMethod::Pap};
    uint16_t max_mtu = 1500; // the most the server sends: PPP MTU = min(max_mtu, peer's MRU)
    uint16_t max_mru = 1500; // the MRU the server asks for in LCP
    uint32_t mrru = 0;       // 0: disabled (MLPPP is not implemented)
    uint32_t keepalive_timeout_s = 60; // 0: disabled
    // Connections still negotiating (TLS, HTTP, SSTP, PPP until the call is up), in all and
    // from one source address: beyond them a new connection is closed at once and counted.
    uint32_t max_handshakes = 1024;
    uint32_t max_handshakes_per_source = 64;
    bool verify_client_certificate = false;
    TlsVersions tls_version = TlsVersions::Any;
    bool force_aes = false; // TLS 1.3 offers AES-256-GCM only (no ChaCha20-Poly1305)
    Pfs pfs = Pfs::No;
    std::vector<std::string> ciphers = {"aes256-gcm-sha384", "aes256-sha"}; // RouterOS names
};

// Versions, TLS 1.2 cipher list (from `ciphers` and `pfs`) for the server context.
tls::Policy tls_policy(const ServerConfig& config);

} // namespace vp::sstp
