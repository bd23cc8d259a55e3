// Fuzz target: the key method 2 message, both directions, with a serialize/parse round trip.
#include "control/ovpn/key_method2.hpp"

#include <cstdlib>

using namespace vp;
using namespace vp::ovpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    for (bool from_client : {true, false}) {
        auto p = parse_key_method2({data, size}, from_client);
        if (!p) continue;
        if (p->consumed > size) std::abort();
        auto again = parse_key_method2(serialize_key_method2(p->message), from_client);
        if (!again || again->message.options != p->message.options ||
            again->message.username != p->message.username ||
            again->message.password != p->message.password ||
            again->message.peer_info != p->message.peer_info ||
            again->message.random2.bytes != p->message.random2.bytes)
            std::abort();
    }
    return 0;
}
