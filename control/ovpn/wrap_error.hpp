// Why a wrapped control packet (tls-auth, tls-crypt, tls-crypt-v2) was rejected.
#pragma once

#include <cstdint>
#include <string_view>

namespace vp::ovpn {

enum class WrapError : uint8_t {
    Truncated,
    AuthFailed,    // HMAC / tag mismatch: wrong key, or forged
    Replay,        // packet id seen before or too old
    WkcMissing,    // tls-crypt-v2 packet without a wrapped client key
    WkcInvalid,    // WKc length or authentication wrong
    NoServerKey,   // tls-crypt-v2 packet but no server key configured
    WrongMode,     // packet needs a wrapping the server does not use
    CryptoFailure, // OpenSSL refused (should not happen)
};

constexpr std::string_view to_string(WrapError e) {
    switch (e) {
    case WrapError::Truncated:
        return "truncated";
    case WrapError::AuthFailed:
        return "authentication failed";
    case WrapError::Replay:
        return "replayed packet id";
    case WrapError::WkcMissing:
        return "no wrapped client key";
    case WrapError::WkcInvalid:
        return "invalid wrapped client key";
    case WrapError::NoServerKey:
        return "tls-crypt-v2 is not configured";
    case WrapError::WrongMode:
        return "unexpected control-channel wrapping";
    case WrapError::CryptoFailure:
        return "crypto failure";
    }
    return "?";
}

} // namespace vp::ovpn
