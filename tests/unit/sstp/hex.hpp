// Hex decoding for the SSTP unit tests' byte-exact vectors (spaces allowed between groups).
#pragma once

#include "base/bytes.hpp"

#include <string>
#include <string_view>

namespace vp::sstp::test {

inline Bytes hex(std::string_view h) {
    Bytes out;
    std::string digits;
    for (char c : h)
        if (c != ' ') digits += c;
    for (size_t i = 0; i + 1 < digits.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    return out;
}

} // namespace vp::sstp::test
