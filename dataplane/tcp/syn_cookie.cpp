// SYN cookies, ISNs and timestamp offsets. See syn_cookie.hpp.
#include "dataplane/tcp/syn_cookie.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstring>

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

KeyedHash::~KeyedHash() {
    EVP_MAC_CTX_free(ctx_);
}

Status KeyedHash::set_key(const uint8_t key[16]) {
    if (!ctx_) {
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
        if (!mac) return make_error("OpenSSL has no SIPHASH MAC");
        ctx_ = EVP_MAC_CTX_new(mac);
        EVP_MAC_free(mac);
        if (!ctx_) return make_error("EVP_MAC_CTX_new(SIPHASH) failed");
    }
    size_t size = 8;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                           OSSL_PARAM_construct_end()};
    if (!EVP_MAC_init(ctx_, key, 16, params)) return make_error("SIPHASH key setup failed");
    return {};
}

uint64_t KeyedHash::hash(const void* data, size_t len) const {
    // Re-initialising with no key restarts the MAC under the key already set, without
    // allocating.
    uint8_t out[8] = {};
    size_t out_len = 0;
    if (!EVP_MAC_init(ctx_, nullptr, 0, nullptr) ||
        !EVP_MAC_update(ctx_, static_cast<const uint8_t*>(data), len) ||
        !EVP_MAC_final(ctx_, out, &out_len, sizeof out))
        return 0;
    uint64_t v;
    memcpy(&v, out, sizeof v);
    return v;
}

Status SynCookies::set_secret(const uint8_t key[16]) {
    KeyedHash* next = (current_ == &slots_[0]) ? &slots_[1] : &slots_[0];
    if (auto st = next->set_key(key); !st) return st;
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
    uint8_t key[16];
    if (RAND_bytes(key, sizeof key) != 1) return make_error("RAND_bytes failed for the ISN key");
    return hash_.set_key(key);
}

uint32_t IsnGenerator::isn(const FlowKey& flow, uint64_t now_us) const {
    return static_cast<uint32_t>(now_us / 4) +
           static_cast<uint32_t>(hash_.hash(&flow, sizeof flow));
}

uint32_t IsnGenerator::ts_offset(const FlowKey& flow) const {
    return static_cast<uint32_t>(hash_.hash(&flow, sizeof flow) >> 32);
}

} // namespace vp::tcp
