// A self-signed certificate (P-256 unless asked for RSA-2048) and its key, for the in-process TLS
// peers of the SSTP tests and the control-plane benchmarks (the certificate store's issuance,
// pki/issue, is what the daemon uses).
#pragma once

#include "base/bytes.hpp"
#include "control/tls/ossl.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace vp::test {

struct SelfSigned {
    tls::X509Ptr cert;
    tls::EvpPkeyPtr key;
    enum class Key { P256, Rsa2048 };
    explicit SelfSigned(const char* cn = "vpn.test", Key type = Key::P256) {
        key.reset(type == Key::P256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048));
        cert.reset(X509_new());
        ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
        X509_set_pubkey(cert.get(), key.get());
        X509_NAME* n = X509_get_subject_name(cert.get());
        X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
        X509_set_issuer_name(cert.get(), n);
        X509_sign(cert.get(), key.get(), EVP_sha256());
    }
    Bytes der() const {
        int len = i2d_X509(cert.get(), nullptr);
        Bytes out(static_cast<size_t>(len));
        uint8_t* p = out.data();
        i2d_X509(cert.get(), &p);
        return out;
    }
};

} // namespace vp::test
