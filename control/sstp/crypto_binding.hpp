// SSTP crypto binding (MS-SSTP 3.2.5.2): the hash of the server's certificate, the Compound MAC
// Key derived from the PPP layer's Higher-Layer Authentication Key, the Compound MAC over the
// Call Connected message, and the server's check of a received Call Connected. The HLAK is an
// input: control/ppp computes it from the authentication method's keys.
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "dataplane/sstp/wire.hpp"

#include <array>
#include <cstdint>
#include <span>

namespace vp::sstp {

inline constexpr size_t kHlakBytes = 32;
using Hlak = std::array<uint8_t, kHlakBytes>;
// A hash or MAC as it travels in a 32-byte field: SHA1 values are zero-padded.
using HashField = std::array<uint8_t, kHashFieldBytes>;

struct CertHashes {
    HashField sha1{};
    HashField sha256{};
    const HashField& for_protocol(HashProtocol h) const {
        return h == HashProtocol::Sha1 ? sha1 : sha256;
    }
};

// SHA1 and SHA256 of the server's leaf certificate, DER encoded.
Result<CertHashes> cert_hashes(ByteSpan leaf_der);

// CMK = HMAC-H(HLAK, "SSTP inner method derived CMK" | LEN (u16, little endian) | 0x01).
Result<HashField> derive_cmk(HashProtocol h, std::span<const uint8_t, kHlakBytes> hlak);

// Compound MAC = HMAC-H(CMK, the whole Call Connected packet with the MAC field zeroed).
// `call_connected` must be the 112-byte packet; its MAC field is treated as zero whatever it holds.
Result<HashField> compound_mac(HashProtocol h, const HashField& cmk, ByteSpan call_connected);

// Fills the MAC field of a 112-byte Call Connected (the client side, and the tests).
Status sign_call_connected(MutableByteSpan call_connected,
                           std::span<const uint8_t, kHlakBytes> hlak);

// What the server offered in its Ack and what its certificate hashes to.
struct BindingExpectation {
    std::array<uint8_t, kNonceBytes> nonce{};
    uint8_t hash_bitmask = kHashBitmaskSha1 | kHashBitmaskSha256;
    CertHashes cert;
};

enum class BindingCheck : uint8_t {
    Ok,
    Malformed,        // not a 112-byte Call Connected with one Crypto Binding attribute
    HashNotOffered,   // the client chose a hash protocol the Ack did not offer
    NonceMismatch,    // not the nonce of our Ack: a replay or a relay
    CertHashMismatch, // the client saw another certificate: a TLS man in the middle
    MacMismatch,      // the PPP keys differ: the inner authentication was relayed
    CryptoError,      // OpenSSL failed (no SHA256/HMAC provider)
};

const char* to_string(BindingCheck c);

// The server's check of a received Call Connected packet (the whole 112 bytes). Comparisons of
// secret-derived values are constant time.
BindingCheck verify_call_connected(ByteSpan call_connected, const BindingExpectation& expect,
                                   std::span<const uint8_t, kHlakBytes> hlak);

} // namespace vp::sstp
