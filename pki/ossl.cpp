// OpenSSL plumbing shared by pki/: error text, PEM/DER, fingerprints, times and names.
#include "pki/ossl.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstdio>

namespace vp::pki {

std::string openssl_errors() {
    std::string out;
    unsigned long code;
    while ((code = ERR_get_error()) != 0) {
        const char* reason = ERR_reason_error_string(code);
        std::string text = reason ? reason : "error " + std::to_string(code);
        // The same reason is often queued by several layers; say it once.
        if (out.find(text) != std::string::npos) continue;
        out += out.empty() ? "" : "; ";
        out += text;
    }
    return out;
}

Error openssl_error(std::string_view what) {
    std::string reason = openssl_errors();
    std::string message(what);
    if (!reason.empty()) message += ": " + reason;
    return make_error(std::move(message));
}

X509Ptr up_ref(X509* cert) {
    X509_up_ref(cert);
    return X509Ptr(cert);
}

EvpPkeyPtr up_ref(EVP_PKEY* key) {
    EVP_PKEY_up_ref(key);
    return EvpPkeyPtr(key);
}

namespace {

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

BioPtr mem_bio() {
    return BioPtr(BIO_new(BIO_s_mem()));
}

BioPtr read_bio(std::string_view text) {
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string hex(const unsigned char* data, size_t len, bool upper) {
    static const char* lower_digits = "0123456789abcdef";
    static const char* upper_digits = "0123456789ABCDEF";
    const char* digits = upper ? upper_digits : lower_digits;
    std::string out;
    out.reserve(len * 2);
    for (size_t i = 0; i < len; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0xf];
    }
    return out;
}

std::string fingerprint(X509* cert, const EVP_MD* md) {
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, md, buf, &len) != 1) return {};
    return hex(buf, len, false);
}

} // namespace

std::string to_pem(X509* cert) {
    auto bio = mem_bio();
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
    return bio_text(bio.get());
}

std::string to_pem(X509_CRL* crl) {
    auto bio = mem_bio();
    if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl) != 1) return {};
    return bio_text(bio.get());
}

std::string private_key_to_pem(EVP_PKEY* key) {
    auto bio = mem_bio();
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    return bio_text(bio.get());
}

Result<std::string> private_key_to_encrypted_pem(EVP_PKEY* key, std::string_view passphrase) {
    auto bio = mem_bio();
    std::string pass(passphrase);
    // PKCS#8 with a PBES2 cipher: OpenSSL 3 uses PBKDF2 with HMAC-SHA256 for the key derivation.
    if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key, EVP_aes_256_cbc(), pass.data(),
                                              static_cast<int>(pass.size()), nullptr, nullptr) != 1)
        return openssl_error("cannot encrypt the private key");
    return bio_text(bio.get());
}

Result<std::vector<X509Ptr>> certificates_from_pem(std::string_view pem) {
    auto bio = read_bio(pem);
    std::vector<X509Ptr> out;
    while (true) {
        X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) break;
        out.push_back(std::move(cert));
    }
    // Reaching the end of the buffer leaves a "no start line" error behind; anything read is
    // what counts.
    std::string errors = openssl_errors();
    if (out.empty())
        return make_error("no PEM certificate found" + (errors.empty() ? "" : " (" + errors + ")"));
    return out;
}

Result<X509Ptr> certificate_from_pem(std::string_view pem) {
    auto bio = read_bio(pem);
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) return openssl_error("not a PEM certificate");
    return cert;
}

Result<X509CrlPtr> crl_from_pem(std::string_view pem) {
    auto bio = read_bio(pem);
    X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (!crl) return openssl_error("not a PEM CRL");
    return crl;
}

std::vector<uint8_t> to_der(X509* cert) {
    unsigned char* der = nullptr;
    int len = i2d_X509(cert, &der);
    if (len <= 0) return {};
    std::vector<uint8_t> out(der, der + len);
    OPENSSL_free(der);
    return out;
}

std::string fingerprint_sha1(X509* cert) {
    return fingerprint(cert, EVP_sha1());
}

std::string fingerprint_sha256(X509* cert) {
    return fingerprint(cert, EVP_sha256());
}

std::string serial_hex(const ASN1_INTEGER* serial) {
    BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!bn) return {};
    char* text = BN_bn2hex(bn.get());
    std::string out = text ? text : "";
    OPENSSL_free(text);
    return out;
}

std::time_t to_time_t(const ASN1_TIME* t) {
    struct tm tm {};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
    return timegm(&tm);
}

std::string format_time(std::time_t t) {
    struct tm tm {};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string format_duration(std::int64_t seconds) {
    if (seconds <= 0) return "expired";
    struct Unit {
        const char* suffix;
        std::int64_t seconds;
    };
    static const Unit units[] = {{"w", 7 * 86400}, {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}};
    std::string out;
    for (auto& u : units) {
        std::int64_t n = seconds / u.seconds;
        seconds %= u.seconds;
        if (n > 0) out += std::to_string(n) + u.suffix;
    }
    return out;
}

std::string name_to_string(const X509_NAME* name) {
    auto bio = mem_bio();
    // RFC 2253 escaping, but in the certificate's own order (C first, CN last) and UTF-8 kept.
    unsigned long flags = (XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV) & ~ASN1_STRFLGS_ESC_MSB;
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
    return bio_text(bio.get());
}

std::string common_name(X509* cert) {
    X509_NAME* name = X509_get_subject_name(cert);
    int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0) return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) return {};
    std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
    return out;
}

bool is_self_signed(X509* cert) {
    int r = X509_self_signed(cert, 1);
    ERR_clear_error();
    return r == 1;
}

bool is_ca(X509* cert) {
    return (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
}

bool public_keys_match(X509* cert, EVP_PKEY* key) {
    EVP_PKEY* pub = X509_get0_pubkey(cert);
    bool match = pub && EVP_PKEY_eq(pub, key) == 1;
    ERR_clear_error();
    return match;
}

} // namespace vp::pki
