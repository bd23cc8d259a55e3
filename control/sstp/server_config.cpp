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
    p.cipher_list = list;
    p.ciphersuites = "TLS_AES_256_GCM_SHA384";
    return p;
}

} // namespace vp::sstp
