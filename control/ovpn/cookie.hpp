// Stateless handling of new clients (OpenVPN 2.6's "HMAC session id" reset): the server answers
// a client's reset with a session id computed from a secret, the time slot, the client's
// address and port, and the client's session id, and keeps no state. Only when a later packet
// from the same address acknowledges that session id does a session exist. A spoofed source
// never sees the reply, so it cannot make the server hold state. The initial replies are rate
// limited, because each is still a reflection.
#pragma once

#include "control/ovpn/endpoint.hpp"
#include "control/ovpn/packet.hpp"

#include <array>
#include <cstdint>

namespace vp::ovpn {

class CookieJar {
public:
    // `handshake_window_s` (hand-window, 60 s): a cookie stays valid for 1 to 1.5 windows.
    explicit CookieJar(uint32_t handshake_window_s);
    CookieJar(uint32_t handshake_window_s, const std::array<uint8_t, 32>& secret);

    SessionId make(const SessionId& client_sid, const Endpoint& from, uint64_t now_ms) const;
    bool verify(const SessionId& server_sid, const SessionId& client_sid, const Endpoint& from,
                uint64_t now_ms) const;

private:
    SessionId compute(const SessionId& client_sid, const Endpoint& from, uint64_t slot) const;
    uint64_t slot(uint64_t now_ms) const { return now_ms / 1000 / slot_s_; }

    uint32_t slot_s_;
    std::array<uint8_t, 32> secret_{};
};

// At most `max` initial replies per `period_s` (OpenVPN's --connect-freq-initial 100 10). Clients
// that complete the three-way exchange are refunded, so only unanswered replies count.
// InitialBudget (initial_budget.hpp) uses it for the global ceiling and the remembered pool.
class RateLimiter {
public:
    RateLimiter(uint32_t max, uint32_t period_s) : max_(max), period_ms_(period_s * 1000ull) {}

    bool allow(uint64_t now_ms);
    void refund() {
        if (count_ > 0) --count_;
    }
    uint32_t max() const { return max_; }

private:
    uint32_t max_;
    uint64_t period_ms_;
    uint64_t period_start_ms_ = 0;
    uint32_t count_ = 0;
    bool started_ = false;
};

} // namespace vp::ovpn
