// A UDP endpoint as the control plane sees it: IPv4 address and port, host byte order.
#pragma once

#include "base/ipv4.hpp"

#include <compare>
#include <cstdint>
#include <string>

namespace vp::ovpn {

struct Endpoint {
    net::Ipv4 address = 0;
    uint16_t port = 0;

    auto operator<=>(const Endpoint&) const = default;
    std::string to_string() const { return net::to_string(address) + ':' + std::to_string(port); }
};

struct EndpointHash {
    size_t operator()(const Endpoint& e) const {
        return std::hash<uint64_t>()(uint64_t{e.address} << 16 | e.port);
    }
};

} // namespace vp::ovpn
