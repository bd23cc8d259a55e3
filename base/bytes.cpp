// Hex rendering for logs, fingerprints and test diagnostics.
#include "base/bytes.hpp"

namespace vp {

std::string to_hex(ByteSpan data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (uint8_t b : data) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0xf]);
    }
    return out;
}

} // namespace vp
