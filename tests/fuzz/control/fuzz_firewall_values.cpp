// Fuzz target: the firewall matcher value parsers (ports, TCP flags, ICMP options, protocols,
// addresses, reject-with) and the address list compiler (merge_ranges, complement_ranges: what
// a rule's src_address_list / !list expands to in the ACL). The first byte picks the parser, the
// rest is the value text. Every refusal must say why, and what is accepted must be well formed
// (ranges that do not run backwards, flags within their mask, lists sorted and disjoint, a list
// and its complement covering every address exactly once).
#include "control/config/firewall_values.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {

template <class T>
void check_error(const vp::Result<T>& r) {
    if (!r.ok() && r.error().message.empty()) std::abort();
}

// Sorted, disjoint and not adjacent (merge_ranges joins neighbours); the total size.
uint64_t check_merged(const std::vector<vp::dp::fw::Range32>& v) {
    uint64_t size = 0;
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i].hi < v[i].lo) std::abort();
        if (i > 0 && uint64_t{v[i].lo} <= uint64_t{v[i - 1].hi} + 1) std::abort();
        size += uint64_t{v[i].hi} - v[i].lo + 1;
    }
    return size;
}

void address_list(std::string_view text) {
    namespace fw = vp::config::fw;
    std::vector<vp::dp::fw::Range32> entries;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto r = fw::parse_address(text.substr(0, comma));
        check_error(r);
        if (r.ok()) entries.push_back(*r);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    auto merged = fw::merge_ranges(entries);
    uint64_t in = check_merged(merged);
    for (auto& e : entries)
        if (!vp::dp::fw::in_ranges(merged, e.lo) || !vp::dp::fw::in_ranges(merged, e.hi))
            std::abort();
    auto out = fw::complement_ranges(merged);
    if (check_merged(out) + in != (uint64_t{1} << 32)) std::abort();
    for (auto& r : out)
        if (vp::dp::fw::in_ranges(merged, r.lo) || vp::dp::fw::in_ranges(merged, r.hi))
            std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    namespace fw = vp::config::fw;
    switch (data[0] % 7) {
    case 0: {
        auto r = fw::parse_ports(text);
        check_error(r);
        if (r.ok())
            for (auto& p : *r)
                if (p.hi < p.lo || r->empty()) std::abort();
        break;
    }
    case 1: {
        auto r = fw::parse_tcp_flags(text);
        check_error(r);
        if (r.ok() && ((r->set & ~r->mask) != 0 || r->mask == 0)) std::abort();
        break;
    }
    case 2: {
        auto r = fw::parse_icmp_options(text);
        check_error(r);
        if (r.ok() && (r->type < 0 || r->type > 255 || r->code < -1 || r->code > 255)) std::abort();
        break;
    }
    case 3:
        check_error(fw::parse_protocol(text));
        break;
    case 4: {
        auto r = fw::parse_address(text);
        check_error(r);
        if (r.ok() && r->hi < r->lo) std::abort();
        break;
    }
    case 5:
        check_error(fw::parse_reject_with(text));
        break;
    default:
        address_list(text);
        break;
    }
    return 0;
}
