// Fuzz target: the PPP frame, control packet and option parsers, and the LCP and IPCP option
// policies (both roles) over whatever options parse. Checks that parsed options tile the packet.
#include "control/ppp/ipcp.hpp"
#include "control/ppp/lcp.hpp"

#include <cstdlib>

using namespace vp::ppp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto frame = parse_frame({data, size});
    if (!frame) return 0;
    auto packet = parse_control_packet(frame->information);
    if (!packet) return 0;
    if (packet->data.size() + 4 > frame->information.size()) std::abort();
    auto options = parse_options(packet->data);
    if (!options) return 0;
    size_t covered = 0;
    for (const Option& o : *options) {
        if (o.raw.size() != o.value.size() + 2 || o.raw.data() != packet->data.data() + covered)
            std::abort();
        covered += o.raw.size();
    }
    if (covered != packet->data.size()) std::abort();
    Counters counters;
    for (Role role : {Role::Server, Role::Client}) {
        LcpPolicy lcp(LcpConfig{role, 1500, {AuthMethod::MsChapV2, AuthMethod::Pap}}, counters);
        RequestVerdict v;
        lcp.check_request(*options, v);
        lcp.on_nak(*options);
        lcp.on_reject(*options);
        vp::Bytes request;
        lcp.build_request(request);
        if (!parse_options(request)) std::abort(); // what we send must parse
        IpcpPolicy ipcp(IpcpConfig{role, 0x0A000001, {0x08080808}, {0x0A320005}, true}, counters);
        ipcp.set_peer_address(0x0A000002);
        RequestVerdict w;
        ipcp.check_request(*options, w);
        if (!parse_options(w.nak) || !parse_options(w.reject)) std::abort();
        ipcp.on_nak(*options);
        ipcp.on_reject(*options);
    }
    return 0;
}
