// Name tables for ciphers and digests.
#include "crypto/cipher.hpp"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <utility>

namespace vp::crypto {

namespace {

struct CipherNames {
    Cipher cipher;
    std::string_view openvpn;
    std::string_view routeros;
};

constexpr std::array<CipherNames, 8> cipher_names = {{
    {Cipher::None, "none", "null"},
    {Cipher::Aes128Cbc, "AES-128-CBC", "aes128-cbc"},
    {Cipher::Aes192Cbc, "AES-192-CBC", "aes192-cbc"},
    {Cipher::Aes256Cbc, "AES-256-CBC", "aes256-cbc"},
    {Cipher::Aes128Gcm, "AES-128-GCM", "aes128-gcm"},
    {Cipher::Aes192Gcm, "AES-192-GCM", "aes192-gcm"},
    {Cipher::Aes256Gcm, "AES-256-GCM", "aes256-gcm"},
    {Cipher::ChaCha20Poly1305, "CHACHA20-POLY1305", "chacha20-poly1305"},
}};

struct DigestNames {
    Digest digest;
    std::string_view openvpn;
    std::string_view routeros;
    const char* openssl;
};

constexpr std::array<DigestNames, 5> digest_names = {{
    {Digest::None, "none", "null", nullptr},
    {Digest::Md5, "MD5", "md5", "MD5"},
    {Digest::Sha1, "SHA1", "sha1", "SHA1"},
    {Digest::Sha256, "SHA256", "sha256", "SHA256"},
    {Digest::Sha512, "SHA512", "sha512", "SHA512"},
}};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

} // namespace

std::optional<Cipher> cipher_from_openvpn_name(std::string_view name) {
    for (auto& n : cipher_names)
        if (iequals(n.openvpn, name)) return n.cipher;
    return std::nullopt;
}

std::optional<Cipher> cipher_from_routeros_name(std::string_view name) {
    for (auto& n : cipher_names)
        if (n.routeros == name) return n.cipher;
    return std::nullopt;
}

std::string_view openvpn_name(Cipher c) {
    return cipher_names[static_cast<size_t>(c)].openvpn;
}
std::string_view routeros_name(Cipher c) {
    return cipher_names[static_cast<size_t>(c)].routeros;
}

std::optional<Digest> digest_from_name(std::string_view name) {
    for (auto& n : digest_names)
        if (iequals(n.openvpn, name) || n.routeros == name) return n.digest;
    return std::nullopt;
}

std::string_view openvpn_name(Digest d) {
    return digest_names[static_cast<size_t>(d)].openvpn;
}
std::string_view routeros_name(Digest d) {
    return digest_names[static_cast<size_t>(d)].routeros;
}
const char* openssl_name(Digest d) {
    return digest_names[static_cast<size_t>(d)].openssl;
}

const EVP_CIPHER* evp_cipher(Cipher c) {
    switch (c) {
    case Cipher::Aes128Cbc:
        return EVP_aes_128_cbc();
    case Cipher::Aes192Cbc:
        return EVP_aes_192_cbc();
    case Cipher::Aes256Cbc:
        return EVP_aes_256_cbc();
    case Cipher::Aes128Gcm:
        return EVP_aes_128_gcm();
    case Cipher::Aes192Gcm:
        return EVP_aes_192_gcm();
    case Cipher::Aes256Gcm:
        return EVP_aes_256_gcm();
    case Cipher::ChaCha20Poly1305:
        return EVP_chacha20_poly1305();
    case Cipher::None:
        break;
    }
    return nullptr;
}

const EVP_MD* evp_md(Digest d) {
    switch (d) {
    case Digest::Md5:
        return EVP_md5();
    case Digest::Sha1:
        return EVP_sha1();
    case Digest::Sha256:
        return EVP_sha256();
    case Digest::Sha512:
        return EVP_sha512();
    case Digest::None:
        break;
    }
    return nullptr;
}

} // namespace vp::crypto
