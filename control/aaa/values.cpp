// RouterOS value syntaxes used by AAA settings: routes, rate limits, services.
#include "control/aaa/values.hpp"

#include <charconv>
#include <limits>
#include <string>

namespace vp::aaa {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> out;
    while (true) {
        auto at = text.find(separator);
        out.push_back(text.substr(0, at));
        if (at == std::string_view::npos) break;
        text.remove_prefix(at + 1);
    }
    return out;
}

std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> out;
    for (auto w : split(trim(text), ' ')) {
        w = trim(w);
        if (!w.empty()) out.push_back(w);
    }
    return out;
}

std::string quoted(std::string_view s) {
    return "'" + std::string(s) + "'";
}

} // namespace

bool is_unicast(net::Ipv4 a) {
    uint32_t top = a >> 24;
    return top != 0 && top != 127 && top < 224;
}

Result<Route> parse_route(std::string_view text) {
    auto parts = words(text);
    if (parts.empty()) return make_error("empty route");
    if (parts.size() > 3)
        return make_error("route " + quoted(trim(text)) +
                          " has too many fields (expected \"dst-address [gateway] [metric]\")");
    auto prefix = net::parse_prefix(parts[0]);
    if (!prefix)
        return make_error("route destination " + quoted(parts[0]) + " is not an IPv4 prefix");
    if (prefix->address != prefix->network())
        return make_error(
            "route destination " + quoted(parts[0]) + " has host bits set (did you mean " +
            net::to_string(net::Ipv4Prefix{prefix->network(), prefix->length}) + "?)");
    Route route{.destination = *prefix};
    if (parts.size() >= 2) {
        auto gateway = net::parse_ipv4(parts[1]);
        if (!gateway)
            return make_error("route gateway " + quoted(parts[1]) + " is not an IPv4 address");
        route.gateway = *gateway;
    }
    if (parts.size() == 3) {
        unsigned metric = 0;
        auto m = parts[2];
        auto [p, ec] = std::from_chars(m.data(), m.data() + m.size(), metric);
        if (ec != std::errc{} || p != m.data() + m.size() || metric < 1 || metric > 255)
            return make_error("route metric " + quoted(m) + " is not a number in [1, 255]");
        route.metric = metric;
    }
    return route;
}

Result<std::vector<Route>> parse_routes(std::string_view text) {
    std::vector<Route> out;
    if (trim(text).empty()) return out;
    for (auto item : split(text, ',')) {
        auto route = parse_route(item);
        if (!route) return route.error();
        out.push_back(*route);
    }
    return out;
}

std::string to_string(const Route& r) {
    std::string out = net::to_string(r.destination);
    if (r.gateway) out += " " + net::to_string(*r.gateway);
    out += " " + std::to_string(r.metric);
    return out;
}

Result<uint64_t> parse_rate(std::string_view text) {
    uint64_t value = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || p == text.data())
        return make_error("rate " + quoted(text) + " is not a number of bits/s (e.g. 512k, 10M)");
    std::string_view suffix = text.substr(static_cast<size_t>(p - text.data()));
    uint64_t unit = 1;
    if (suffix == "k" || suffix == "K")
        unit = 1000;
    else if (suffix == "M")
        unit = 1000 * 1000;
    else if (suffix == "G")
        unit = 1000 * 1000 * 1000;
    else if (!suffix.empty())
        return make_error("rate " + quoted(text) + " has an unknown unit (use k, M or G)");
    if (value > std::numeric_limits<uint64_t>::max() / unit)
        return make_error("rate " + quoted(text) + " is too large");
    return value * unit;
}

Result<RateLimit> parse_rate_limit(std::string_view text) {
    auto parts = words(text);
    if (parts.empty()) return make_error("empty rate-limit");
    if (parts.size() > 1)
        return make_error("rate-limit " + quoted(trim(text)) +
                          ": burst, priority and minimum rates are not supported; write rx[/tx]");
    auto rates = split(parts[0], '/');
    if (rates.size() > 2) return make_error("rate-limit " + quoted(parts[0]) + " is not rx[/tx]");
    auto rx = parse_rate(rates[0]);
    if (!rx) return rx.error();
    RateLimit limit{.rx_bps = *rx, .tx_bps = *rx};
    if (rates.size() == 2) {
        auto tx = parse_rate(rates[1]);
        if (!tx) return tx.error();
        limit.tx_bps = *tx;
    }
    return limit;
}

std::optional<Service> parse_service(std::string_view text) {
    if (text == "any") return Service::Any;
    if (text == "ovpn") return Service::Ovpn;
    if (text == "sstp") return Service::Sstp;
    return std::nullopt;
}

} // namespace vp::aaa
