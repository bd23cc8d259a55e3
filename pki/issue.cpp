// Key generation and X.509 v3 issuance (see issue.hpp).
#include "pki/issue.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include <arpa/inet.h>

namespace vp::pki {

namespace {

std::string x509_key_usage_text(uint32_t bits) {
    struct Name {
        uint32_t bit;
        const char* name;
    };
    static const Name names[] = {
        {KuDigitalSignature, "digitalSignature"},
        {KuContentCommitment, "nonRepudiation"},
        {KuKeyEncipherment, "keyEncipherment"},
        {KuDataEncipherment, "dataEncipherment"},
        {KuKeyAgreement, "keyAgreement"},
        {KuKeyCertSign, "keyCertSign"},
        {KuCrlSign, "cRLSign"},
        {KuEncipherOnly, "encipherOnly"},
        {KuDecipherOnly, "decipherOnly"},
        {EkuTlsServer, "serverAuth"},
        {EkuTlsClient, "clientAuth"},
        {EkuCodeSign, "codeSigning"},
        {EkuEmailProtect, "emailProtection"},
        {EkuTimestamp, "timeStamping"},
        {EkuOcspSign, "OCSPSigning"},
    };
    std::string out;
    for (auto& n : names) {
        if (!(bits & n.bit)) continue;
        out += out.empty() ? "" : ",";
        out += n.name;
    }
    return out;
}

Status add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
        return openssl_error(std::string("cannot add the ") + OBJ_nid2sn(nid) + " extension");
    return {};
}

Status add_subject_alt_names(X509* cert, const std::vector<SubjectAltName>& sans) {
    GeneralNamesPtr names(GENERAL_NAMES_new());
    for (auto& san : sans) {
        GENERAL_NAME* gen = GENERAL_NAME_new();
        if (!gen) return openssl_error("out of memory");
        if (san.kind == SubjectAltName::Kind::Ip) {
            ASN1_OCTET_STRING* ip = a2i_IPADDRESS(san.value.c_str());
            if (!ip) {
                GENERAL_NAME_free(gen);
                return openssl_error("bad IP address in subject-alt-name: " + san.value);
            }
            GENERAL_NAME_set0_value(gen, GEN_IPADD, ip);
        } else {
            ASN1_IA5STRING* text = ASN1_IA5STRING_new();
            ASN1_STRING_set(text, san.value.data(), static_cast<int>(san.value.size()));
            GENERAL_NAME_set0_value(
                gen, san.kind == SubjectAltName::Kind::Dns ? GEN_DNS : GEN_EMAIL, text);
        }
        sk_GENERAL_NAME_push(names.get(), gen);
    }
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return openssl_error("cannot add the subjectAltName extension");
    return {};
}

Status build_subject(X509_NAME* name, const CertificateTemplate& t) {
    struct Field {
        const char* sn;
        const std::string* value;
    };
    const Field fields[] = {{"C", &t.country},      {"ST", &t.state}, {"L", &t.locality},
                            {"O", &t.organization}, {"OU", &t.unit},  {"CN", &t.common_name}};
    for (auto& f : fields) {
        if (f.value->empty()) continue;
        if (X509_NAME_add_entry_by_txt(name, f.sn, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(f.value->data()),
                                       static_cast<int>(f.value->size()), -1, 0) != 1)
            return openssl_error(std::string("bad subject field ") + f.sn + "=" + *f.value);
    }
    return {};
}

// A TLS server certificate without subject-alt-name gets one from its common name when that is
// a host name or an address: TLS clients match SAN only (RFC 6125), CN is ignored by most.
std::vector<SubjectAltName> effective_sans(const CertificateTemplate& t, uint32_t usage) {
    if (!t.subject_alt_names.empty() || !(usage & EkuTlsServer) || (usage & KuKeyCertSign))
        return t.subject_alt_names;
    for (const char* prefix : {"IP:", "DNS:"}) {
        auto parsed = parse_subject_alt_names(prefix + t.common_name);
        if (parsed && (prefix[0] == 'I' || t.common_name.find('.') != std::string::npos))
            return *parsed;
    }
    return {};
}

bool valid_url(const std::string& url) {
    if (url.empty() || url.find("://") == std::string::npos) return false;
    for (unsigned char c : url)
        if (c <= 0x20 || c == ',' || c >= 0x7f) return false;
    return true;
}

} // namespace

Result<EvpPkeyPtr> generate_key(KeySpec spec) {
    EVP_PKEY* key = nullptr;
    if (spec.type == KeyType::Rsa) {
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.bits));
    } else {
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", spec.bits == 384 ? "P-384" : "P-256");
    }
    if (!key) return openssl_error("key generation failed");
    return EvpPkeyPtr(key);
}

std::optional<KeySpec> key_spec_of(EVP_PKEY* key) {
    if (!key) return std::nullopt;
    int id = EVP_PKEY_get_base_id(key);
    if (id == EVP_PKEY_RSA) return KeySpec{KeyType::Rsa, EVP_PKEY_get_bits(key)};
    if (id == EVP_PKEY_EC) return KeySpec{KeyType::Ec, EVP_PKEY_get_bits(key)};
    return std::nullopt;
}

Status check_can_sign(const Issuer& issuer, std::time_t now) {
    const std::string who = "CA '" + issuer.name + "'";
    if (!is_ca(issuer.certificate))
        return make_error("certificate '" + issuer.name +
                          "' is not a CA (no basicConstraints CA:TRUE); a CA is made by signing a "
                          "template with key-usage=key-cert-sign,crl-sign");
    uint32_t ku = X509_get_key_usage(issuer.certificate);
    if (ku != UINT32_MAX && !(ku & KU_KEY_CERT_SIGN))
        return make_error(who + " cannot sign certificates: its key-usage lacks key-cert-sign");
    if (!issuer.private_key)
        return make_error(who + " has no private key in this store, so it cannot sign");
    if (!public_keys_match(issuer.certificate, issuer.private_key))
        return make_error(who + ": the private key does not match the certificate");
    std::time_t not_after = to_time_t(X509_get0_notAfter(issuer.certificate));
    std::time_t not_before = to_time_t(X509_get0_notBefore(issuer.certificate));
    if (now > not_after)
        return make_error(who + " expired on " + format_time(not_after) +
                          " UTC; create a new CA and re-issue its certificates");
    if (now < not_before)
        return make_error(who + " is not valid before " + format_time(not_before) +
                          " UTC (check the system clock)");
    return {};
}

Result<X509Ptr> issue_certificate(const CertificateTemplate& t, EVP_PKEY* subject_key,
                                  const Issuer* issuer, std::time_t now) {
    ERR_clear_error();
    if (issuer)
        if (auto s = check_can_sign(*issuer, now); !s) return s.error();
    auto usage = resolve_key_usage(t, issuer == nullptr);
    if (!usage) return usage.error();
    const EVP_MD* md = EVP_get_digestbyname(t.digest.c_str());
    if (!md) return make_error("unknown digest-algorithm " + t.digest);

    X509Ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
        return openssl_error("cannot create a certificate");

    // RFC 5280 allows 20 octets of positive serial; 159 random bits always fit and are
    // unpredictable, which is what matters against chosen-prefix attacks.
    BignumPtr serial(BN_new());
    do {
        if (!serial || BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
            return openssl_error("cannot draw a random serial number");
    } while (BN_is_zero(serial.get()));
    if (!BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
        return openssl_error("cannot set the serial number");

    std::time_t start = now;
    if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -kBackdateSeconds, &start) ||
        !X509_time_adj_ex(X509_getm_notAfter(cert.get()), t.days_valid, 0, &start))
        return openssl_error("cannot set the validity period");

    X509NamePtr subject(X509_NAME_new());
    if (auto s = build_subject(subject.get(), t); !s) return s.error();
    if (X509_set_subject_name(cert.get(), subject.get()) != 1 ||
        X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer->certificate)
                                                : subject.get()) != 1 ||
        X509_set_pubkey(cert.get(), subject_key) != 1)
        return openssl_error("cannot set subject, issuer or public key");

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer->certificate : cert.get(), cert.get(), nullptr, nullptr,
                   0);
    const uint32_t bits = usage->bits;
    if (auto s = add_ext(cert.get(), &ctx, NID_basic_constraints,
                         usage->is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
        !s)
        return s.error();
    if (bits & kKeyUsageMask)
        if (auto s = add_ext(cert.get(), &ctx, NID_key_usage,
                             "critical," + x509_key_usage_text(bits & kKeyUsageMask));
            !s)
            return s.error();
    if (bits & kExtendedKeyUsageMask)
        if (auto s = add_ext(cert.get(), &ctx, NID_ext_key_usage,
                             x509_key_usage_text(bits & kExtendedKeyUsageMask));
            !s)
            return s.error();
    if (auto s = add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash"); !s)
        return s.error();
    if (auto s = add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"); !s)
        return s.error();
    auto sans = effective_sans(t, bits);
    if (!sans.empty())
        if (auto s = add_subject_alt_names(cert.get(), sans); !s) return s.error();
    if (issuer && !issuer->crl_url.empty()) {
        if (!valid_url(issuer->crl_url))
            return make_error("ca-crl-host of '" + issuer->name +
                              "' gives a bad URL: " + issuer->crl_url);
        if (auto s =
                add_ext(cert.get(), &ctx, NID_crl_distribution_points, "URI:" + issuer->crl_url);
            !s)
            return s.error();
    }

    EVP_PKEY* signing_key = issuer ? issuer->private_key : subject_key;
    if (X509_sign(cert.get(), signing_key, md) <= 0) return openssl_error("signing failed");
    return cert;
}

std::vector<std::string> crl_distribution_points(X509* cert) {
    std::vector<std::string> out;
    auto* points = static_cast<STACK_OF(DIST_POINT)*>(
        X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr));
    if (!points) return out;
    for (int i = 0; i < sk_DIST_POINT_num(points); ++i) {
        DIST_POINT* dp = sk_DIST_POINT_value(points, i);
        if (!dp->distpoint || dp->distpoint->type != 0) continue;
        GENERAL_NAMES* names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
            GENERAL_NAME* gen = sk_GENERAL_NAME_value(names, j);
            if (gen->type != GEN_URI) continue;
            const ASN1_STRING* uri = gen->d.uniformResourceIdentifier;
            out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                             static_cast<size_t>(ASN1_STRING_length(uri)));
        }
    }
    sk_DIST_POINT_pop_free(points, DIST_POINT_free);
    return out;
}

uint32_t key_usage_of(X509* cert) {
    uint32_t out = 0;
    uint32_t ku = X509_get_key_usage(cert);
    if (ku != UINT32_MAX) {
        if (ku & KU_DIGITAL_SIGNATURE) out |= KuDigitalSignature;
        if (ku & KU_NON_REPUDIATION) out |= KuContentCommitment;
        if (ku & KU_KEY_ENCIPHERMENT) out |= KuKeyEncipherment;
        if (ku & KU_DATA_ENCIPHERMENT) out |= KuDataEncipherment;
        if (ku & KU_KEY_AGREEMENT) out |= KuKeyAgreement;
        if (ku & KU_KEY_CERT_SIGN) out |= KuKeyCertSign;
        if (ku & KU_CRL_SIGN) out |= KuCrlSign;
        if (ku & KU_ENCIPHER_ONLY) out |= KuEncipherOnly;
        if (ku & KU_DECIPHER_ONLY) out |= KuDecipherOnly;
    }
    uint32_t xku = X509_get_extended_key_usage(cert);
    if (xku != UINT32_MAX) {
        if (xku & XKU_SSL_SERVER) out |= EkuTlsServer;
        if (xku & XKU_SSL_CLIENT) out |= EkuTlsClient;
        if (xku & XKU_CODE_SIGN) out |= EkuCodeSign;
        if (xku & XKU_SMIME) out |= EkuEmailProtect;
        if (xku & XKU_TIMESTAMP) out |= EkuTimestamp;
        if (xku & XKU_OCSP_SIGN) out |= EkuOcspSign;
    }
    return out;
}

std::vector<SubjectAltName> subject_alt_names_of(X509* cert) {
    std::vector<SubjectAltName> out;
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        GENERAL_NAME* gen = sk_GENERAL_NAME_value(names.get(), i);
        if (gen->type == GEN_DNS || gen->type == GEN_EMAIL) {
            const ASN1_STRING* s = gen->type == GEN_DNS ? gen->d.dNSName : gen->d.rfc822Name;
            out.push_back(
                {gen->type == GEN_DNS ? SubjectAltName::Kind::Dns : SubjectAltName::Kind::Email,
                 std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                             static_cast<size_t>(ASN1_STRING_length(s)))});
        } else if (gen->type == GEN_IPADD) {
            const ASN1_OCTET_STRING* ip = gen->d.iPAddress;
            int len = ASN1_STRING_length(ip);
            char text[INET6_ADDRSTRLEN] = {};
            if (len == 4 || len == 16)
                inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text,
                          sizeof text);
            out.push_back({SubjectAltName::Kind::Ip, text});
        }
    }
    return out;
}

} // namespace vp::pki
