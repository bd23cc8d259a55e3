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

namespace {

// "rx[/tx]" of one field; a missing tx equals rx.
template <typename T, typename Parse>
Result<std::pair<T, T>> parse_pair(std::string_view field, const char* what, Parse parse) {
    auto values = split(field, '/');
    if (values.size() > 2)
        return make_error(std::string(what) + " " + quoted(field) + " is not rx[/tx]");
    auto rx = parse(values[0]);
    if (!rx) return rx.error();
    auto tx = values.size() == 2 ? parse(values[1]) : rx;
    if (!tx) return tx.error();
    return std::pair<T, T>{*rx, *tx};
}

Result<uint32_t> parse_burst_time(std::string_view text) {
    std::string_view digits = text;
    if (!digits.empty() && digits.back() == 's') digits.remove_suffix(1);
    uint32_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        value > 86400)
        return make_error("burst-time " + quoted(text) + " is not a number of seconds (0..86400)");
    return value;
}

Status check_direction(const RateDirection& d, const char* name) {
    if (d.burst_bps == 0) return {};
    std::string where = std::string(name) + " ";
    if (d.rate_bps == 0)
        return make_error(where + "burst-rate needs a rate: an unlimited session cannot burst");
    if (d.burst_bps <= d.rate_bps)
        return make_error(where + "burst-rate " + std::to_string(d.burst_bps) +
                          " must be above the rate " + std::to_string(d.rate_bps) +
                          " (0: no burst)");
    if (d.threshold_bps == 0 || d.threshold_bps > d.rate_bps)
        return make_error(where + "burst-threshold must be between 1 and the rate " +
                          std::to_string(d.rate_bps) +
                          " (above it the average can never reach it and the burst never ends)");
    if (d.burst_time_s == 0) return make_error(where + "burst-time must be at least 1 s");
    return {};
}

} // namespace

Result<RateLimit> parse_rate_limit(std::string_view text) {
    auto parts = words(text);
    if (parts.empty()) return make_error("empty rate-limit");
    std::string context = "rate-limit " + quoted(trim(text)) + ": ";
    if (parts.size() > 6)
        return make_error(context + "too many fields (at most: rate burst-rate burst-threshold "
                                    "burst-time priority rate-min)");
    auto rates = parse_pair<uint64_t>(parts[0], "rate", parse_rate);
    if (!rates) return make_error(context + rates.message());
    RateLimit limit;
    limit.rx.rate_bps = rates->first;
    limit.tx.rate_bps = rates->second;
    if (parts.size() > 1) {
        auto burst = parse_pair<uint64_t>(parts[1], "burst-rate", parse_rate);
        if (!burst) return make_error(context + burst.message());
        limit.rx.burst_bps = burst->first;
        limit.tx.burst_bps = burst->second;
    }
    // RouterOS: no threshold means the rate, no burst-time means 1 s.
    limit.rx.threshold_bps = limit.rx.rate_bps;
    limit.tx.threshold_bps = limit.tx.rate_bps;
    limit.rx.burst_time_s = limit.tx.burst_time_s = 1;
    if (parts.size() > 2) {
        auto threshold = parse_pair<uint64_t>(parts[2], "burst-threshold", parse_rate);
        if (!threshold) return make_error(context + threshold.message());
        limit.rx.threshold_bps = threshold->first;
        limit.tx.threshold_bps = threshold->second;
    }
    if (parts.size() > 3) {
        auto time = parse_pair<uint32_t>(parts[3], "burst-time", parse_burst_time);
        if (!time) return make_error(context + time.message());
        limit.rx.burst_time_s = time->first;
        limit.tx.burst_time_s = time->second;
    }
    if (parts.size() > 4 && parts[4] != "8")
        return make_error(context + "priority " + quoted(parts[4]) +
                          " is not supported: each session is limited on its own, with no "
                          "parent queue to prioritise in (only 8, the default, is accepted)");
    if (parts.size() > 5)
        return make_error(context + "minimum rates (rate-min, RouterOS limit-at) are not "
                                    "supported: each session is limited on its own, with no "
                                    "parent queue to guarantee a share of");
    for (auto* d : {&limit.rx, &limit.tx}) {
        if (d->burst_bps == 0) d->threshold_bps = d->burst_time_s = 0; // no burst: unused
    }
    if (auto st = check_direction(limit.rx, "rx"); !st) return make_error(context + st.message());
    if (auto st = check_direction(limit.tx, "tx"); !st) return make_error(context + st.message());
    limit.rx_bps = limit.rx.rate_bps;
    limit.tx_bps = limit.tx.rate_bps;
    return limit;
}

namespace {
std::string rate_text(uint64_t bps) {
    if (bps != 0 && bps % 1'000'000'000 == 0) return std::to_string(bps / 1'000'000'000) + "G";
    if (bps != 0 && bps % 1'000'000 == 0) return std::to_string(bps / 1'000'000) + "M";
    if (bps != 0 && bps % 1'000 == 0) return std::to_string(bps / 1'000) + "k";
    return std::to_string(bps);
}
} // namespace

std::string to_string(const RateLimit& limit) {
    std::string out = rate_text(limit.rx.rate_bps) + "/" + rate_text(limit.tx.rate_bps);
    if (limit.rx.burst_bps || limit.tx.burst_bps)
        out += " " + rate_text(limit.rx.burst_bps) + "/" + rate_text(limit.tx.burst_bps) + " " +
               rate_text(limit.rx.threshold_bps) + "/" + rate_text(limit.tx.threshold_bps) + " " +
               std::to_string(limit.rx.burst_time_s) + "/" + std::to_string(limit.tx.burst_time_s);
    return out;
}

std::optional<Service> parse_service(std::string_view text) {
    if (text == "any") return Service::Any;
    if (text == "ovpn") return Service::Ovpn;
    if (text == "sstp") return Service::Sstp;
    return std::nullopt;
}

} // namespace vp::aaa
