// Fuzz target: the OpenVPN-TCP Length16 framing. The first byte picks the size of the pieces
// the rest of the input is fed in; every packet the reader yields, framed again, must reproduce
// the stream's bytes in order, and what it keeps must be exactly the unconsumed tail.
#include "control/ovpn/stream_framing.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace vp::ovpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    size_t piece = size_t{data[0]} % 97 + 1;
    vp::ByteSpan stream(data + 1, size - 1);
    Length16Reader reader;
    vp::Bytes reframed;
    for (size_t off = 0; off < stream.size(); off += piece) {
        reader.feed(stream.subspan(off, std::min(piece, stream.size() - off)));
        while (auto p = reader.next())
            if (!frame_length16(*p, reframed)) std::abort();
    }
    if (reframed.size() > stream.size()) std::abort();
    if (!std::equal(reframed.begin(), reframed.end(), stream.begin())) std::abort();
    if (reader.buffered() != stream.size() - reframed.size()) std::abort();
    return 0;
}
