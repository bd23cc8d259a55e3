// LCP option policy and extra codes (see lcp.hpp).
#include "control/ppp/lcp.hpp"

#include "control/ppp/chap_crypto.hpp"

#include <algorithm>

namespace vp::ppp {

namespace {
constexpr uint8_t kOptMru = 1;
constexpr uint8_t kOptAccm = 2;
constexpr uint8_t kOptAuth = 3;
constexpr uint8_t kOptMagic = 5;
// RFC 1661 says an MRU below the default may be asked for; below this nothing useful fits.
constexpr uint16_t kMinMru = 128;

constexpr uint8_t kProtocolReject = 8;
constexpr uint8_t kEchoRequest = 9;
constexpr uint8_t kEchoReply = 10;
constexpr uint8_t kDiscardRequest = 11;
constexpr uint8_t kIdentification = 12; // RFC 1570
constexpr uint8_t kTimeRemaining = 13;  // RFC 1570

uint32_t new_magic() {
    uint32_t m = 0;
    while (m == 0) {
        uint8_t b[4];
        if (!random_bytes(b)) return 0x5650504C; // "VPPL": only if OpenSSL has no randomness
        m = static_cast<uint32_t>(b[0]) << 24 | b[1] << 16 | b[2] << 8 | b[3];
    }
    return m;
}
} // namespace

Bytes auth_option_value(AuthMethod method) {
    switch (method) {
    case AuthMethod::Pap:
        return {0xC0, 0x23};
    case AuthMethod::ChapMd5:
        return {0xC2, 0x23, 0x05};
    case AuthMethod::MsChapV1:
        return {0xC2, 0x23, 0x80};
    case AuthMethod::MsChapV2:
        return {0xC2, 0x23, 0x81};
    case AuthMethod::None:
        break;
    }
    return {};
}

std::optional<AuthMethod> parse_auth_option(ByteSpan value) {
    if (value.size() == 2 && value[0] == 0xC0 && value[1] == 0x23) return AuthMethod::Pap;
    if (value.size() != 3 || value[0] != 0xC2 || value[1] != 0x23) return std::nullopt;
    switch (value[2]) {
    case 0x05:
        return AuthMethod::ChapMd5;
    case 0x80:
        return AuthMethod::MsChapV1;
    case 0x81:
        return AuthMethod::MsChapV2;
    default:
        return std::nullopt;
    }
}

LcpPolicy::LcpPolicy(LcpConfig config, Counters& counters)
    : config_(std::move(config)), counters_(counters), mru_(config_.mru), magic_(new_magic()) {
    if (config_.role == Role::Client) {
        auto parsed = parse_options(config_.client_extra_options);
        if (parsed) extra_ = std::move(*parsed);
    }
}

void LcpPolicy::drop_extra(const Option& o) {
    auto it = std::find_if(extra_.begin(), extra_.end(),
                           [&](const Option& e) { return e.type == o.type; });
    if (it == extra_.end()) return;
    extra_refused_.push_back(o.type);
    extra_.erase(it);
}

void LcpPolicy::reset() {
    peer_mru_ = 1500;
    peer_magic_ = 0;
    client_auth_ = AuthMethod::None;
}

AuthMethod LcpPolicy::auth_method() const {
    if (config_.role == Role::Client) return client_auth_;
    if (config_.auth_methods.empty() || auth_refused_) return AuthMethod::None;
    return config_.auth_methods[auth_index_];
}

std::optional<uint16_t> LcpPolicy::take_rejected_protocol() {
    auto p = rejected_protocol_;
    rejected_protocol_.reset();
    return p;
}

void LcpPolicy::build_request(Bytes& options) {
    if (send_mru_) append_option_u16(options, kOptMru, mru_);
    if (config_.role == Role::Server && !config_.auth_methods.empty() && !auth_refused_)
        append_option(options, kOptAuth, auth_option_value(config_.auth_methods[auth_index_]));
    if (send_magic_) append_option_u32(options, kOptMagic, magic_);
    for (const Option& o : extra_)
        options.insert(options.end(), o.raw.begin(), o.raw.end());
}

void LcpPolicy::check_request(std::span<const Option> options, RequestVerdict& verdict) {
    auto reject = [&](const Option& o) {
        verdict.reject.insert(verdict.reject.end(), o.raw.begin(), o.raw.end());
    };
    auto nak = [&](const Option& o, const Bytes& ours) {
        verdict.nak.insert(verdict.nak.end(), ours.begin(), ours.end());
        verdict.nak_originals.insert(verdict.nak_originals.end(), o.raw.begin(), o.raw.end());
    };
    for (const Option& o : options) {
        switch (o.type) {
        case kOptMru: {
            uint16_t mru;
            if (!option_u16(o, mru)) {
                reject(o);
            } else if (mru < kMinMru) {
                Bytes ours;
                append_option_u16(ours, kOptMru, kMinMru);
                nak(o, ours);
            } else {
                peer_mru_ = mru;
            }
            break;
        }
        case kOptAccm: // meaningless without HDLC, harmless to acknowledge (pppd sends 0)
            if (o.value.size() != 4) reject(o);
            break;
        case kOptAuth: {
            auto method = parse_auth_option(o.value);
            bool acceptable = config_.role == Role::Client && method &&
                              std::find(config_.auth_methods.begin(), config_.auth_methods.end(),
                                        *method) != config_.auth_methods.end();
            if (config_.role == Role::Server || config_.auth_methods.empty()) {
                reject(o); // we do not authenticate ourselves to the peer
            } else if (acceptable) {
                client_auth_ = *method;
            } else {
                Bytes ours;
                append_option(ours, kOptAuth, auth_option_value(config_.auth_methods.front()));
                nak(o, ours);
            }
            break;
        }
        case kOptMagic: {
            uint32_t magic;
            if (!option_u32(o, magic)) {
                reject(o);
            } else if (magic == 0 || (send_magic_ && magic == magic_)) {
                // Our own magic coming back may be a looped-back link (RFC 1661 6.4).
                Bytes ours;
                append_option_u32(ours, kOptMagic, new_magic());
                nak(o, ours);
            } else {
                peer_magic_ = magic;
            }
            break;
        }
        default:
            reject(o);
            break; // PFC 7, ACFC 8, callback 13, MRRU 17, ED 19, unknown
        }
    }
}

void LcpPolicy::on_nak(std::span<const Option> options) {
    for (const Option& o : options) {
        drop_extra(o);
        if (o.type == kOptMru) {
            uint16_t mru;
            if (option_u16(o, mru) && mru >= kMinMru) mru_ = std::min(mru, config_.mru);
        } else if (o.type == kOptMagic) {
            magic_ = new_magic();
        } else if (o.type == kOptAuth && config_.role == Role::Server) {
            auto wanted = parse_auth_option(o.value);
            auto& methods = config_.auth_methods;
            auto it = wanted ? std::find(methods.begin(), methods.end(), *wanted) : methods.end();
            if (it != methods.end()) {
                auth_index_ = static_cast<size_t>(it - methods.begin());
            } else if (auth_index_ + 1 < methods.size()) {
                ++auth_index_;
            } else {
                auth_refused_ = true;
            }
        }
    }
}

void LcpPolicy::on_reject(std::span<const Option> options) {
    for (const Option& o : options) {
        drop_extra(o);
        if (o.type == kOptMru) send_mru_ = false;
        if (o.type == kOptMagic) send_magic_ = false;
        if (o.type == kOptAuth && config_.role == Role::Server) auth_refused_ = true;
    }
}

bool LcpPolicy::extra_code(const ControlPacket& p, FsmState state, FsmOutput& out) {
    switch (p.code) {
    case kProtocolReject:
        if (p.data.size() >= 2 && state == FsmState::Opened)
            rejected_protocol_ = static_cast<uint16_t>(p.data[0] << 8 | p.data[1]);
        return true;
    case kEchoRequest: {
        if (state != FsmState::Opened) return true; // RFC 1661 5.8: only in Opened
        ++counters_.echo_requests;
        Bytes data;
        ByteWriter w(data);
        w.be32(send_magic_ ? magic_ : 0);
        if (p.data.size() > 4) w.bytes(p.data.subspan(4));
        // The reply must fit what we send (the peer's MRU, capped by max-mtu): 4 bytes of
        // header plus the data.
        size_t room = mtu() > 4 ? mtu() - 4u : 0;
        if (data.size() > room) data.resize(room);
        out.frames.push_back(build_control_frame(kProtoLcp, kEchoReply, p.id, data));
        return true;
    }
    case kEchoReply:
        ++echo_replies_;
        return true;
    case kDiscardRequest:
    case kIdentification:
    case kTimeRemaining:
        ++counters_.discarded_requests;
        return true;
    default:
        return false;
    }
}

} // namespace vp::ppp
