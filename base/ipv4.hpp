// IPv4 addresses, prefixes and ranges as the control plane handles them: host byte order
// uint32_t, parsed from and printed as dotted quads. (Workers use network order on the wire and
// convert once at the boundary.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vp::net {

using Ipv4 = uint32_t; // host byte order

struct Ipv4Prefix {
    Ipv4 address = 0; // host byte order, host bits may be set (an interface address keeps them)
    uint8_t length = 0;

    Ipv4 network() const { return length == 0 ? 0 : address & mask(); }
    Ipv4 mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
    bool contains(Ipv4 a) const { return (a & mask()) == network(); }
    bool operator==(const Ipv4Prefix&) const = default;
};

struct Ipv4Range {
    Ipv4 first = 0;
    Ipv4 last = 0; // inclusive
    uint64_t size() const { return uint64_t{last} - first + 1; }
};

std::optional<Ipv4> parse_ipv4(std::string_view text);
// "a.b.c.d/len"; a bare address is a /32.
std::optional<Ipv4Prefix> parse_prefix(std::string_view text);
// "a.b.c.d-e.f.g.h", "a.b.c.d/len" (all addresses of the prefix) or a single address.
std::optional<Ipv4Range> parse_range(std::string_view text);

std::string to_string(Ipv4 address);
std::string to_string(const Ipv4Prefix& prefix);

} // namespace vp::net
