// DataKey construction: validation and ipsec-mb key precomputation (control path).
#include "crypto/data_key.hpp"

#include "crypto/imb_mgr.hpp"

#include <fmt/format.h>
#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>

namespace vp::crypto {

namespace {

constexpr size_t kAesRoundKeysBytes = 16 * 15;

uint32_t block_bytes_of(Digest d) {
    return d == Digest::Sha512 ? IMB_SHA_512_BLOCK_SIZE : 64;
}

// Runs one compression of `block` from the digest's initial state: the "hashed key xor ipad/opad"
// ipsec-mb's HMAC jobs start from.
void one_block(const IMB_MGR* mgr, Digest d, const uint8_t* block, uint8_t* state) {
    switch (d) {
    case Digest::Md5:
        IMB_MD5_ONE_BLOCK(mgr, block, state);
        break;
    case Digest::Sha1:
        IMB_SHA1_ONE_BLOCK(mgr, block, state);
        break;
    case Digest::Sha256:
        IMB_SHA256_ONE_BLOCK(mgr, block, state);
        break;
    case Digest::Sha512:
        IMB_SHA512_ONE_BLOCK(mgr, block, state);
        break;
    case Digest::None:
        break;
    }
}

uint32_t imb_hash_of(Digest d) {
    switch (d) {
    case Digest::Md5:
        return IMB_AUTH_MD5;
    case Digest::Sha1:
        return IMB_AUTH_HMAC_SHA_1;
    case Digest::Sha256:
        return IMB_AUTH_HMAC_SHA_256;
    case Digest::Sha512:
        return IMB_AUTH_HMAC_SHA_512;
    case Digest::None:
        break;
    }
    return IMB_AUTH_NULL;
}

// A scrubbed stack buffer for intermediate key material.
template <size_t N>
struct SecretBuf {
    std::array<uint8_t, N> b{};
    ~SecretBuf() { OPENSSL_cleanse(b.data(), b.size()); }
};

Status precompute_hmac(const IMB_MGR* mgr, Digest d, ByteSpan key, uint8_t* ipad_state,
                       uint8_t* opad_state) {
    const uint32_t block = block_bytes_of(d);
    SecretBuf<128> k; // the key, hashed if longer than a block, zero-padded to a block
    if (key.size() > block) {
        unsigned int len = 0;
        if (EVP_Digest(key.data(), key.size(), k.b.data(), &len, evp_md(d), nullptr) != 1)
            return make_error(
                fmt::format("HMAC-{}: hashing the long HMAC key failed", openvpn_name(d)));
    } else {
        std::memcpy(k.b.data(), key.data(), key.size());
    }
    SecretBuf<128> pad;
    for (uint32_t i = 0; i < block; ++i)
        pad.b[i] = k.b[i] ^ 0x36;
    one_block(mgr, d, pad.b.data(), ipad_state);
    for (uint32_t i = 0; i < block; ++i)
        pad.b[i] = k.b[i] ^ 0x5c;
    one_block(mgr, d, pad.b.data(), opad_state);
    return {};
}

} // namespace

DataKey::~DataKey() {
    OPENSSL_cleanse(implicit_iv_, sizeof implicit_iv_);
    OPENSSL_cleanse(ipad_state_, sizeof ipad_state_);
    OPENSSL_cleanse(opad_state_, sizeof opad_state_);
    OPENSSL_cleanse(schedule_, sizeof schedule_);
}

Result<std::unique_ptr<DataKey>> DataKey::create(Cipher cipher, Digest digest, ByteSpan cipher_key,
                                                 ByteSpan hmac_key, ByteSpan implicit_iv) {
    static_assert(sizeof(gcm_key_data) <= sizeof(schedule_));
    static_assert(kDecKeysOffset + kAesRoundKeysBytes <= sizeof(schedule_));
    static_assert(kDecKeysOffset >= kAesRoundKeysBytes && kDecKeysOffset % 16 == 0);

    const std::string_view cname = openvpn_name(cipher);
    const std::string_view dname = openvpn_name(digest);
    if (cipher_key.size() != key_bytes(cipher))
        return make_error(fmt::format("data key: {} needs a {}-byte key, got {} bytes", cname,
                                      key_bytes(cipher), cipher_key.size()));
    if (is_aead(cipher)) {
        if (digest != Digest::None)
            return make_error(fmt::format("data key: {} is an AEAD cipher and takes no HMAC "
                                          "digest, got auth {}",
                                          cname, dname));
        if (implicit_iv.size() != kImplicitIvBytes)
            return make_error(fmt::format("data key: {} needs an {}-byte implicit IV, got {} "
                                          "bytes",
                                          cname, kImplicitIvBytes, implicit_iv.size()));
    } else if (!implicit_iv.empty()) {
        return make_error(fmt::format("data key: {} takes no implicit IV, got {} bytes", cname,
                                      implicit_iv.size()));
    }
    if (digest == Digest::None && !hmac_key.empty())
        return make_error(
            fmt::format("data key: auth none takes no HMAC key, got {} bytes", hmac_key.size()));
    if (digest != Digest::None && hmac_key.empty())
        return make_error(fmt::format("data key: HMAC-{} needs a non-empty HMAC key", dname));

    const IMB_MGR* mgr = control_imb_mgr();
    if (mgr == nullptr) return make_error("data key: cannot initialise ipsec-mb");

    std::unique_ptr<DataKey> k(new DataKey());
    k->cipher_ = cipher;
    k->digest_ = digest;
    k->imb_arch_ = static_cast<uint8_t>(mgr->used_arch);
    k->auth_bytes_ =
        static_cast<uint8_t>(is_aead(cipher) ? tag_bytes(cipher) : digest_bytes(digest));
    k->iv_bytes_ = static_cast<uint8_t>(crypto::iv_bytes(cipher));
    k->imb_key_len_ = key_bytes(cipher);
    k->imb_hash_alg_ = imb_hash_of(digest);
    if (!implicit_iv.empty()) std::memcpy(k->implicit_iv_, implicit_iv.data(), kImplicitIvBytes);

    uint8_t* enc = k->schedule_;
    uint8_t* dec = k->schedule_ + kDecKeysOffset;
    auto* gcm = reinterpret_cast<gcm_key_data*>(k->schedule_);
    switch (cipher) {
    case Cipher::None:
        k->imb_cipher_mode_ = IMB_CIPHER_NULL;
        break;
    case Cipher::Aes128Cbc:
        IMB_AES_KEYEXP_128(mgr, cipher_key.data(), enc, dec);
        k->imb_cipher_mode_ = IMB_CIPHER_CBC;
        break;
    case Cipher::Aes192Cbc:
        IMB_AES_KEYEXP_192(mgr, cipher_key.data(), enc, dec);
        k->imb_cipher_mode_ = IMB_CIPHER_CBC;
        break;
    case Cipher::Aes256Cbc:
        IMB_AES_KEYEXP_256(mgr, cipher_key.data(), enc, dec);
        k->imb_cipher_mode_ = IMB_CIPHER_CBC;
        break;
    case Cipher::Aes128Gcm:
        IMB_AES128_GCM_PRE(mgr, cipher_key.data(), gcm);
        k->imb_cipher_mode_ = IMB_CIPHER_GCM;
        k->imb_hash_alg_ = IMB_AUTH_AES_GMAC;
        break;
    case Cipher::Aes192Gcm:
        IMB_AES192_GCM_PRE(mgr, cipher_key.data(), gcm);
        k->imb_cipher_mode_ = IMB_CIPHER_GCM;
        k->imb_hash_alg_ = IMB_AUTH_AES_GMAC;
        break;
    case Cipher::Aes256Gcm:
        IMB_AES256_GCM_PRE(mgr, cipher_key.data(), gcm);
        k->imb_cipher_mode_ = IMB_CIPHER_GCM;
        k->imb_hash_alg_ = IMB_AUTH_AES_GMAC;
        break;
    case Cipher::ChaCha20Poly1305:
        std::memcpy(k->schedule_, cipher_key.data(), cipher_key.size());
        k->imb_cipher_mode_ = IMB_CIPHER_CHACHA20_POLY1305;
        k->imb_hash_alg_ = IMB_AUTH_CHACHA20_POLY1305;
        break;
    }

    if (digest != Digest::None) {
        Status st = precompute_hmac(mgr, digest, hmac_key, k->ipad_state_, k->opad_state_);
        if (!st.ok()) return st.error();
    }
    return k;
}

Result<std::unique_ptr<DataKey>>
DataKey::from_openvpn_key(Cipher cipher, Digest digest, ByteSpan cipher_half, ByteSpan hmac_half) {
    if (cipher_half.size() != kOpenVpnHalfBytes || hmac_half.size() != kOpenVpnHalfBytes)
        return make_error(fmt::format("data key: an OpenVPN key direction is two {}-byte halves, "
                                      "got {} + {} bytes",
                                      kOpenVpnHalfBytes, cipher_half.size(), hmac_half.size()));
    ByteSpan ck = cipher_half.first(key_bytes(cipher));
    if (is_aead(cipher)) return create(cipher, Digest::None, ck, {}, hmac_half.first(8));
    return create(cipher, digest, ck, hmac_half.first(digest_bytes(digest)), {});
}

} // namespace vp::crypto
