// Dotted-quad parsing and printing; strict (no octal, no shorthand forms like "10.1").
#include "base/ipv4.hpp"

#include <charconv>

namespace vp::net {

std::optional<Ipv4> parse_ipv4(std::string_view text) {
    Ipv4 value = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (text.empty() || text.front() != '.') return std::nullopt;
            text.remove_prefix(1);
        }
        unsigned octet = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), octet);
        size_t used = static_cast<size_t>(ptr - text.data());
        if (ec != std::errc{} || used == 0 || used > 3 || octet > 255) return std::nullopt;
        if (used > 1 && text.front() == '0') return std::nullopt; // no leading zeros
        value = value << 8 | octet;
        text.remove_prefix(used);
    }
    if (!text.empty()) return std::nullopt;
    return value;
}

std::optional<Ipv4Prefix> parse_prefix(std::string_view text) {
    auto slash = text.find('/');
    auto address = parse_ipv4(text.substr(0, slash));
    if (!address) return std::nullopt;
    if (slash == std::string_view::npos) return Ipv4Prefix{*address, 32};
    auto len_text = text.substr(slash + 1);
    unsigned len = 0;
    auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc{} || ptr != len_text.data() + len_text.size() || len_text.empty() ||
        len > 32)
        return std::nullopt;
    return Ipv4Prefix{*address, static_cast<uint8_t>(len)};
}

std::optional<Ipv4Range> parse_range(std::string_view text) {
    auto dash = text.find('-');
    if (dash != std::string_view::npos) {
        auto first = parse_ipv4(text.substr(0, dash));
        auto last = parse_ipv4(text.substr(dash + 1));
        if (!first || !last || *last < *first) return std::nullopt;
        return Ipv4Range{*first, *last};
    }
    auto prefix = parse_prefix(text);
    if (!prefix) return std::nullopt;
    return Ipv4Range{prefix->network(), prefix->network() | ~prefix->mask()};
}

std::string to_string(Ipv4 a) {
    return std::to_string(a >> 24) + '.' + std::to_string(a >> 16 & 0xff) + '.' +
           std::to_string(a >> 8 & 0xff) + '.' + std::to_string(a & 0xff);
}

std::string to_string(const Ipv4Prefix& p) {
    return to_string(p.address) + '/' + std::to_string(p.length);
}

} // namespace vp::net
