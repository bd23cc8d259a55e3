// SYN cookies (RFC 4987 §3.6) and the keyed hashes behind initial sequence numbers (RFC 6528)
// and per-connection timestamp offsets (RFC 7323 §5.4). The hash is SipHash-2-4 (siphash.hpp),
// computed in place: no OpenSSL and no allocation on a worker; the cookie secret is given and
// rotated by the caller, the ISN secret is drawn at start.
//
// Cookie layout (the ISN of our SYN-ACK):
//   bits 31..27  t mod 32, where t = seconds / 64
//   bits 26..24  index of the peer's MSS in a table of common values
//   bits 23..0   SipHash(secret, flow, peer ISN, t), truncated
// A cookie is accepted for t up to 2 steps old (64-192 s), under the current or previous secret.
// When the SYN carried timestamps, the low 5 bits of our TSval carry the peer's window scale
// (4 bits, 15 = none) and SACK-permitted (1 bit), as Linux does, so cookie connections keep them;
// the encoded value is kept at or below the clock so that later TSvals never go backwards.
#pragma once

#include "base/result.hpp"
#include "dataplane/tcp/connection.hpp"
#include "dataplane/tcp/siphash.hpp"

#include <array>
#include <cstdint>

namespace vp::tcp {

class KeyedHash {
public:
    void set_key(const uint8_t key[16]) {
        key_ = siphash_key(key);
        ready_ = true;
    }
    bool ready() const { return ready_; }
    uint64_t hash(const void* data, size_t len) const { return siphash24(key_, data, len); }

private:
    SipHashKey key_;
    bool ready_ = false;
};

class SynCookies {
public:
    static constexpr uint32_t kStepSeconds = 64;
    static constexpr uint32_t kMaxAgeSteps = 2;

    // Installs a new secret; the previous one stays valid for cookies already sent.
    Status set_secret(const uint8_t key[16]);
    bool ready() const { return current_ && current_->ready(); }

    uint32_t make(const FlowKey& flow, uint32_t peer_isn, uint16_t peer_mss, uint64_t now_us) const;
    // On success returns true and the MSS the cookie encodes.
    bool check(const FlowKey& flow, uint32_t peer_isn, uint32_t cookie, uint64_t now_us,
               uint16_t& mss) const;

    static uint32_t encode_ts(uint32_t ts_now, bool has_wscale, uint8_t wscale, bool sack);
    static void decode_ts(uint32_t ts_ecr, bool& has_wscale, uint8_t& wscale, bool& sack);

private:
    uint32_t hash24(const KeyedHash& h, const FlowKey& flow, uint32_t peer_isn, uint32_t t) const;
    // Two slots, swapped on rotation (no allocation after start).
    std::array<KeyedHash, 2> slots_;
    KeyedHash* current_ = nullptr;
    KeyedHash* previous_ = nullptr;
};

// RFC 6528 ISNs: a 4 us clock plus a keyed hash of the flow; the hash's other half gives the
// connection's timestamp offset.
class IsnGenerator {
public:
    Status init(); // draws a random key
    uint32_t isn(const FlowKey& flow, uint64_t now_us) const;
    uint32_t ts_offset(const FlowKey& flow) const;

private:
    KeyedHash hash_;
};

} // namespace vp::tcp
