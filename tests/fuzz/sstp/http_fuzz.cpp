// Fuzz target: the SSTP HTTP request parser, fed the input in two pieces (the first byte picks
// the cut) as a TLS stream would deliver it. Whatever the bytes, the parser must stay within
// them, say Complete only at a blank line, and refuse only with a 4xx and a reason.
#include "control/sstp/http.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using vp::sstp::HttpRequestParser;
    if (size == 0) return 0;
    const size_t cut = data[0] % size;
    vp::ByteSpan input(data + 1, size - 1);
    HttpRequestParser p;
    auto state = p.feed(input.first(std::min(cut, input.size())));
    if (state == HttpRequestParser::State::NeedMore) state = p.feed(input);
    switch (state) {
    case HttpRequestParser::State::Complete: {
        const size_t used = p.request().bytes_used;
        if (used < 4 || used > input.size() || used > vp::sstp::kMaxRequestBytes) std::abort();
        std::string_view tail(reinterpret_cast<const char*>(input.data()) + used - 4, 4);
        if (tail != "\r\n\r\n") std::abort();
        break;
    }
    case HttpRequestParser::State::Error:
        if (p.error().status < 400 || p.error().status > 499 || p.error().reason.empty())
            std::abort();
        break;
    case HttpRequestParser::State::NeedMore:
        if (input.size() >= vp::sstp::kMaxRequestBytes) std::abort(); // the bound must hold
        break;
    }
    return 0;
}
