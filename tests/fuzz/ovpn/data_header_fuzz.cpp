// Fuzz target: the data-packet header peek the dataplane steers by.
#include "control/ovpn/packet.hpp"

#include <cstdlib>

using namespace vp::ovpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto h = peek_data_header({data, size});
    if (h && (h->header_bytes > size || (h->peer_id && *h->peer_id > 0xFFFFFF))) std::abort();
    return 0;
}
