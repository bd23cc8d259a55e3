// tls-crypt: every control packet after the opcode and session id is encrypted and
// authenticated with a pre-shared key (and, in tls-crypt-v2, with the client's own key Kc).
//   wire:  op|sid(8) | pid(4) | time(4) | tag(32) | AES-256-CTR(acks... | msg id | payload)
//   tag = HMAC-SHA256(Ka, op|sid|pid|time|plaintext); the CTR IV is tag[0:16].
// The server encrypts with key[0] (Ke = cipher[0][0:32], Ka = hmac[0][0:32]) and decrypts with
// key[1]; a client does the reverse.
#pragma once

#include "base/expected.hpp"
#include "control/ovpn/static_key.hpp"
#include "control/ovpn/tls_auth.hpp"
#include "control/ovpn/wrap_error.hpp"

namespace vp::ovpn {

constexpr size_t tls_crypt_tag_bytes = 32;
constexpr size_t tls_crypt_overhead = 8 + tls_crypt_tag_bytes;

class TlsCrypt {
public:
    enum class Role : uint8_t { Server, Client };
    TlsCrypt(const StaticKey& key, Role role);

    Bytes wrap(ByteSpan plain, PacketId pid) const;
    Expected<Unwrapped, WrapError> unwrap(ByteSpan wire) const;

private:
    struct Direction {
        SecretBytes<32> cipher;
        SecretBytes<32> hmac;
    };
    Direction send_;
    Direction recv_;
};

} // namespace vp::ovpn
