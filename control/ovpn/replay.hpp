// Replay protection for the control channel's tls-auth / tls-crypt packet ids. The id is the
// "long form" OpenVPN uses there: a 32-bit counter plus a 32-bit time stamp (seconds) that the
// sender sets when its counter starts. Per sender epoch (time stamp) ids must be unique and may
// arrive up to `window` positions out of order; an older epoch is rejected, a newer one starts a
// fresh window. Id 0 is never valid.
#pragma once

#include <array>
#include <cstdint>

namespace vp::ovpn {

struct PacketId {
    uint32_t id = 0;
    uint32_t time = 0;

    // Wire form: id (4, big endian) then time (4, big endian).
    std::array<uint8_t, 8> encode() const {
        return {static_cast<uint8_t>(id >> 24),   static_cast<uint8_t>(id >> 16),
                static_cast<uint8_t>(id >> 8),    static_cast<uint8_t>(id),
                static_cast<uint8_t>(time >> 24), static_cast<uint8_t>(time >> 16),
                static_cast<uint8_t>(time >> 8),  static_cast<uint8_t>(time)};
    }
    static PacketId decode(const uint8_t* p) {
        return {uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3],
                uint32_t{p[4]} << 24 | uint32_t{p[5]} << 16 | uint32_t{p[6]} << 8 | p[7]};
    }
};

class ReplayWindow {
public:
    static constexpr uint32_t max_window = 64;

    explicit ReplayWindow(uint32_t window = max_window)
        : window_(window == 0 || window > max_window ? max_window : window) {}

    // Whether `pid` would be accepted (no state change). Check only after authentication.
    bool check(PacketId pid) const;
    // Records an accepted id. Call only after check() returned true.
    void accept(PacketId pid);
    // check() then accept(); returns the verdict.
    bool check_and_accept(PacketId pid) {
        if (!check(pid)) return false;
        accept(pid);
        return true;
    }

private:
    uint32_t window_;
    bool started_ = false;
    uint32_t time_ = 0;
    uint32_t highest_ = 0;
    uint64_t seen_ = 0; // bit i: highest_ - i was seen
};

} // namespace vp::ovpn
