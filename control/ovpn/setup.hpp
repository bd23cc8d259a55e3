// Everything the server needs that comes from configuration, loaded once and shared read-only
// by the server and its sessions: the parsed config, the TLS context, and the control-channel
// wrapping keys. A reload builds a new setup; sessions keep the one they started with.
#pragma once

#include "base/result.hpp"
#include "control/ovpn/config.hpp"
#include "control/ovpn/static_key.hpp"
#include "control/ovpn/tls_auth.hpp"
#include "control/ovpn/tls_crypt.hpp"
#include "control/tls/context.hpp"
#include "control/tls/credentials.hpp"

#include <memory>
#include <optional>

namespace vp::ovpn {

struct ServerSetup {
    ServerConfig config;
    std::shared_ptr<const tls::Context> tls;
    std::shared_ptr<const TlsAuth> tls_auth;   // server-wide tls-auth, if configured
    std::shared_ptr<const TlsCrypt> tls_crypt; // server-wide tls-crypt, if configured
    std::optional<TlsCryptV2ServerKey> tls_crypt_v2;
};

// Builds the TLS context from `credentials` (certificate, key, chain, CAs, CRLs — from the PKI
// store or PEM files) and reads the wrapping key files named in `config`.
Result<std::shared_ptr<const ServerSetup>> make_server_setup(ServerConfig config,
                                                             const tls::Credentials& credentials);

// The PEM files named by the config (certificate_file, private_key_file, ca_file, crl_file).
Result<tls::Credentials> load_config_credentials(const ServerConfig& config);

} // namespace vp::ovpn
