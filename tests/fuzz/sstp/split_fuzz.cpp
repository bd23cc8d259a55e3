// Fuzz target: the SSTP stream splitter. Splitting the whole input must agree with splitting it
// in two pieces and resuming (as the worker's reassembly does), every packet it counts must
// parse, and it must never claim bytes it was not given.
#include "dataplane/sstp/wire.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vp::sstp;
    if (size == 0) return 0;
    vp::ByteSpan input(data + 1, size - 1);
    const StreamSplit whole = split_stream(input);
    if (whole.consumed > input.size()) std::abort();
    if (!whole.error && whole.next_needed != 0 &&
        (whole.next_needed <= input.size() - whole.consumed || whole.next_needed > kMaxPacketBytes))
        std::abort();

    size_t pos = 0;
    for (size_t i = 0; i < whole.packets; ++i) {
        auto p = parse_packet(input.subspan(pos));
        if (!p) std::abort();
        pos += p->size;
    }
    if (pos != whole.consumed) std::abort();

    // The same bytes arriving in two pieces, the reassembly resuming at `consumed`.
    const size_t cut = data[0] % (input.size() + 1);
    StreamSplit first = split_stream(input.first(cut));
    if (first.error) {
        if (!whole.error || first.consumed != whole.consumed) std::abort();
        return 0;
    }
    StreamSplit second = split_stream(input.subspan(first.consumed));
    if (first.packets + second.packets != whole.packets ||
        first.consumed + second.consumed != whole.consumed ||
        second.error.has_value() != whole.error.has_value())
        std::abort();
    return 0;
}
