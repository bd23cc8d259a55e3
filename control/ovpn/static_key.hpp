// OpenVPN's key files: the 2048-bit "OpenVPN Static key V1" (tls-auth, tls-crypt), and the
// tls-crypt-v2 server key and client key (Kc || WKc) PEM files; parsing, formatting and
// generation equivalent to `openvpn --genkey` (secret / tls-crypt-v2-server /
// tls-crypt-v2-client), so that vpnctl and tests can make keys.
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"

#include <openssl/crypto.h>

#include <array>
#include <string>
#include <string_view>

namespace vp::ovpn {

// Key material wiped when it goes out of scope.
template <size_t N>
struct SecretBytes {
    std::array<uint8_t, N> bytes{};

    SecretBytes() = default;
    SecretBytes(const SecretBytes&) = default;
    SecretBytes& operator=(const SecretBytes&) = default;
    ~SecretBytes() { OPENSSL_cleanse(bytes.data(), N); }

    ByteSpan span(size_t offset, size_t length) const {
        return ByteSpan(bytes).subspan(offset, length);
    }
    bool operator==(const SecretBytes& o) const { return bytes == o.bytes; }
};

// Two OpenVPN "struct key"s: key[k] = cipher (64 bytes) || hmac (64 bytes).
struct StaticKey : SecretBytes<256> {
    ByteSpan cipher(int k) const { return span(static_cast<size_t>(k) * 128, 64); }
    ByteSpan hmac(int k) const { return span(static_cast<size_t>(k) * 128 + 64, 64); }
};

// One "struct key": cipher (64) || hmac (64); tls-crypt-v2 uses the first 32 bytes of each.
struct TlsCryptV2ServerKey : SecretBytes<128> {
    ByteSpan cipher() const { return span(0, 64); }
    ByteSpan hmac() const { return span(64, 64); }
};

struct TlsCryptV2ClientKey {
    StaticKey key; // Kc
    Bytes wrapped; // WKc, as the client appends it to its reset
};

Result<StaticKey> parse_static_key(std::string_view text);
std::string format_static_key(const StaticKey& key);
StaticKey generate_static_key();

Result<TlsCryptV2ServerKey> parse_tls_crypt_v2_server_key(std::string_view text);
std::string format_tls_crypt_v2_server_key(const TlsCryptV2ServerKey& key);
TlsCryptV2ServerKey generate_tls_crypt_v2_server_key();

Result<TlsCryptV2ClientKey> parse_tls_crypt_v2_client_key(std::string_view text);
std::string format_tls_crypt_v2_client_key(const TlsCryptV2ClientKey& key);
// A fresh client key wrapped for `server` with a timestamp (type 0x01) metadata record, or with
// user metadata (type 0x00) when `user_metadata` is given — as `openvpn --genkey
// tls-crypt-v2-client` does.
Result<TlsCryptV2ClientKey> generate_tls_crypt_v2_client_key(const TlsCryptV2ServerKey& server,
                                                             uint64_t unix_time_s,
                                                             const Bytes* user_metadata = nullptr);

// Reads a whole key file (the caller decides which parser to apply).
Result<std::string> read_key_file(const std::string& path);

} // namespace vp::ovpn
