// IvGenerator: per-engine source of CBC IVs, which must be unpredictable to an attacker (a
// guessable IV lets a chosen-plaintext attacker test guesses, the BEAST attack on CBC).
//
// Each IV is AES-128(K, prefix || counter): K and the 64-bit prefix come from RAND_bytes when
// the engine is created, the counter never repeats within the engine's life. A whole burst's
// IVs are produced by one ECB job over consecutive counter blocks, so the cost is a few cycles
// per IV instead of a call into the DRBG per packet.
#pragma once

#include "base/result.hpp"

#include <cstddef>
#include <cstdint>

struct IMB_MGR;

namespace vp::crypto {

class IvGenerator {
public:
    static constexpr size_t kIvBytes = 16;
    static constexpr size_t kMaxPerCall = 128;

    IvGenerator() = default;
    ~IvGenerator();
    IvGenerator(const IvGenerator&) = delete;
    IvGenerator& operator=(const IvGenerator&) = delete;

    // Draws the key and prefix from RAND_bytes and expands the key. Control path.
    Status init(const IMB_MGR& mgr);

    // Writes a fresh 16-byte IV to each of slots[0..n), n <= kMaxPerCall. Returns false (and
    // writes nothing usable) if ipsec-mb rejected the job, which would be a bug.
    bool fill(IMB_MGR& mgr, uint8_t* const* slots, size_t n) noexcept;

private:
    alignas(16) uint8_t enc_keys_[16 * 11] = {};
    uint64_t prefix_ = 0;
    uint64_t counter_ = 0;
    alignas(64) uint8_t blocks_[kMaxPerCall * kIvBytes] = {};
};

} // namespace vp::crypto
