// Test certificates made in memory with OpenSSL (EC P-256): a CA, a server certificate, a client
// certificate (CN "alice"), a client certificate from a foreign CA, and one signed by the CA whose
// CN holds a NUL and control bytes (CVE-2017-7522's input).
#pragma once

#include "control/tls/context.hpp"
#include "control/tls/credentials.hpp"

#include <memory>

namespace vp::test {

class TestPki {
public:
    static const TestPki& get();

    // The server's certificate and key, trusting the CA for client certificates.
    tls::Credentials server() const;
    // A client: trusts the CA; with a certificate signed by the CA, by the foreign CA, or none.
    enum class ClientCert { None, Good, Foreign, NulInName };
    tls::Credentials client(ClientCert cert = ClientCert::None) const;

    // A CRL signed by the CA; it revokes the good client certificate when `revoke_client`.
    tls::X509CrlPtr crl(bool revoke_client) const;

    std::shared_ptr<const tls::Context> server_context(bool require_client_cert = false) const;
    std::shared_ptr<const tls::Context> client_context(ClientCert cert = ClientCert::None) const;

private:
    TestPki();
    tls::X509Ptr ca_, server_, client_, foreign_ca_, foreign_, nul_;
    tls::EvpPkeyPtr ca_key_, server_key_, client_key_, foreign_ca_key_, foreign_key_;
};

} // namespace vp::test
