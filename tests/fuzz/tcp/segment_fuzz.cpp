// Fuzz target: the TCP segment parser on arbitrary bytes (an IPv4 packet), then the checksum,
// then an encode/parse round trip of whatever options were accepted.
#include "dataplane/tcp/segment.hpp"

#include <cstdint>
#include <cstdlib>
#include <span>

using namespace vp::tcp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> bytes(data, size);
    TcpSegment seg;
    // The headers may be shorter than the packet (a multi-segment mbuf): try both views.
    size_t head = size > 0 ? data[0] % (size + 1) : 0;
    (void)parse_segment(bytes.first(head), size, seg);
    if (parse_segment(bytes, size, seg) != ParseError::None) return 0;
    if (seg.payload_offset + seg.payload_len > size) abort(); // never past the span
    (void)tcp_checksum_ok(bytes, seg);
    OptionsOut o;
    o.mss = seg.opt.has_mss ? seg.opt.mss : 0;
    o.wscale = seg.opt.has_wscale ? static_cast<int8_t>(seg.opt.wscale & 0x7f) : int8_t{-1};
    o.sack_permitted = seg.opt.sack_permitted;
    o.timestamps = seg.opt.has_timestamps;
    o.ts_val = seg.opt.ts_val;
    o.ts_ecr = seg.opt.ts_ecr;
    o.sack_count = seg.opt.mss ? 0 : seg.opt.sack_count;
    for (uint8_t i = 0; i < seg.opt.sack_count; ++i)
        o.sack[i] = seg.opt.sack[i];
    uint8_t buf[kMaxOptionBytes + 8];
    size_t n = write_options(o, buf);
    if (n > kMaxOptionBytes || n != options_length(o)) abort();
    TcpOptions back;
    if (parse_options({buf, n}, back) != ParseError::None) abort();
    if (back.has_timestamps != o.timestamps || (o.timestamps && back.ts_val != o.ts_val)) abort();
    return 0;
}
