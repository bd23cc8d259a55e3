// The authentication phase (RFC 1661 section 3.5) in both roles: AuthServer is the
// authenticator (it challenges, checks against Credentials, answers Success/Failure and derives
// the HLAK before its Success leaves); AuthClient is the peer (it answers with the configured
// user and password and, for MS-CHAPv2, checks the server's authenticator response).
// PAP (0xC023) and CHAP (0xC223: MD5, MS-CHAPv1, MS-CHAPv2).
#pragma once

#include "control/ppp/chap_crypto.hpp"
#include "control/ppp/fsm.hpp"
#include "control/ppp/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace vp::ppp {

struct AuthResult {
    bool success = false;
    std::string user;   // as the peer sent it, domain included
    std::string reason; // why it failed, for the log
    Hlak hlak{};        // zeros unless MS-CHAP derived keys
};

struct AuthOutput {
    std::vector<Bytes> frames;
    std::optional<AuthResult> result; // set once, when the phase ends
};

class AuthServer {
public:
    AuthServer(AuthMethod method, std::string name, Credentials& credentials, FsmTimers timers,
               Counters& counters);
    void start(Millis now, AuthOutput& out);
    // protocol is kProtoPap or kProtoChap; information is what follows the protocol field.
    void input(uint16_t protocol, ByteSpan information, Millis now, AuthOutput& out);
    void on_timer(Millis now, AuthOutput& out);
    std::optional<Millis> deadline() const { return deadline_; }

private:
    void send_challenge(Millis now, AuthOutput& out);
    void receive_pap(const ControlPacket& p, AuthOutput& out);
    void receive_chap_response(const ControlPacket& p, AuthOutput& out);
    void finish(uint8_t code, uint8_t id, Bytes data, AuthResult result, AuthOutput& out);
    std::optional<std::string> lookup(std::string_view user);

    AuthMethod method_;
    std::string name_;
    Credentials& credentials_;
    FsmTimers timers_;
    Counters& counters_;
    Bytes challenge_;
    uint8_t id_ = 0;
    unsigned transmissions_ = 0;
    std::optional<Millis> deadline_;
    bool done_ = false;
    uint8_t reply_id_ = 0; // a repeated request/response with this id gets reply_ again
    uint16_t reply_protocol_ = 0;
    Bytes reply_;
};

class AuthClient {
public:
    AuthClient(AuthMethod method, std::string user, std::string password, FsmTimers timers,
               Counters& counters);
    void start(Millis now, AuthOutput& out);
    void input(uint16_t protocol, ByteSpan information, Millis now, AuthOutput& out);
    void on_timer(Millis now, AuthOutput& out);
    std::optional<Millis> deadline() const { return deadline_; }

private:
    void send_pap(Millis now, AuthOutput& out);
    void receive_challenge(const ControlPacket& p, Millis now, AuthOutput& out);
    void receive_chap_result(const ControlPacket& p, AuthOutput& out);
    void fail(std::string reason, AuthOutput& out);

    AuthMethod method_;
    std::string user_;
    std::string password_;
    FsmTimers timers_;
    Counters& counters_;
    std::optional<Millis> deadline_;
    unsigned transmissions_ = 0;
    uint8_t id_ = 0;
    bool answered_ = false; // a Challenge was answered; Success/Failure must carry its id
    Challenge16 auth_challenge_{};
    Challenge16 peer_challenge_{};
    Response24 nt_response_{};
    Challenge8 v1_challenge_{};
    bool done_ = false;
};

} // namespace vp::ppp
