// CBC IV generation: AES-128 over a counter, one ipsec-mb ECB job per burst.
#include "crypto/iv_generator.hpp"

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>

namespace vp::crypto {

IvGenerator::~IvGenerator() {
    OPENSSL_cleanse(enc_keys_, sizeof enc_keys_);
    OPENSSL_cleanse(&prefix_, sizeof prefix_);
    OPENSSL_cleanse(blocks_, sizeof blocks_);
}

Status IvGenerator::init(const IMB_MGR& mgr) {
    uint8_t key[16];
    alignas(16) uint8_t dec_keys[16 * 11];
    if (RAND_bytes(key, sizeof key) != 1 ||
        RAND_bytes(reinterpret_cast<uint8_t*>(&prefix_), sizeof prefix_) != 1)
        return make_error("IV generator: RAND_bytes failed (is the OpenSSL DRBG seeded?)");
    IMB_AES_KEYEXP_128(&mgr, key, enc_keys_, dec_keys);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(dec_keys, sizeof dec_keys);
    counter_ = 0;
    return {};
}

bool IvGenerator::fill(IMB_MGR& mgr, uint8_t* const* slots, size_t n) noexcept {
    if (n == 0) return true;
    if (n > kMaxPerCall) return false;
    for (size_t i = 0; i < n; ++i) {
        uint64_t ctr = counter_++;
        std::memcpy(blocks_ + i * kIvBytes, &prefix_, 8);
        std::memcpy(blocks_ + i * kIvBytes + 8, &ctr, 8);
    }
    IMB_JOB* job = IMB_GET_NEXT_JOB(&mgr);
    job->cipher_mode = IMB_CIPHER_ECB;
    job->cipher_direction = IMB_DIR_ENCRYPT;
    job->chain_order = IMB_ORDER_CIPHER_HASH;
    job->hash_alg = IMB_AUTH_NULL;
    job->enc_keys = enc_keys_;
    job->dec_keys = enc_keys_;
    job->key_len_in_bytes = IMB_KEY_128_BYTES;
    job->src = blocks_;
    job->dst = blocks_;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = n * kIvBytes;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = 0;
    job->iv = nullptr;
    job->iv_len_in_bytes = 0;
    job->auth_tag_output = nullptr;
    job->auth_tag_output_len_in_bytes = 0;
    job->user_data = nullptr;
    IMB_JOB* done = IMB_SUBMIT_JOB(&mgr);
    bool ok = true;
    // The ECB job is the only one in flight: drain the queue completely.
    while (done != nullptr) {
        ok = ok && done->status == IMB_STATUS_COMPLETED;
        done = IMB_GET_COMPLETED_JOB(&mgr);
    }
    while ((done = IMB_FLUSH_JOB(&mgr)) != nullptr)
        ok = ok && done->status == IMB_STATUS_COMPLETED;
    if (!ok) return false;
    for (size_t i = 0; i < n; ++i)
        std::memcpy(slots[i], blocks_ + i * kIvBytes, kIvBytes);
    return true;
}

} // namespace vp::crypto
