// The keys of one data-channel key slot, as the workers need them: per direction the cipher
// key, the HMAC key (CBC ciphers) and the 8-byte implicit IV (AEAD ciphers: nonce = packet id
// (4) || implicit IV (8)). Wiped on destruction.
#pragma once

#include "crypto/cipher.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cstdint>

namespace vp::ovpn {

struct DirectionKeys {
    std::array<uint8_t, 32> cipher_key{}; // first key_bytes(cipher) are used
    std::array<uint8_t, 64> hmac_key{};   // first digest_bytes(digest) are used (CBC only)
    std::array<uint8_t, 8> implicit_iv{}; // AEAD only

    DirectionKeys() = default;
    DirectionKeys(const DirectionKeys&) = default;
    DirectionKeys& operator=(const DirectionKeys&) = default;
    ~DirectionKeys() {
        OPENSSL_cleanse(cipher_key.data(), cipher_key.size());
        OPENSSL_cleanse(hmac_key.data(), hmac_key.size());
        OPENSSL_cleanse(implicit_iv.data(), implicit_iv.size());
    }
    bool operator==(const DirectionKeys&) const = default;
};

struct DataKeys {
    uint8_t key_id = 0; // 0..7, the low bits of every data packet's first byte
    crypto::Cipher cipher = crypto::Cipher::None;
    crypto::Digest digest = crypto::Digest::None; // HMAC for CBC ciphers; None for AEAD
    DirectionKeys client_to_server;               // what the server decrypts with
    DirectionKeys server_to_client;               // what the server encrypts with
};

} // namespace vp::ovpn
