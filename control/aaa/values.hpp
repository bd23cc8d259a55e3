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

// `rate-limit`, RouterOS's syntax, from the router's point of view (rx = client upload):
//   rx-rate[/tx-rate] [rx-burst-rate[/tx-burst-rate] [rx-burst-threshold[/tx-burst-threshold]
//   [rx-burst-time[/tx-burst-time] [priority] [rx-rate-min[/tx-rate-min]]]]]
// Rates are bits per second with an optional k (1e3), M (1e6) or G (1e9) suffix; burst times are
// seconds (an optional `s`). As in RouterOS a missing tx value equals the rx value, a missing
// burst-threshold equals the rate and a missing burst-time is 1 s; rate 0 means unlimited and
// burst-rate 0 means no burst. Refused, because vpnplane limits each session on its own, with no
// parent queue to share: a priority other than 8 (the lowest, RouterOS's default) and minimum
// rates (limit-at). Also refused: a burst-rate not above the rate, a burst-threshold above the
// rate (the burst would never end) and a burst without a rate.
// (RateDirection and RateLimit live in aaa.hpp: grants carry them.)
Result<RateLimit> parse_rate_limit(std::string_view text);
// RouterOS's own notation back ("10M/20M 20M/40M 8M/16M 10/10").
std::string to_string(const RateLimit& limit);
Result<uint64_t> parse_rate(std::string_view text);

std::optional<Service> parse_service(std::string_view text);

// True for addresses a tunnel endpoint may use: not 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4
// (multicast) or 240.0.0.0/4 (reserved, broadcast).
bool is_unicast(net::Ipv4 address);

} // namespace vp::aaa
