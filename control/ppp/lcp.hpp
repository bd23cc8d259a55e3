// LCP's options (RFC 1661 section 6, RFC 1334/1994 Authentication-Protocol) and its codes
// beyond configuration: Protocol-Reject, Echo, Discard-Request, Identification and
// Time-Remaining. One policy for both roles: the server asks for an authentication protocol,
// the client accepts one it is configured for. Over SSTP there is no HDLC, so PFC, ACFC,
// callback, multilink (MRRU, endpoint discriminator) and every unknown option are rejected.
#pragma once

#include "control/ppp/fsm.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace vp::ppp {

struct LcpConfig {
    Role role = Role::Server;
    uint16_t mru = 1500; // what we ask for (and accept)
    // Server: the methods it asks for, in order of preference (a Nak moves to the peer's
    // choice when it is in the list). Client: the methods it accepts. Empty: no authentication.
    std::vector<AuthMethod> auth_methods;
    // The most we send (RouterOS max-mtu): frames toward the peer are at most min(mtu, the
    // peer's MRU). The peer's MRU is not Nak'd for being larger; we simply send less.
    uint16_t mtu = 1500;
    // Client: more options to ask for, as raw type-length-value (what Windows asks for over
    // SSTP: PFC, ACFC, callback). One the peer Naks or Rejects is dropped from the next request.
    Bytes client_extra_options;
};

class LcpPolicy : public OptionPolicy {
public:
    LcpPolicy(LcpConfig config, Counters& counters);

    void build_request(Bytes& options) override;
    void check_request(std::span<const Option> options, RequestVerdict& verdict) override;
    void on_nak(std::span<const Option> options) override;
    void on_reject(std::span<const Option> options) override;
    bool extra_code(const ControlPacket& packet, FsmState state, FsmOutput& out) override;
    void reset() override;

    uint16_t peer_mru() const { return peer_mru_; }
    // What we send at most: the peer's MRU, capped by our max-mtu.
    uint16_t mtu() const { return std::min(peer_mru_, config_.mtu); }
    uint16_t mru() const { return mru_; }
    uint32_t magic() const { return magic_; }
    // The method negotiated: server, the one the peer acked; client, the one it acked.
    AuthMethod auth_method() const;
    // Server: the peer refused every method we can offer.
    bool auth_refused() const { return auth_refused_; }
    // A Protocol-Reject's protocol, taken by the session.
    std::optional<uint16_t> take_rejected_protocol();
    uint64_t echo_replies() const { return echo_replies_; }
    // Client: the option types of client_extra_options the peer Nak'd or Rejected, in order.
    const std::vector<uint8_t>& extra_refused() const { return extra_refused_; }

private:
    LcpConfig config_;
    Counters& counters_;
    uint16_t mru_;
    uint16_t peer_mru_ = 1500;
    uint32_t magic_ = 0;
    uint32_t peer_magic_ = 0;
    bool send_mru_ = true;
    bool send_magic_ = true;
    size_t auth_index_ = 0; // server: config_.auth_methods[auth_index_] is asked for
    bool auth_refused_ = false;
    AuthMethod client_auth_ = AuthMethod::None;
    std::optional<uint16_t> rejected_protocol_;
    uint64_t echo_replies_ = 0;
    std::vector<Option> extra_; // client: client_extra_options still asked for
    std::vector<uint8_t> extra_refused_;
    void drop_extra(const Option& o);
};

// The Authentication-Protocol option value for a method (empty for None) and back.
Bytes auth_option_value(AuthMethod method);
std::optional<AuthMethod> parse_auth_option(ByteSpan value);

} // namespace vp::ppp
