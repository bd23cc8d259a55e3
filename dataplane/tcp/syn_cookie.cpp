// SYN cookies, ISNs and timestamp offsets. See syn_cookie.hpp.
#include "dataplane/tcp/syn_cookie.hpp"

#include <sys/random.h>

namespace vp::tcp {

namespace {
// Common MSS values (RFC 4987 leaves the table to the implementation): IPv4 minimum, tunnels
// and PPPoE, Ethernet.
constexpr uint16_t kMssTable[8] = {536, 1200, 1300, 1360, 1400, 1440, 1452, 1460};

struct CookieInput {
    FlowKey flow;
    uint32_t peer_isn;
    uint32_t t;
};
static_assert(sizeof(CookieInput) == 20);
} // namespace

Status SynCookies::set_secret(const uint8_t key[16]) {
    KeyedHash* next = (current_ == &slots_[0]) ? &slots_[1] : &slots_[0];
    next->set_key(key);
    previous_ = current_;
    current_ = next;
    return {};
}

uint32_t SynCookies::hash24(const KeyedHash& h, const FlowKey& flow, uint32_t peer_isn,
                            uint32_t t) const {
    CookieInput in{flow, peer_isn, t};
    return static_cast<uint32_t>(h.hash(&in, sizeof in)) & 0xffffffu;
}

uint32_t SynCookies::make(const FlowKey& flow, uint32_t peer_isn, uint16_t peer_mss,
                          uint64_t now_us) const {
    uint32_t t = static_cast<uint32_t>(now_us / 1000000 / kStepSeconds);
    uint32_t idx = 0;
    for (uint32_t i = 0; i < 8; ++i)
        if (kMssTable[i] <= peer_mss) idx = i;
    return ((t & 0x1fu) << 27) | (idx << 24) | hash24(*current_, flow, peer_isn, t);
}

bool SynCookies::check(const FlowKey& flow, uint32_t peer_isn, uint32_t cookie, uint64_t now_us,
                       uint16_t& mss) const {
    uint32_t now_t = static_cast<uint32_t>(now_us / 1000000 / kStepSeconds);
    uint32_t age = (now_t - (cookie >> 27)) & 0x1fu;
    if (age > kMaxAgeSteps) return false;
    uint32_t t = now_t - age;
    uint32_t h = cookie & 0xffffffu;
    for (const KeyedHash* k : {current_, previous_}) {
        if (k && k->ready() && hash24(*k, flow, peer_isn, t) == h) {
            mss = kMssTable[(cookie >> 24) & 7u];
            return true;
        }
    }
    return false;
}

uint32_t SynCookies::encode_ts(uint32_t ts_now, bool has_wscale, uint8_t wscale, bool sack) {
    uint32_t ws = has_wscale ? (wscale > 14 ? 14u : wscale) : 15u;
    uint32_t ts = (ts_now & ~0x1fu) | ws | (sack ? 0x10u : 0u);
    // Never ahead of the clock: later segments must not carry an older TSval (PAWS).
    if (static_cast<int32_t>(ts - ts_now) > 0) ts -= 0x20u;
    return ts;
}

void SynCookies::decode_ts(uint32_t ts_ecr, bool& has_wscale, uint8_t& wscale, bool& sack) {
    uint32_t ws = ts_ecr & 0x0fu;
    has_wscale = ws != 15;
    wscale = has_wscale ? static_cast<uint8_t>(ws > 14 ? 14 : ws) : 0;
    sack = (ts_ecr & 0x10u) != 0;
}

Status IsnGenerator::init() {
    // The kernel's CSPRNG, once at start; 16 bytes never block once the pool is initialised.
    uint8_t key[16];
    if (getrandom(key, sizeof key, 0) != static_cast<ssize_t>(sizeof key))
        return make_error("getrandom failed for the ISN key");
    hash_.set_key(key);
    return {};
}

uint32_t IsnGenerator::isn(const FlowKey& flow, uint64_t now_us) const {
    return static_cast<uint32_t>(now_us / 4) +
           static_cast<uint32_t>(hash_.hash(&flow, sizeof flow));
}

uint32_t IsnGenerator::ts_offset(const FlowKey& flow) const {
    return static_cast<uint32_t>(hash_.hash(&flow, sizeof flow) >> 32);
}

} // namespace vp::tcp
