// ReplayWindow: OpenVPN's sliding anti-replay window over packet ids (its "backtrack" bitmap),
// owned by the worker that owns the session's receive direction.
//
// Usage per packet: `check(pid)` before decryption (a cheap reject that changes nothing), then
// `accept(pid)` only after the packet authenticated — otherwise a forged packet could advance
// the window and make genuine packets look too old.
//
// Ids are tracked in a ring of `window_bits` bits indexed by `pid mod window_bits`; the window
// covers the ids (highest - window_bits, highest]. Advancing clears the bits of the ids skipped
// over (all of them when the jump is at least the window), so a far jump costs at most one pass
// over the bitmap and never leaves stale bits. No heap on the per-packet path: the bitmap is
// allocated at construction. Not thread-safe: one owner, as DESIGN.md's session ownership says.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace vp::crypto {

enum class ReplayVerdict : uint8_t {
    Ok,     // new id: may be accepted
    ZeroId, // packet id 0 is never valid (OpenVPN starts at 1)
    Replay, // seen before, inside the window
    TooOld, // older than the window can tell: treated as a replay
};

constexpr std::string_view to_string(ReplayVerdict v) {
    switch (v) {
    case ReplayVerdict::Ok:
        return "ok";
    case ReplayVerdict::ZeroId:
        return "zero_id";
    case ReplayVerdict::Replay:
        return "replay";
    case ReplayVerdict::TooOld:
        return "too_old";
    }
    return "?";
}

class ReplayWindow {
public:
    static constexpr uint32_t kMinBits = 64;
    static constexpr uint32_t kMaxBits = 65536;
    // OpenVPN's own default is 64, which drops reordered packets once a burst is spread over
    // several cores or NIC queues (OpenVPN issue #353); ovpn-dco uses 2048, and so do we.
    static constexpr uint32_t kDefaultBits = 2048;

    static constexpr bool valid_size(uint32_t bits) {
        return bits >= kMinBits && bits <= kMaxBits && (bits & (bits - 1)) == 0;
    }

    // `window_bits` should satisfy valid_size() (the config reader rejects other values); any
    // other value is rounded up to the next power of two within [kMinBits, kMaxBits].
    explicit ReplayWindow(uint32_t window_bits = kDefaultBits)
        : bits_(normalise(window_bits)), words_(std::make_unique<uint64_t[]>(bits_ / 64)) {}

    ReplayWindow(ReplayWindow&&) noexcept = default;
    ReplayWindow& operator=(ReplayWindow&&) noexcept = default;

    uint32_t window_bits() const { return bits_; }
    // The highest id accepted so far (0 before the first).
    uint64_t highest() const { return highest_; }

    // Would `pid` be accepted now? Changes nothing.
    ReplayVerdict check(uint64_t pid) const {
        if (pid == 0) return ReplayVerdict::ZeroId;
        if (pid > highest_) return ReplayVerdict::Ok;
        if (highest_ - pid >= bits_) return ReplayVerdict::TooOld;
        return test_bit(pid) ? ReplayVerdict::Replay : ReplayVerdict::Ok;
    }

    // Records `pid` as seen if check(pid) is Ok; returns the verdict either way. Call it only for
    // packets that authenticated.
    ReplayVerdict accept(uint64_t pid) {
        ReplayVerdict v = check(pid);
        if (v != ReplayVerdict::Ok) return v;
        if (pid > highest_) {
            advance(pid);
            highest_ = pid;
        }
        set_bit(pid);
        return v;
    }

    // Forget everything (a new key starts its ids at 1 again).
    void reset() {
        std::fill_n(words_.get(), bits_ / 64, uint64_t{0});
        highest_ = 0;
    }

private:
    static constexpr uint32_t normalise(uint32_t bits) {
        uint32_t n = kMinBits;
        while (n < bits && n < kMaxBits)
            n <<= 1;
        return n;
    }

    size_t index(uint64_t pid) const { return static_cast<size_t>(pid & (bits_ - 1)); }
    bool test_bit(uint64_t pid) const {
        size_t i = index(pid);
        return (words_[i / 64] >> (i % 64)) & 1;
    }
    void set_bit(uint64_t pid) {
        size_t i = index(pid);
        words_[i / 64] |= uint64_t{1} << (i % 64);
    }

    // Clears the bits of ids highest_+1 .. new_highest, whose slots held ids now out of window.
    void advance(uint64_t new_highest) {
        uint64_t count = new_highest - highest_;
        if (count >= bits_) {
            std::fill_n(words_.get(), bits_ / 64, uint64_t{0});
            return;
        }
        uint64_t pid = highest_ + 1;
        while (count > 0) {
            size_t i = index(pid);
            size_t bit = i % 64;
            uint64_t n = std::min<uint64_t>(64 - bit, count);
            uint64_t mask = n == 64 ? ~uint64_t{0} : ((uint64_t{1} << n) - 1) << bit;
            words_[i / 64] &= ~mask;
            pid += n;
            count -= n;
        }
    }

    uint32_t bits_;
    uint64_t highest_ = 0;
    std::unique_ptr<uint64_t[]> words_;
};

} // namespace vp::crypto
