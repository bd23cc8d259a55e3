// RouterOS firewall matcher values. Every parser reads only the text it is given and reports the
// first thing wrong in words an operator can act on.
#include "control/config/firewall_values.hpp"

#include "base/ipv4.hpp"
#include "dataplane/conntrack/types.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <utility>

namespace vp::config::fw {

namespace {

std::optional<uint32_t> number(std::string_view t, uint32_t max) {
    uint32_t v = 0;
    if (t.empty() || t.size() > 10) return std::nullopt;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size() || v > max) return std::nullopt;
    return v;
}

std::string quoted(std::string_view t) {
    return "'" + std::string(t.substr(0, 64)) + (t.size() > 64 ? "...'" : "'");
}

} // namespace

Result<uint8_t> parse_protocol(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, uint8_t>, 10> names{{
        {"icmp", 1},
        {"igmp", 2},
        {"tcp", 6},
        {"udp", 17},
        {"gre", 47},
        {"ipsec-esp", 50},
        {"ipsec-ah", 51},
        {"ospf", 89},
        {"l2tp", 115},
        {"sctp", 132},
    }};
    for (auto& [name, value] : names)
        if (text == name) return value;
    if (auto n = number(text, 255)) return static_cast<uint8_t>(*n);
    return make_error("protocol " + quoted(text) +
                      " is not a protocol name (tcp, udp, icmp, gre, ipsec-esp, ipsec-ah, "
                      "ospf, igmp, l2tp, sctp) or a number 0..255");
}

Result<std::vector<dp::fw::Range16>> parse_ports(std::string_view text) {
    std::vector<dp::fw::Range16> out;
    if (text.empty()) return make_error("an empty port list");
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string_view item = text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        size_t dash = item.find('-');
        auto lo = number(item.substr(0, dash), 65535);
        auto hi = dash == std::string_view::npos ? lo : number(item.substr(dash + 1), 65535);
        if (!lo || !hi)
            return make_error("port " + quoted(item) +
                              " is not a port 0..65535 or a range like 8000-8100");
        if (*hi < *lo) return make_error("port range " + quoted(item) + " ends before it starts");
        out.push_back({static_cast<uint16_t>(*lo), static_cast<uint16_t>(*hi)});
        if (out.size() > 15) return make_error("more than 15 ports or ranges in one list");
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

Result<TcpFlags> parse_tcp_flags(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, uint8_t>, 8> names{{
        {"fin", 0x01},
        {"syn", 0x02},
        {"rst", 0x04},
        {"psh", 0x08},
        {"ack", 0x10},
        {"urg", 0x20},
        {"ece", 0x40},
        {"cwr", 0x80},
    }};
    TcpFlags f;
    size_t start = 0;
    while (true) {
        size_t comma = text.find(',', start);
        std::string_view item = text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        bool negated = !item.empty() && item[0] == '!';
        if (negated) item.remove_prefix(1);
        uint8_t bit = 0;
        for (auto& [name, value] : names)
            if (item == name) bit = value;
        if (!bit)
            return make_error("tcp flag " + quoted(item) +
                              " is not one of fin, syn, rst, psh, ack, urg, ece, cwr "
                              "(a leading ! means not set)");
        if (f.mask & bit) return make_error("tcp flag " + quoted(item) + " is given twice");
        f.mask |= bit;
        if (!negated) f.set |= bit;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return f;
}

Result<IcmpOptions> parse_icmp_options(std::string_view text) {
    size_t colon = text.find(':');
    auto type = number(text.substr(0, colon), 255);
    auto code = colon == std::string_view::npos ? std::optional<uint32_t>(UINT32_MAX)
                                                : number(text.substr(colon + 1), 255);
    if (!type || !code)
        return make_error("icmp options " + quoted(text) +
                          " are not TYPE or TYPE:CODE with numbers 0..255 (e.g. 8:0)");
    IcmpOptions o;
    o.type = static_cast<int16_t>(*type);
    if (*code != UINT32_MAX) o.code = static_cast<int16_t>(*code);
    return o;
}

Result<dp::fw::Range32> parse_address(std::string_view text) {
    if (!text.empty() && text[0] == '!')
        return make_error("negated addresses ('!') are not supported; order an accept rule "
                          "before a broader drop rule instead");
    auto r = net::parse_range(text);
    if (!r || r->last < r->first)
        return make_error("address " + quoted(text) +
                          " is not an address, a prefix (10.0.0.0/24) or a range "
                          "(10.0.0.1-10.0.0.9)");
    return dp::fw::Range32{r->first, r->last};
}

std::vector<dp::fw::Range32> merge_ranges(std::vector<dp::fw::Range32> ranges) {
    std::sort(ranges.begin(), ranges.end(),
              [](const dp::fw::Range32& a, const dp::fw::Range32& b) { return a.lo < b.lo; });
    std::vector<dp::fw::Range32> out;
    for (auto& r : ranges) {
        if (!out.empty() && uint64_t{r.lo} <= uint64_t{out.back().hi} + 1)
            out.back().hi = std::max(out.back().hi, r.hi);
        else
            out.push_back(r);
    }
    return out;
}

std::vector<dp::fw::Range32> complement_ranges(const std::vector<dp::fw::Range32>& ranges) {
    std::vector<dp::fw::Range32> out;
    uint64_t next = 0; // the first address not yet covered
    for (auto& r : ranges) {
        if (r.lo > next) out.push_back({static_cast<uint32_t>(next), r.lo - 1});
        next = uint64_t{r.hi} + 1;
    }
    if (next <= UINT32_MAX) out.push_back({static_cast<uint32_t>(next), UINT32_MAX});
    return out;
}

Result<uint8_t> parse_reject_with(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, uint8_t>, 7> names{{
        {"icmp-network-unreachable", 0},
        {"icmp-host-unreachable", 1},
        {"icmp-protocol-unreachable", 2},
        {"icmp-port-unreachable", 3},
        {"icmp-net-prohibited", 9},
        {"icmp-host-prohibited", 10},
        {"icmp-admin-prohibited", 13},
    }};
    for (auto& [name, value] : names)
        if (text == name) return value;
    return make_error("reject_with " + quoted(text) +
                      " is not one of icmp-network-unreachable, icmp-host-unreachable, "
                      "icmp-protocol-unreachable, icmp-port-unreachable, icmp-net-prohibited, "
                      "icmp-host-prohibited, icmp-admin-prohibited (tcp-reset is not supported)");
}

Result<uint8_t> parse_connection_state(std::string_view text) {
    uint8_t bits = 0;
    while (true) {
        size_t comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        if (item == "new")
            bits |= dp::ct::state_new;
        else if (item == "established")
            bits |= dp::ct::state_established;
        else if (item == "related")
            bits |= dp::ct::state_related;
        else if (item == "invalid")
            bits |= dp::ct::state_invalid;
        else
            return make_error("connection_state " + quoted(item) +
                              " is not one of new, established, related, invalid "
                              "(untracked is not supported)");
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return bits;
}

} // namespace vp::config::fw
