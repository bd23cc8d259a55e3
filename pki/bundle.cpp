// Import parsing (PEM, DER, PKCS#12) and PKCS#12 export (see bundle.hpp).
#include "pki/bundle.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>

#include <cstring>

namespace vp::pki {

namespace {

struct PassphraseArg {
    std::string_view text;
};

int passphrase_cb(char* buf, int size, int, void* u) {
    auto* arg = static_cast<PassphraseArg*>(u);
    if (!arg || arg->text.empty() || arg->text.size() > static_cast<size_t>(size)) return 0;
    std::memcpy(buf, arg->text.data(), arg->text.size());
    return static_cast<int>(arg->text.size());
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

// OpenSSL stops loading the default provider implicitly once any provider is loaded explicitly,
// so the legacy provider is always loaded together with the default one. They stay loaded for
// the process's life and are unloaded at exit (before OpenSSL's own cleanup, which was
// registered earlier).
struct LegacyProviders {
    OSSL_PROVIDER* default_provider = nullptr;
    OSSL_PROVIDER* legacy_provider = nullptr;
    LegacyProviders() {
        default_provider = OSSL_PROVIDER_load(nullptr, "default");
        legacy_provider = OSSL_PROVIDER_load(nullptr, "legacy");
        ERR_clear_error();
    }
    ~LegacyProviders() {
        if (legacy_provider) OSSL_PROVIDER_unload(legacy_provider);
        if (default_provider) OSSL_PROVIDER_unload(default_provider);
    }
    LegacyProviders(const LegacyProviders&) = delete;
    LegacyProviders& operator=(const LegacyProviders&) = delete;
};

bool load_legacy_provider() {
    static LegacyProviders providers; // thread-safe one-time initialisation
    return providers.default_provider && providers.legacy_provider;
}

Result<EvpPkeyPtr> read_pem_key(const std::string& block, bool encrypted,
                                std::string_view passphrase) {
    BioPtr bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
    PassphraseArg arg{passphrase};
    EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_cb, &arg));
    if (key) return key;
    if (encrypted && passphrase.empty()) {
        ERR_clear_error();
        return make_error("the private key is encrypted: give passphrase=");
    }
    if (encrypted) {
        ERR_clear_error();
        return make_error("wrong passphrase for the private key");
    }
    return openssl_error("cannot read the private key");
}

Result<Bundle> parse_pem(std::span<const uint8_t> data, std::string_view passphrase) {
    Bundle out;
    out.format = BundleFormat::Pem;
    BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    while (true) {
        char* name = nullptr;
        char* header = nullptr;
        unsigned char* der = nullptr;
        long len = 0;
        if (PEM_read_bio(bio.get(), &name, &header, &der, &len) != 1) {
            unsigned long err = ERR_peek_last_error();
            // Running out of PEM blocks is the normal end; anything else is a damaged file.
            if (ERR_GET_REASON(err) != PEM_R_NO_START_LINE)
                return openssl_error("damaged PEM data");
            ERR_clear_error();
            break;
        }
        std::string type = name;
        std::string head = header ? header : "";
        std::string block;
        {
            BioPtr w(BIO_new(BIO_s_mem()));
            PEM_write_bio(w.get(), name, header, der, len);
            char* p = nullptr;
            long n = BIO_get_mem_data(w.get(), &p);
            block.assign(p, static_cast<size_t>(n));
        }
        const unsigned char* cursor = der;
        X509* cert = nullptr;
        if (type == "CERTIFICATE" || type == "X509 CERTIFICATE") {
            cert = d2i_X509(nullptr, &cursor, len);
        } else if (type == "TRUSTED CERTIFICATE") {
            cert = d2i_X509_AUX(nullptr, &cursor, len);
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
        if (type.find("CERTIFICATE") != std::string::npos) {
            if (!cert) return openssl_error("damaged certificate in PEM data");
            out.certificates.emplace_back(cert);
        } else if (type.size() >= 11 && type.compare(type.size() - 11, 11, "PRIVATE KEY") == 0) {
            bool encrypted = type == "ENCRYPTED PRIVATE KEY" || contains(head, "ENCRYPTED");
            auto key = read_pem_key(block, encrypted, passphrase);
            if (!key) return key.error();
            out.private_keys.push_back(std::move(*key));
        }
        // Other blocks (CRLs, parameters) are not store material; they are skipped.
    }
    if (out.certificates.empty() && out.private_keys.empty())
        return make_error("no certificate or private key found in the PEM data");
    return out;
}

Result<Bundle> parse_pkcs12(PKCS12* p12, std::string_view passphrase) {
    std::string pass(passphrase);
    const char* pass_ptr = pass.c_str();
    if (PKCS12_mac_present(p12)) {
        bool ok = false;
        if (pass.empty()) {
            if (PKCS12_verify_mac(p12, nullptr, 0) == 1) {
                ok = true;
                pass_ptr = nullptr;
            } else {
                ok = PKCS12_verify_mac(p12, "", 0) == 1;
            }
        } else {
            ok = PKCS12_verify_mac(p12, pass.c_str(), static_cast<int>(pass.size())) == 1;
        }
        ERR_clear_error();
        if (!ok)
            return make_error(pass.empty() ? "the PKCS#12 file is protected: give passphrase="
                                           : "wrong passphrase for the PKCS#12 file");
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        EVP_PKEY* key = nullptr;
        X509* cert = nullptr;
        STACK_OF(X509)* ca = nullptr;
        if (PKCS12_parse(p12, pass_ptr, &key, &cert, &ca) == 1) {
            Bundle out;
            out.format = BundleFormat::Pkcs12;
            if (cert) out.certificates.emplace_back(cert);
            X509StackPtr chain(ca);
            while (chain && sk_X509_num(chain.get()) > 0)
                out.certificates.emplace_back(sk_X509_shift(chain.get()));
            if (key) out.private_keys.emplace_back(key);
            if (out.certificates.empty() && out.private_keys.empty())
                return make_error("the PKCS#12 file holds no certificate or key");
            return out;
        }
        // RC2/RC4-encrypted files (OpenSSL 1.x defaults) need the legacy provider.
        if (attempt == 0 && load_legacy_provider()) continue;
        return openssl_error("cannot decrypt the PKCS#12 file");
    }
    return make_error("cannot decrypt the PKCS#12 file");
}

} // namespace

std::string_view bundle_format_name(BundleFormat format) {
    switch (format) {
    case BundleFormat::Pem:
        return "PEM";
    case BundleFormat::Der:
        return "DER";
    case BundleFormat::Pkcs12:
        return "PKCS#12";
    }
    return "?";
}

Result<Bundle> parse_bundle(std::span<const uint8_t> data, std::string_view passphrase) {
    ERR_clear_error();
    if (data.empty()) return make_error("the file is empty");
    if (data.size() > (16u << 20)) return make_error("the file is too large");
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    if (contains(text, "-----BEGIN ")) return parse_pem(data, passphrase);

    const long len = static_cast<long>(data.size());
    {
        const unsigned char* p = data.data();
        X509Ptr cert(d2i_X509(nullptr, &p, len));
        if (cert && p == data.data() + data.size()) {
            Bundle out;
            out.format = BundleFormat::Der;
            out.certificates.push_back(std::move(cert));
            return out;
        }
    }
    {
        const unsigned char* p = data.data();
        Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, len));
        if (p12 && p == data.data() + data.size()) {
            ERR_clear_error();
            return parse_pkcs12(p12.get(), passphrase);
        }
    }
    {
        const unsigned char* p = data.data();
        EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, len));
        if (key && p == data.data() + data.size()) {
            ERR_clear_error();
            Bundle out;
            out.format = BundleFormat::Der;
            out.private_keys.push_back(std::move(key));
            return out;
        }
    }
    {
        // An encrypted PKCS#8 key in DER (X509_SIG around the encrypted key).
        const unsigned char* p = data.data();
        X509_SIG* sig = d2i_X509_SIG(nullptr, &p, len);
        if (sig && p == data.data() + data.size()) {
            X509_SIG_free(sig);
            ERR_clear_error();
            if (passphrase.empty())
                return make_error("the private key is encrypted: give passphrase=");
            BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
            PassphraseArg arg{passphrase};
            EvpPkeyPtr key(d2i_PKCS8PrivateKey_bio(bio.get(), nullptr, passphrase_cb, &arg));
            ERR_clear_error();
            if (!key) return make_error("wrong passphrase for the private key");
            Bundle out;
            out.format = BundleFormat::Der;
            out.private_keys.push_back(std::move(key));
            return out;
        }
        X509_SIG_free(sig);
    }
    ERR_clear_error();
    return make_error("not a PEM, DER or PKCS#12 certificate or key");
}

Result<std::vector<uint8_t>> export_pkcs12(X509* cert, EVP_PKEY* key,
                                           const std::vector<X509Ptr>& chain,
                                           std::string_view friendly_name,
                                           std::string_view passphrase,
                                           Pkcs12Encryption encryption) {
    ERR_clear_error();
    if (passphrase.size() < kMinExportPassphrase)
        return make_error("a PKCS#12 export needs export-passphrase of at least " +
                          std::to_string(kMinExportPassphrase) + " characters");
    X509StackPtr ca(sk_X509_new_null());
    for (auto& c : chain) {
        X509_up_ref(c.get());
        sk_X509_push(ca.get(), c.get());
    }
    const bool modern = encryption == Pkcs12Encryption::Modern;
    const int nid = modern ? NID_aes_256_cbc : NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
    const int iterations = modern ? 10000 : PKCS12_DEFAULT_ITER;
    std::string pass(passphrase);
    std::string name(friendly_name);
    // mac_iter -1 leaves the MAC out so that it is added below with an explicit digest.
    Pkcs12Ptr p12(PKCS12_create_ex(pass.c_str(), name.empty() ? nullptr : name.c_str(), key, cert,
                                   ca.get(), nid, nid, iterations, -1, 0, nullptr, nullptr));
    if (!p12) return openssl_error("cannot build the PKCS#12 file");
    if (PKCS12_set_mac(p12.get(), pass.c_str(), static_cast<int>(pass.size()), nullptr, 0,
                       iterations, modern ? EVP_sha256() : EVP_sha1()) != 1)
        return openssl_error("cannot add the PKCS#12 MAC");
    unsigned char* der = nullptr;
    int len = i2d_PKCS12(p12.get(), &der);
    if (len <= 0) return openssl_error("cannot encode the PKCS#12 file");
    std::vector<uint8_t> out(der, der + len);
    OPENSSL_free(der);
    return out;
}

} // namespace vp::pki
