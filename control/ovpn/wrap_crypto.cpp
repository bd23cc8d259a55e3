// EVP_MAC / EVP_CIPHER calls for the wrappers.
#include "control/ovpn/wrap_crypto.hpp"

#include "control/tls/ossl.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include <string>

namespace vp::ovpn {

namespace {

EVP_MAC* hmac_algorithm() {
    // Fetched once; EVP_MAC objects are reference counted and thread safe to share.
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

const EVP_CIPHER* aes256_ctr_algorithm() {
    static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
    return cipher;
}

} // namespace

bool hmac(const char* digest, ByteSpan key, std::initializer_list<ByteSpan> parts, uint8_t* out) {
    if (!hmac_algorithm()) return false;
    tls::MacCtxPtr ctx(EVP_MAC_CTX_new(hmac_algorithm()));
    std::string d = digest;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, d.data(), 0),
        OSSL_PARAM_construct_end(),
    };
    if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) {
        ERR_clear_error();
        return false;
    }
    for (ByteSpan p : parts)
        if (!p.empty() && EVP_MAC_update(ctx.get(), p.data(), p.size()) != 1) return false;
    size_t len = 0;
    size_t cap = static_cast<size_t>(EVP_MAC_CTX_get_mac_size(ctx.get()));
    return EVP_MAC_final(ctx.get(), out, &len, cap) == 1;
}

bool aes256_ctr(ByteSpan key32, const uint8_t* iv16, ByteSpan in, uint8_t* out) {
    if (key32.size() < 32 || !aes256_ctr_algorithm()) return false;
    tls::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    int fin = 0;
    if (!ctx ||
        EVP_EncryptInit_ex2(ctx.get(), aes256_ctr_algorithm(), key32.data(), iv16, nullptr) != 1)
        return false;
    if (!in.empty() &&
        EVP_EncryptUpdate(ctx.get(), out, &len, in.data(), static_cast<int>(in.size())) != 1)
        return false;
    return EVP_EncryptFinal_ex(ctx.get(), out + len, &fin) == 1;
}

} // namespace vp::ovpn
