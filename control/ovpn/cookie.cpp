// HMAC session-id cookies and the initial-packet rate limit.
#include "control/ovpn/cookie.hpp"

#include "control/ovpn/wrap_crypto.hpp"

#include <openssl/rand.h>

namespace vp::ovpn {

CookieJar::CookieJar(uint32_t handshake_window_s) : slot_s_((handshake_window_s + 1) / 2) {
    if (slot_s_ == 0) slot_s_ = 1;
    RAND_bytes(secret_.data(), static_cast<int>(secret_.size()));
}

CookieJar::CookieJar(uint32_t handshake_window_s, const std::array<uint8_t, 32>& secret)
    : slot_s_((handshake_window_s + 1) / 2), secret_(secret) {
    if (slot_s_ == 0) slot_s_ = 1;
}

SessionId CookieJar::compute(const SessionId& client_sid, const Endpoint& from,
                             uint64_t slot_number) const {
    uint8_t input[8 + 4 + 2];
    for (int i = 0; i < 8; ++i)
        input[i] = static_cast<uint8_t>(slot_number >> (56 - 8 * i));
    for (int i = 0; i < 4; ++i)
        input[8 + i] = static_cast<uint8_t>(from.address >> (24 - 8 * i));
    input[12] = static_cast<uint8_t>(from.port >> 8);
    input[13] = static_cast<uint8_t>(from.port);
    uint8_t mac[32] = {};
    hmac("SHA256", ByteSpan(secret_), {ByteSpan(input), ByteSpan(client_sid)}, mac);
    SessionId out;
    std::copy(mac, mac + out.size(), out.begin());
    return out;
}

SessionId CookieJar::make(const SessionId& client_sid, const Endpoint& from,
                          uint64_t now_ms) const {
    return compute(client_sid, from, slot(now_ms));
}

bool CookieJar::verify(const SessionId& server_sid, const SessionId& client_sid,
                       const Endpoint& from, uint64_t now_ms) const {
    uint64_t current = slot(now_ms);
    for (uint64_t back = 0; back <= 2 && back <= current; ++back) {
        SessionId expected = compute(client_sid, from, current - back);
        if (equal_secret(expected.data(), server_sid.data(), expected.size())) return true;
    }
    return false;
}

bool RateLimiter::allow(uint64_t now_ms) {
    if (!started_ || now_ms - period_start_ms_ >= period_ms_) {
        started_ = true;
        period_start_ms_ = now_ms;
        count_ = 0;
    }
    if (count_ >= max_) return false;
    ++count_;
    return true;
}

} // namespace vp::ovpn
