// tls-auth: an HMAC over every control packet with a key from the static key file, so that the
// server ignores packets from anyone without the file.
//   wire:  op|sid(8) | HMAC | pid(4) | time(4) | acks... | msg id | payload
//   HMAC over pid | time | op | sid | acks... (OpenVPN moves the HMAC block to the front, signs,
//   and moves it back). The digest is --auth (SHA1 by default); the key is the first
//   digest-size bytes of the hmac half of key[k], k chosen by the key direction.
#pragma once

#include "base/bytes.hpp"
#include "base/expected.hpp"
#include "control/ovpn/replay.hpp"
#include "control/ovpn/static_key.hpp"
#include "control/ovpn/wrap_error.hpp"
#include "crypto/cipher.hpp"

namespace vp::ovpn {

// --key-direction: servers conventionally use 0 (send key[0], receive key[1]), clients 1.
// Without a direction both sides use key[0].
enum class KeyDirection : uint8_t { Bidirectional, Normal, Inverse };

struct Unwrapped {
    Bytes plain; // op|sid|acks...|payload, ready for parse_control_packet
    PacketId packet_id;
};

class TlsAuth {
public:
    TlsAuth(const StaticKey& key, KeyDirection direction, crypto::Digest digest);

    size_t hmac_bytes() const { return crypto::digest_bytes(digest_); }
    size_t overhead() const { return hmac_bytes() + 8; }

    Bytes wrap(ByteSpan plain, PacketId pid) const;
    // Checks the HMAC; replay is the caller's (ControlWrap's) business.
    Expected<Unwrapped, WrapError> unwrap(ByteSpan wire) const;

private:
    bool sign(const SecretBytes<64>& key, ByteSpan pid_time, ByteSpan plain, uint8_t* out) const;

    crypto::Digest digest_;
    SecretBytes<64> send_key_;
    SecretBytes<64> recv_key_;
};

} // namespace vp::ovpn
