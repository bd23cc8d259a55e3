// Parsers for the RouterOS value syntaxes that AAA settings use: secret `routes`
// ("dst-address [gateway] [metric]"), profile `rate-limit` ("rx[/tx]" with k/M/G suffixes) and
// `service`. Pure functions over text, so tests (and the config reader) can drive them directly.
#pragma once

#include "control/aaa/aaa.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace vp::aaa {

// One route: "10.1.202.0/24 172.16.1.2 1". The destination is a prefix with its host bits clear
// (a bare address is a /32); the gateway and the metric (1..255, default 1) are optional.
Result<Route> parse_route(std::string_view text);
// Several routes separated by commas, as RouterOS prints them.
Result<std::vector<Route>> parse_routes(std::string_view text);
std::string to_string(const Route& route);

// `rate-limit`: rx-rate[/tx-rate], from the router's point of view (rx = client upload). Rates
// are bits per second with an optional k (1e3), M (1e6) or G (1e9) suffix; a missing tx-rate
// equals rx-rate; 0 means unlimited. RouterOS's burst, priority and minimum-rate fields are
// refused (vpnplane's shaper has no bursts): an operator must not believe they apply.
struct RateLimit {
    uint64_t rx_bps = 0; // 0: unlimited
    uint64_t tx_bps = 0;
    bool operator==(const RateLimit&) const = default;
};
Result<RateLimit> parse_rate_limit(std::string_view text);
Result<uint64_t> parse_rate(std::string_view text);

std::optional<Service> parse_service(std::string_view text);

// True for addresses a tunnel endpoint may use: not 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4
// (multicast) or 240.0.0.0/4 (reserved, broadcast).
bool is_unicast(net::Ipv4 address);

} // namespace vp::aaa
