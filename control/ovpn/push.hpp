// PUSH_REPLY: what the client is told after it authenticated — its address and topology, the
// route gateway and routes, DNS, keepalive, peer-id, the negotiated cipher and protocol flags.
// Long replies are split into several messages joined with "push-continuation 2" (more follow)
// and "push-continuation 1" (last), as OpenVPN does.
#pragma once

#include "base/ipv4.hpp"
#include "crypto/cipher.hpp"

#include <optional>
#include <string>
#include <vector>

namespace vp::ovpn {

// OpenVPN's limit for one PUSH_REPLY message (PUSH_BUNDLE_SIZE).
constexpr size_t max_push_message_bytes = 1024;

struct PushContext {
    net::Ipv4 local_address = 0;  // server side of the tunnel (route-gateway)
    net::Ipv4 remote_address = 0; // the client's address
    // < 32: "topology subnet" + "ifconfig remote netmask"; 32: "topology p2p" +
    // "ifconfig remote local" (RouterOS's point-to-point model).
    uint8_t prefix_length = 32;
    std::vector<net::Ipv4Prefix> routes; // routes the client sends through the tunnel
    bool redirect_gateway = false;       // "redirect-gateway def1"
    bool redirect_gateway_ipv6 = false;
    std::vector<net::Ipv4> dns_servers;
    std::vector<net::Ipv4> wins_servers; // the profile's wins-server: dhcp-option WINS
    uint32_t ping_s = 0;                 // 0: no keepalive pushed
    uint32_t ping_restart_s = 0;
    std::optional<uint32_t> peer_id;
    std::optional<crypto::Cipher> cipher; // NCP result, for NCP clients
    bool cc_exit = false;                 // client understands protocol-flags (IV_PROTO bit 7)
    bool tls_ekm = false;                 // data keys from TLS-EKM
    std::optional<uint32_t> tun_mtu;
};

std::vector<std::string> build_push_options(const PushContext& c);
// The messages to send, each "PUSH_REPLY,..." and at most `max_bytes` long where possible.
std::vector<std::string> build_push_replies(const std::vector<std::string>& options,
                                            size_t max_bytes = max_push_message_bytes);

} // namespace vp::ovpn
