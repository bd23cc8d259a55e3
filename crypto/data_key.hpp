// DataKey: one direction's data-channel key, precomputed into the form ipsec-mb consumes (AES
// round keys for both directions, the GCM hash-key tables, the raw ChaCha20 key, the HMAC inner
// and outer states after the key block) plus the 8-byte implicit IV of OpenVPN's AEAD nonce.
//
// Built by the control plane (after key method 2 / key export) and published to workers in key
// slots; from then on immutable, so any number of workers may read it concurrently without
// synchronisation. Key material is wiped (OPENSSL_cleanse) when it is destroyed — retire it
// through RCU like any other published entry. Cache-line aligned so that the fields a packet
// needs start on their own line.
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/cipher.hpp"

#include <cstdint>
#include <memory>
#include <string_view>

namespace vp::crypto {

class CryptoEngine;

class alignas(64) DataKey {
public:
    // Size of each half of one direction's OpenVPN key (struct key: cipher[64], hmac[64]).
    static constexpr size_t kOpenVpnHalfBytes = 64;
    static constexpr size_t kImplicitIvBytes = 8;

    // From raw bytes. Rules (violations return an Error naming the problem):
    //  - cipher_key: exactly key_bytes(cipher) bytes (empty for Cipher::None);
    //  - hmac_key: non-empty iff digest != None, any length (RFC 2104: longer than the digest's
    //    block is hashed first); OpenVPN passes digest_bytes(digest) bytes;
    //  - implicit_iv: exactly 8 bytes for AEAD ciphers, empty otherwise;
    //  - AEAD ciphers authenticate themselves: digest must be None.
    static Result<std::unique_ptr<DataKey>> create(Cipher cipher, Digest digest,
                                                   ByteSpan cipher_key, ByteSpan hmac_key,
                                                   ByteSpan implicit_iv);

    // From one direction of OpenVPN's key block (key method 2, openvpn.md "Key method 2"):
    // cipher_half and hmac_half are the 64-byte halves key[i].cipher and key[i].hmac. Takes the
    // first key_bytes(cipher) of the cipher half; for AEAD the implicit IV is the first 8 bytes
    // of the hmac half and `digest` is ignored (OpenVPN ignores --auth with AEAD ciphers); for
    // the others the HMAC key is the first digest_bytes(digest) bytes of the hmac half.
    static Result<std::unique_ptr<DataKey>>
    from_openvpn_key(Cipher cipher, Digest digest, ByteSpan cipher_half, ByteSpan hmac_half);

    ~DataKey();
    DataKey(const DataKey&) = delete;
    DataKey& operator=(const DataKey&) = delete;

    Cipher cipher() const { return cipher_; }
    Digest digest() const { return digest_; }

    // Layout of a protected region (see engine.hpp): [auth][iv][body].
    // auth: the AEAD tag (16) or the HMAC (digest_bytes), or nothing.
    uint32_t auth_bytes() const { return auth_bytes_; }
    // iv: 16 for CBC, else 0.
    uint32_t iv_bytes() const { return iv_bytes_; }
    // Where the body starts: auth_bytes() + iv_bytes().
    uint32_t header_bytes() const { return auth_bytes_ + iv_bytes_; }
    // Bytes a seal may write past the end of the body (PKCS#7 padding: 1..16 for CBC).
    uint32_t tail_bytes() const { return cipher_tail_bytes(cipher_); }

    static constexpr uint32_t cipher_tail_bytes(Cipher c) { return is_cbc(c) ? 16 : 0; }

private:
    DataKey() = default;
    friend class CryptoEngine;

    // --- first cache line: what every packet reads ---
    Cipher cipher_ = Cipher::None;
    Digest digest_ = Digest::None;
    uint8_t auth_bytes_ = 0;
    uint8_t iv_bytes_ = 0;
    uint8_t imb_arch_ = 0; // IMB_ARCH whose GCM table layout `schedule_` holds
    uint8_t implicit_iv_[kImplicitIvBytes] = {};
    uint32_t imb_cipher_mode_ = 0; // IMB_CIPHER_MODE
    uint32_t imb_hash_alg_ = 0;    // IMB_HASH_ALG
    uint32_t imb_key_len_ = 0;     // key_len_in_bytes for the job

    // --- HMAC inner/outer states after one block of key^ipad / key^opad ---
    alignas(64) uint8_t ipad_state_[64] = {};
    uint8_t opad_state_[64] = {};

    // --- cipher schedule: struct gcm_key_data (GCM), AES enc round keys at 0 and dec round keys
    // at kDecKeysOffset (CBC), or the raw 32-byte key (ChaCha20-Poly1305) ---
    static constexpr size_t kDecKeysOffset = 256;
    alignas(64) uint8_t schedule_[1024] = {};
};

} // namespace vp::crypto
