// What an OpenVPN client takes from the server's PUSH_REPLY options: its tunnel addresses
// (ifconfig with topology p2p/net30/subnet, route-gateway), the routes the server pushes, the
// peer-id for DATA_V2, the negotiated cipher, keepalive (ping / ping-restart), the key
// derivation (TLS-EKM) and the tunnel MTU. Options the appliance does not act on (DNS,
// redirect-gateway, ...) are kept by name in `ignored` for the logs. A pure, bounded parser of
// server bytes (fuzzed: tests/fuzz/ovpn/fuzz_client_push.cpp).
#pragma once

#include "base/ipv4.hpp"
#include "base/result.hpp"
#include "crypto/cipher.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vp::ovpn {

struct PushedConfig {
    net::Ipv4 local_address = 0;  // ours, inside the tunnel
    net::Ipv4 remote_address = 0; // the server's side (p2p peer or route-gateway)
    uint8_t prefix_length = 32;   // topology subnet: the tunnel subnet's length
    std::vector<net::Ipv4Prefix> routes;
    std::optional<uint32_t> peer_id;
    std::optional<crypto::Cipher> cipher;
    uint32_t ping_s = 0;
    uint32_t ping_restart_s = 0;
    bool tls_ekm = false;
    bool redirect_gateway = false;
    std::optional<uint32_t> tun_mtu;
    std::vector<std::string> ignored; // option names not acted on
};

// Accumulates the options of one or more PUSH_REPLY messages ("push-continuation 2": more
// follow). Returns true when the reply is complete.
class PushAccumulator {
public:
    static constexpr size_t max_options = 1024;
    // `options`: parse_push_reply()'s list for one message. false: too many options.
    bool add(const std::vector<std::string>& options);
    bool complete() const { return complete_; }
    const std::vector<std::string>& options() const { return options_; }
    void reset() {
        options_.clear();
        complete_ = false;
    }

private:
    std::vector<std::string> options_;
    bool complete_ = false;
};

// Interprets the options; an error names the option that is wrong (no ifconfig, a bad address,
// an unknown cipher).
Result<PushedConfig> interpret_push_options(const std::vector<std::string>& options);

} // namespace vp::ovpn
