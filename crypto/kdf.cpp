// EVP_KDF wrappers: no hand-written PRF or HKDF.
#include "crypto/kdf.hpp"

#include "base/ossl_ptr.hpp"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <string>

namespace vp::crypto {

namespace {

Result<Bytes> derive(const char* algorithm, OSSL_PARAM* params, size_t out_len) {
    OsslPtr<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, algorithm, nullptr));
    if (!kdf) return make_error(std::string("OpenSSL has no ") + algorithm + " KDF");
    OsslPtr<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf.get()));
    Bytes out(out_len);
    if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1)
        return make_error(std::string(algorithm) + " derivation failed");
    return out;
}

} // namespace

Result<Bytes> tls_prf(PrfHash hash, ByteSpan secret, std::string_view label, ByteSpan seed,
                      size_t out_len) {
    const char* digest = hash == PrfHash::Md5Sha1  ? "MD5-SHA1"
                         : hash == PrfHash::Sha256 ? "SHA256"
                                                   : "SHA384";
    // The PRF's seed is label || seed; EVP's TLS1-PRF concatenates repeated seed parameters.
    std::string label_copy(label);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
                                          const_cast<uint8_t*>(secret.data()), secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, label_copy.data(),
                                          label_copy.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, const_cast<uint8_t*>(seed.data()),
                                          seed.size()),
        OSSL_PARAM_construct_end(),
    };
    return derive("TLS1-PRF", params, out_len);
}

Result<Bytes> hkdf_expand_label(std::string_view digest, ByteSpan secret, std::string_view label,
                                ByteSpan context, size_t out_len) {
    std::string digest_copy(digest);
    std::string prefix = "tls13 ";
    std::string label_copy(label);
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[8];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_copy.data(), 0);
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()), secret.size());
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, prefix.data(), prefix.size());
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, label_copy.data(),
                                                    label_copy.size());
    // OpenSSL rejects a null data pointer, so an empty context is simply left out.
    if (!context.empty())
        params[n++] = OSSL_PARAM_construct_octet_string(
            OSSL_KDF_PARAM_DATA, const_cast<uint8_t*>(context.data()), context.size());
    params[n] = OSSL_PARAM_construct_end();
    return derive("TLS13-KDF", params, out_len);
}

} // namespace vp::crypto
