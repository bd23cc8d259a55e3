// Server setup: TLS context and wrapping keys.
#include "control/ovpn/setup.hpp"

namespace vp::ovpn {

Result<tls::Credentials> load_config_credentials(const ServerConfig& c) {
    tls::PemFiles files;
    files.certificate = c.certificate_file;
    files.private_key = c.private_key_file.empty() ? c.certificate_file : c.private_key_file;
    files.ca = c.ca_file;
    files.crl = c.crl_file;
    return tls::load_pem_files(files);
}

Result<std::shared_ptr<const ServerSetup>> make_server_setup(ServerConfig config,
                                                             const tls::Credentials& credentials) {
    auto setup = std::make_shared<ServerSetup>();
    tls::Policy policy;
    policy.min_version = config.tls_version_min;
    policy.require_peer_certificate = config.require_client_certificate;
    auto ctx = tls::Context::server(credentials, policy);
    if (!ctx) return make_error("ovpn_server: TLS: " + ctx.message());
    setup->tls = *ctx;

    if (config.tls_auth) {
        auto text = read_key_file(config.tls_auth->key_file);
        if (!text) return make_error("ovpn_server.tls_auth: " + text.message());
        auto key = parse_static_key(*text);
        if (!key)
            return make_error("ovpn_server.tls_auth: " + config.tls_auth->key_file + ": " +
                              key.message());
        crypto::Digest digest = config.tls_auth->digest.value_or(
            config.auth == crypto::Digest::None ? crypto::Digest::Sha1 : config.auth);
        if (digest == crypto::Digest::None)
            return make_error("ovpn_server.tls_auth: the digest cannot be null");
        setup->tls_auth = std::make_shared<TlsAuth>(*key, config.tls_auth->direction, digest);
    }
    if (!config.tls_crypt_key_file.empty()) {
        auto text = read_key_file(config.tls_crypt_key_file);
        if (!text) return make_error("ovpn_server.tls_crypt: " + text.message());
        auto key = parse_static_key(*text);
        if (!key)
            return make_error("ovpn_server.tls_crypt: " + config.tls_crypt_key_file + ": " +
                              key.message());
        setup->tls_crypt = std::make_shared<TlsCrypt>(*key, TlsCrypt::Role::Server);
    }
    if (!config.tls_crypt_v2_key_file.empty()) {
        auto text = read_key_file(config.tls_crypt_v2_key_file);
        if (!text) return make_error("ovpn_server.tls_crypt_v2: " + text.message());
        auto key = parse_tls_crypt_v2_server_key(*text);
        if (!key)
            return make_error("ovpn_server.tls_crypt_v2: " + config.tls_crypt_v2_key_file + ": " +
                              key.message());
        setup->tls_crypt_v2 = *key;
    }
    setup->config = std::move(config);
    return std::shared_ptr<const ServerSetup>(std::move(setup));
}

} // namespace vp::ovpn
