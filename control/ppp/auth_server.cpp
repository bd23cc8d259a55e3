// The authenticator side of PAP and CHAP (see auth.hpp). Credentials are compared in constant
// time; the peer learns only Success or Failure, never why.
#include "control/ppp/auth.hpp"
#include "control/ppp/auth_packets.hpp"

namespace vp::ppp {

namespace {
constexpr std::string_view kFailureText = "Authentication failed";
} // namespace

AuthServer::AuthServer(AuthMethod method, std::string name, Credentials& credentials,
                       FsmTimers timers, Counters& counters)
    : method_(method), name_(std::move(name)), credentials_(credentials), timers_(timers),
      counters_(counters) {}

std::optional<std::string> AuthServer::lookup(std::string_view user) {
    return credentials_.password(user);
}

void AuthServer::start(Millis now, AuthOutput& out) {
    transmissions_ = 0;
    if (method_ == AuthMethod::Pap) {
        // The peer speaks first; give it as long as a full configure exchange.
        deadline_ = now + timers_.restart_ms * timers_.max_configure;
        return;
    }
    // A random first identifier, so a stale Response from an earlier session cannot match.
    random_bytes(MutableByteSpan(&id_, 1));
    send_challenge(now, out);
}

void AuthServer::send_challenge(Millis now, AuthOutput& out) {
    ++id_;
    challenge_.assign(method_ == AuthMethod::MsChapV1 ? 8 : 16, 0);
    if (!random_bytes(challenge_)) {
        finish(0, 0, {}, {false, "", "no random bytes for the challenge", {}}, out);
        return;
    }
    out.frames.push_back(
        build_control_frame(kProtoChap, kChapChallenge, id_, build_chap_value(challenge_, name_)));
    ++transmissions_;
    deadline_ = now + timers_.restart_ms;
}

void AuthServer::on_timer(Millis now, AuthOutput& out) {
    if (done_ || !deadline_ || now < *deadline_) return;
    deadline_.reset();
    if (method_ != AuthMethod::Pap && transmissions_ < timers_.max_configure) {
        send_challenge(now, out);
        return;
    }
    finish(0, 0, {}, {false, "", "the peer did not authenticate in time", {}}, out);
}

void AuthServer::finish(uint8_t code, uint8_t id, Bytes data, AuthResult result, AuthOutput& out) {
    done_ = true;
    deadline_.reset();
    if (code != 0) {
        reply_protocol_ = method_ == AuthMethod::Pap ? kProtoPap : kProtoChap;
        reply_id_ = id;
        reply_ = build_control_frame(reply_protocol_, code, id, data);
        out.frames.push_back(reply_);
    }
    out.result = std::move(result);
}

void AuthServer::input(uint16_t protocol, ByteSpan information, Millis, AuthOutput& out) {
    uint16_t expected = method_ == AuthMethod::Pap ? kProtoPap : kProtoChap;
    auto packet = parse_control_packet(information);
    if (!packet) {
        ++counters_.malformed_frames;
        return;
    }
    if (protocol != expected) {
        ++counters_.unexpected_packets;
        return;
    }
    if (done_) {
        // The peer did not see our answer (RFC 1994 4.2): repeat it for the same identifier.
        if (!reply_.empty() && packet->id == reply_id_ &&
            packet->code == (method_ == AuthMethod::Pap ? kPapRequest : kChapResponse))
            out.frames.push_back(reply_);
        else
            ++counters_.unexpected_packets;
        return;
    }
    if (method_ == AuthMethod::Pap && packet->code == kPapRequest) {
        receive_pap(*packet, out);
    } else if (method_ != AuthMethod::Pap && packet->code == kChapResponse) {
        receive_chap_response(*packet, out);
    } else {
        ++counters_.unexpected_packets;
    }
}

void AuthServer::receive_pap(const ControlPacket& p, AuthOutput& out) {
    auto request = parse_pap_request(p.data);
    if (!request) {
        ++counters_.malformed_auth;
        return;
    }
    std::string user(request->peer_id);
    auto secret = lookup(user);
    bool ok = secret && equal_secret(as_bytes(*secret), as_bytes(request->password));
    if (ok)
        finish(kPapAck, p.id, build_pap_message(""), {true, user, "", {}}, out);
    else
        finish(kPapNak, p.id, build_pap_message(kFailureText),
               {false, user, secret ? "wrong password" : "unknown user", {}}, out);
}

void AuthServer::receive_chap_response(const ControlPacket& p, AuthOutput& out) {
    if (p.id != id_) { // an answer to an older challenge
        ++counters_.unexpected_packets;
        return;
    }
    auto response = parse_chap_value(p.data);
    if (!response) {
        ++counters_.malformed_auth;
        return;
    }
    std::string user(response->name);
    auto secret = lookup(user);
    bool ok = false;
    Hlak hlak{};
    std::string success_text;
    if (method_ == AuthMethod::ChapMd5) {
        if (secret) {
            auto expected = chap_md5_response(p.id, *secret, challenge_);
            ok = expected && equal_secret(*expected, response->value);
        }
    } else if (method_ == AuthMethod::MsChapV1) {
        auto v1 = parse_mschapv1_response(response->value);
        if (!v1) {
            ++counters_.malformed_auth;
            return;
        }
        Challenge8 chal;
        std::copy_n(challenge_.begin(), 8, chal.begin());
        if (secret && v1->use_nt) { // LM responses are refused: the LM hash is broken
            auto expected = mschapv1_nt_response(chal, *secret);
            auto keys = mschapv1_hlak(*secret, chal);
            ok = expected && keys && equal_secret(*expected, v1->nt_response);
            if (ok) hlak = *keys;
        }
    } else {
        auto v2 = parse_mschapv2_response(response->value);
        if (!v2) {
            ++counters_.malformed_auth;
            return;
        }
        Challenge16 chal;
        std::copy_n(challenge_.begin(), 16, chal.begin());
        if (secret) {
            auto expected = mschapv2_nt_response(chal, v2->peer_challenge, user, *secret);
            ok = expected && equal_secret(*expected, v2->nt_response);
            if (ok) {
                auto keys = mschapv2_hlak(*secret, v2->nt_response);
                auto signature = mschapv2_authenticator_response(*secret, v2->nt_response,
                                                                 v2->peer_challenge, chal, user);
                ok = keys && signature;
                if (ok) {
                    hlak = *keys;
                    success_text = *signature;
                }
            }
        }
    }
    if (ok) {
        finish(kChapSuccess, p.id, Bytes(success_text.begin(), success_text.end()),
               {true, user, "", hlak}, out);
        return;
    }
    std::string reason = secret ? "wrong password" : "unknown user";
    if (auto status = legacy_crypto_status();
        !status && method_ != AuthMethod::ChapMd5 && method_ != AuthMethod::Pap)
        reason = status.message(); // not the peer's fault: say so in the log
    std::string failure = "E=691 R=0";
    if (method_ == AuthMethod::MsChapV2) {
        uint8_t next[16];
        if (!random_bytes(next)) std::fill(std::begin(next), std::end(next), 0);
        failure += " C=" + hex_upper(next) + " V=3 M=" + std::string(kFailureText);
    } else if (method_ == AuthMethod::ChapMd5) {
        failure = kFailureText;
    }
    finish(kChapFailure, p.id, Bytes(failure.begin(), failure.end()), {false, user, reason, {}},
           out);
}

} // namespace vp::ppp
