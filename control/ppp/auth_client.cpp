// The peer side of PAP and CHAP (see auth.hpp): the appliance as an SSTP client. MS-CHAPv2's
// Success is believed only when its authenticator response proves the server knew the password.
#include "control/ppp/auth.hpp"
#include "control/ppp/auth_packets.hpp"

namespace vp::ppp {

namespace {
// Why an MS-CHAP computation failed, in words an operator can act on.
std::string crypto_failure() {
    auto status = legacy_crypto_status();
    return status ? "OpenSSL failed to compute MD4/DES" : status.message();
}
} // namespace

AuthClient::AuthClient(AuthMethod method, std::string user, std::string password, FsmTimers timers,
                       Counters& counters)
    : method_(method), user_(std::move(user)), password_(std::move(password)), timers_(timers),
      counters_(counters) {}

void AuthClient::start(Millis now, AuthOutput& out) {
    transmissions_ = 0;
    if (method_ == AuthMethod::Pap) {
        send_pap(now, out);
        return;
    }
    deadline_ = now + timers_.restart_ms * timers_.max_configure; // wait for a Challenge
}

void AuthClient::send_pap(Millis now, AuthOutput& out) {
    ++id_;
    out.frames.push_back(
        build_control_frame(kProtoPap, kPapRequest, id_, build_pap_request(user_, password_)));
    ++transmissions_;
    deadline_ = now + timers_.restart_ms;
}

void AuthClient::on_timer(Millis now, AuthOutput& out) {
    if (done_ || !deadline_ || now < *deadline_) return;
    deadline_.reset();
    if (method_ == AuthMethod::Pap && transmissions_ < timers_.max_configure) {
        send_pap(now, out);
        return;
    }
    fail("the server did not answer the authentication", out);
}

void AuthClient::fail(std::string reason, AuthOutput& out) {
    done_ = true;
    deadline_.reset();
    out.result = AuthResult{false, user_, std::move(reason), {}};
}

void AuthClient::input(uint16_t protocol, ByteSpan information, Millis now, AuthOutput& out) {
    auto packet = parse_control_packet(information);
    if (!packet) {
        ++counters_.malformed_frames;
        return;
    }
    uint16_t expected = method_ == AuthMethod::Pap ? kProtoPap : kProtoChap;
    if (done_ || protocol != expected) {
        ++counters_.unexpected_packets;
        return;
    }
    if (method_ == AuthMethod::Pap) {
        if ((packet->code != kPapAck && packet->code != kPapNak) || packet->id != id_) {
            ++counters_.unexpected_packets;
            return;
        }
        if (packet->code == kPapAck) {
            done_ = true;
            deadline_.reset();
            out.result = AuthResult{true, user_, "", {}};
        } else {
            fail("PAP refused: " + std::string(parse_pap_message(packet->data)), out);
        }
        return;
    }
    if (packet->code == kChapChallenge) {
        receive_challenge(*packet, now, out);
    } else if (packet->code == kChapSuccess || packet->code == kChapFailure) {
        receive_chap_result(*packet, out);
    } else {
        ++counters_.unexpected_packets;
    }
}

void AuthClient::receive_challenge(const ControlPacket& p, Millis now, AuthOutput& out) {
    auto challenge = parse_chap_value(p.data);
    if (!challenge) {
        ++counters_.malformed_auth;
        return;
    }
    Bytes value;
    if (method_ == AuthMethod::ChapMd5) {
        auto r = chap_md5_response(p.id, password_, challenge->value);
        if (!r) return fail("CHAP-MD5 needs MD5 from OpenSSL", out);
        value.assign(r->begin(), r->end());
    } else if (method_ == AuthMethod::MsChapV1) {
        if (challenge->value.size() != 8) {
            ++counters_.malformed_auth;
            return;
        }
        std::copy_n(challenge->value.begin(), 8, v1_challenge_.begin());
        auto nt = mschapv1_nt_response(v1_challenge_, password_);
        if (!nt) return fail(crypto_failure(), out);
        MsChapV1Response r;
        r.nt_response = *nt; // the LM response stays zero: Use-NT is set
        nt_response_ = *nt;
        value = build_mschapv1_response(r);
    } else {
        if (challenge->value.size() != 16) {
            ++counters_.malformed_auth;
            return;
        }
        std::copy_n(challenge->value.begin(), 16, auth_challenge_.begin());
        if (!random_bytes(peer_challenge_)) return fail("no random bytes", out);
        auto nt = mschapv2_nt_response(auth_challenge_, peer_challenge_, user_, password_);
        if (!nt) return fail(crypto_failure(), out);
        nt_response_ = *nt;
        value = build_mschapv2_response({peer_challenge_, *nt});
    }
    id_ = p.id;
    answered_ = true;
    out.frames.push_back(
        build_control_frame(kProtoChap, kChapResponse, p.id, build_chap_value(value, user_)));
    deadline_ = now + timers_.restart_ms * timers_.max_configure;
}

void AuthClient::receive_chap_result(const ControlPacket& p, AuthOutput& out) {
    if (!answered_ || p.id != id_) {
        ++counters_.unexpected_packets;
        return;
    }
    std::string_view message = as_text(p.data);
    if (p.code == kChapFailure) return fail("CHAP refused: " + std::string(message), out);
    Hlak hlak{};
    if (method_ == AuthMethod::MsChapV2) {
        auto expected = mschapv2_authenticator_response(password_, nt_response_, peer_challenge_,
                                                        auth_challenge_, user_);
        std::string_view got = mschapv2_success_authenticator(message);
        if (!expected || !equal_secret(as_bytes(*expected), as_bytes(got)))
            return fail("the server's MS-CHAPv2 authenticator response is wrong", out);
        auto keys = mschapv2_hlak(password_, nt_response_);
        if (!keys) return fail("MPPE key derivation failed", out);
        hlak = *keys;
    } else if (method_ == AuthMethod::MsChapV1) {
        auto keys = mschapv1_hlak(password_, v1_challenge_);
        if (!keys) return fail("MPPE key derivation failed", out);
        hlak = *keys;
    }
    done_ = true;
    deadline_.reset();
    out.result = AuthResult{true, user_, "", hlak};
}

} // namespace vp::ppp
