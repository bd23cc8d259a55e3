// An OpenSSL SSL_CTX built from credentials and a policy: which TLS versions and cipher suites,
// whether a peer certificate is required and what it must chain to (CA store, CRLs). Server
// contexts serve OpenVPN's (and SSTP's) control channels; client contexts exist for tests and
// tools. Contexts are immutable once built and shared by every session made from them.
#pragma once

#include "base/result.hpp"
#include "control/tls/credentials.hpp"
#include "control/tls/ossl.hpp"

#include <memory>
#include <optional>
#include <string>

namespace vp::tls {

enum class Version : uint8_t { Tls12, Tls13 };

struct Policy {
    Version min_version = Version::Tls12;  // OpenVPN 2.6's default floor; RouterOS clients: 1.2
    std::optional<Version> max_version;    // none: the newest OpenSSL offers
    bool require_peer_certificate = false; // RouterOS require-client-certificate
    // Whether a client context checks the server's certificate against `trusted`.
    bool verify_peer = true;
    std::string cipher_list;  // TLS <= 1.2 cipher list; empty: OpenSSL's default
    std::string ciphersuites; // TLS 1.3 suites; empty: OpenSSL's default
};

class Context {
public:
    static Result<std::shared_ptr<const Context>> server(const Credentials& credentials,
                                                         const Policy& policy);
    static Result<std::shared_ptr<const Context>> client(const Credentials& credentials,
                                                         const Policy& policy);

    SSL_CTX* native() const { return ctx_.get(); }
    bool is_server() const { return server_; }
    const Policy& policy() const { return policy_; }

private:
    Context(SslCtxPtr ctx, bool server, Policy policy)
        : ctx_(std::move(ctx)), server_(server), policy_(std::move(policy)) {}

    SslCtxPtr ctx_;
    bool server_;
    Policy policy_;
};

} // namespace vp::tls
