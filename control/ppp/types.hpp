// Shared vocabulary of control/ppp: roles, authentication methods, time, the interfaces the
// caller implements (credentials, addresses), and the counters every parser rejection bumps.
// Nothing here reads a clock or starts a thread: time comes in as an argument.
#pragma once

#include "base/ipv4.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vp::ppp {

using Millis = uint64_t; // a monotonic time in milliseconds, supplied by the caller

// Server: the SSTP server's side (authenticator, hands out addresses). Client: the peer (the
// appliance dialling out as an SSTP client).
enum class Role : uint8_t { Server, Client };

enum class AuthMethod : uint8_t { None, Pap, ChapMd5, MsChapV1, MsChapV2 };
const char* to_string(AuthMethod method);

// SSTP crypto binding's Higher-Layer Authentication Key: server receive key | server send key
// for MS-CHAPv2 (both 16 bytes), all zeros for methods without keys (docs/ppp.md).
using Hlak = std::array<uint8_t, 32>;

// Server role: where passwords come from (control/aaa's secrets, later). The name is the one the
// peer sent, domain included ("DOMAIN\\user"); the MS-CHAP challenge hash strips the domain
// itself. nullopt: no such user.
class Credentials {
public:
    virtual ~Credentials() = default;
    virtual std::optional<std::string> password(std::string_view user) = 0;
};

// Server role: the peer's tunnel address (the secret's remote-address, else the profile's pool).
// assign() is called once authentication succeeded; release() when the session ends.
class AddressAllocator {
public:
    virtual ~AddressAllocator() = default;
    virtual std::optional<net::Ipv4> assign(std::string_view user) = 0;
    virtual void release(net::Ipv4 address) = 0;
    // The server's own side that came with the last assign() (a profile's local-address, DNS
    // and WINS servers): 0 / empty keep PppConfig's values.
    virtual net::Ipv4 local_address() const { return 0; }
    virtual std::vector<net::Ipv4> dns() const { return {}; }
    virtual std::vector<net::Ipv4> nbns() const { return {}; }
};

// Every rejection of untrusted bytes is counted by reason (the session owns one of these).
struct Counters {
    uint64_t malformed_frames = 0;   // too short, bad protocol field, bad packet length
    uint64_t malformed_options = 0;  // option length 0/1 or past the packet's end
    uint64_t oversized_frames = 0;   // information field larger than our MRU
    uint64_t unknown_protocols = 0;  // answered with LCP Protocol-Reject (or dropped before Opened)
    uint64_t unknown_codes = 0;      // answered with Code-Reject
    uint64_t unexpected_packets = 0; // wrong identifier, wrong phase, wrong state
    uint64_t malformed_auth = 0;     // PAP/CHAP packets that do not parse
    uint64_t echo_requests = 0;      // LCP Echo-Requests answered
    uint64_t discarded_requests = 0; // LCP Discard-Request / Identification / Time-Remaining
};

} // namespace vp::ppp
