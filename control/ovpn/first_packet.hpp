// The stateless front door: what the server does with a packet from an endpoint that has no
// session. Only a client reset (key id 0), or the client's next packet carrying our HMAC
// session id back, is of interest; the packet's control-channel wrapping (tls-auth, tls-crypt,
// or tls-crypt-v2 with the client key unwrapped from WKc) is checked here before anything else.
#pragma once

#include "base/expected.hpp"
#include "control/ovpn/control_wrap.hpp"
#include "control/ovpn/packet.hpp"
#include "control/ovpn/setup.hpp"

#include <string>

namespace vp::ovpn {

enum class FirstPacketError : uint8_t {
    NotInitial,   // not a reset / CONTROL_V1 / ACK_V1 / WKC_V1 with key id 0
    Unwrapped,    // no wrapping where the server requires it, or the wrong kind
    WrapRejected, // authentication or tls-crypt-v2 client key failed
    Malformed,
};
std::string_view to_string(FirstPacketError e);

struct FirstPacket {
    enum class Kind : uint8_t {
        Reset,       // a client reset: answer with an HMAC session id, keep no state
        ResetLegacy, // tls-crypt-v2 reset from a client that cannot resend WKc: needs state now
        Continue,    // ACK_V1 / CONTROL_V1 / WKC_V1: must carry our HMAC session id back
    };
    Kind kind = Kind::Reset;
    Bytes plain; // the unwrapped packet; parse_control_packet(plain) succeeds
    PacketId packet_id;
    ControlWrap wrap; // keyed for this client (tls-crypt-v2: by its Kc)
    bool tls_crypt_v2 = false;
    std::string wrap_description;
};

Expected<FirstPacket, FirstPacketError> inspect_first_packet(const ServerSetup& setup,
                                                             ByteSpan datagram);

// The server's reset answering `client_sid`: P_CONTROL_HARD_RESET_SERVER_V2, message id 0,
// acknowledging the client's reset (id 0), with the early-negotiation TLV when asked.
Bytes build_server_reset(ControlWrap& wrap, const SessionId& server_sid,
                         const SessionId& client_sid, bool resend_wkc, uint32_t time_s);

} // namespace vp::ovpn
