// Fuzz target: the firewall matcher value parsers (ports, TCP flags, ICMP options, protocols,
// addresses, reject-with). The first byte picks the parser, the rest is the value text. Every
// refusal must say why, and what is accepted must be well formed (ranges that do not run
// backwards, flags within their mask).
#include "control/config/firewall_values.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

template <class T>
void check_error(const vp::Result<T>& r) {
    if (!r.ok() && r.error().message.empty()) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    namespace fw = vp::config::fw;
    switch (data[0] % 6) {
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
    default:
        check_error(fw::parse_reject_with(text));
        break;
    }
    return 0;
}
