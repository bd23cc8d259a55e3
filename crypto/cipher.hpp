// The data-channel algorithms vpnplane speaks, with their OpenVPN and RouterOS names and sizes.
// Shared by the control plane (negotiation, key derivation) and the workers (crypto engine).
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace vp::crypto {

enum class Cipher : uint8_t {
    None,
    Aes128Cbc,
    Aes192Cbc,
    Aes256Cbc,
    Aes128Gcm,
    Aes192Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
};

enum class Digest : uint8_t { None, Md5, Sha1, Sha256, Sha512 };

constexpr bool is_aead(Cipher c) {
    return c == Cipher::Aes128Gcm || c == Cipher::Aes192Gcm || c == Cipher::Aes256Gcm ||
           c == Cipher::ChaCha20Poly1305;
}
constexpr bool is_cbc(Cipher c) {
    return c == Cipher::Aes128Cbc || c == Cipher::Aes192Cbc || c == Cipher::Aes256Cbc;
}

constexpr uint32_t key_bytes(Cipher c) {
    switch (c) {
    case Cipher::None:
        return 0;
    case Cipher::Aes128Cbc:
    case Cipher::Aes128Gcm:
        return 16;
    case Cipher::Aes192Cbc:
    case Cipher::Aes192Gcm:
        return 24;
    case Cipher::Aes256Cbc:
    case Cipher::Aes256Gcm:
    case Cipher::ChaCha20Poly1305:
        return 32;
    }
    return 0;
}

// Bytes of the per-packet IV carried on the wire (CBC) and of the AEAD tag.
constexpr uint32_t iv_bytes(Cipher c) {
    return is_cbc(c) ? 16 : 0;
}
constexpr uint32_t tag_bytes(Cipher c) {
    return is_aead(c) ? 16 : 0;
}
constexpr uint32_t block_bytes(Cipher c) {
    return is_cbc(c) ? 16 : 1;
}

constexpr uint32_t digest_bytes(Digest d) {
    switch (d) {
    case Digest::None:
        return 0;
    case Digest::Md5:
        return 16;
    case Digest::Sha1:
        return 20;
    case Digest::Sha256:
        return 32;
    case Digest::Sha512:
        return 64;
    }
    return 0;
}

// OpenVPN names ("AES-256-GCM", "CHACHA20-POLY1305", "none"), case-insensitive.
std::optional<Cipher> cipher_from_openvpn_name(std::string_view name);
std::string_view openvpn_name(Cipher c);
// RouterOS names ("aes128-cbc", "aes256-gcm", "null"); "chacha20-poly1305" beyond RouterOS.
std::optional<Cipher> cipher_from_routeros_name(std::string_view name);
std::string_view routeros_name(Cipher c);

// OpenVPN --auth names ("SHA1", "SHA256", "none") and RouterOS names ("sha1", "null").
std::optional<Digest> digest_from_name(std::string_view name);
std::string_view openvpn_name(Digest d);
std::string_view routeros_name(Digest d);
// The OpenSSL digest name, for HMACs computed on the control plane ("SHA1", ...); null for None.
const char* openssl_name(Digest d);

// The OpenSSL EVP algorithms, for computing the same packets on the control plane and in the
// tests' reference implementations; null for None.
const EVP_CIPHER* evp_cipher(Cipher c);
const EVP_MD* evp_md(Digest d);

} // namespace vp::crypto
