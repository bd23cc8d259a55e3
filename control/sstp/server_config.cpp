// The TLS policy of the SSTP server from its RouterOS-style settings.
#include "control/sstp/server_config.hpp"

namespace vp::sstp {

tls::Policy tls_policy(const ServerConfig& config) {
    tls::Policy p;
    p.min_version =
        config.tls_version == TlsVersions::Only13 ? tls::Version::Tls13 : tls::Version::Tls12;
    if (config.tls_version == TlsVersions::Only12) p.max_version = tls::Version::Tls12;
    // RouterOS's two names, ECDHE first; `pfs = required` leaves out the RSA key exchange.
    std::string list;
    auto add = [&](const char* suite) {
        if (!list.empty()) list += ':';
        list += suite;
    };
    for (const auto& c : config.ciphers) {
        bool gcm = c == "aes256-gcm-sha384";
        add(gcm ? "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"
                : "ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA");
    }
    if (config.pfs != Pfs::Required)
        for (const auto& c : config.ciphers)
            add(c == "aes256-gcm-sha384" ? "AES256-GCM-SHA384" : "AES256-SHA");
    p.cipher_list = list; // AES only, whatever force_aes says: RouterOS's two names are AES
    // TLS 1.3: AES-256-GCM first, then ChaCha20-Poly1305 for clients without AES hardware,
    // unless `force_aes` (RouterOS force-aes: AES encryption only) leaves it out.
    p.ciphersuites = config.force_aes ? "TLS_AES_256_GCM_SHA384"
                                      : "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
    return p;
}

} // namespace vp::sstp
