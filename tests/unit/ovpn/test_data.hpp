// Access to tests/unit/ovpn/data: key files made with `openvpn --genkey` and the first datagram
// openvpn 2.6.14 sent with each control-channel wrapping (hex).
#pragma once

#include "base/bytes.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace vp::test {

inline std::string read_data_file(const std::string& name) {
    std::ifstream in(std::string(OVPN_TEST_DATA) + "/" + name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline Bytes from_hex(const std::string& text) {
    Bytes out;
    int high = -1;
    for (char c : text) {
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) continue;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<uint8_t>(high << 4 | v));
            high = -1;
        }
    }
    return out;
}

inline Bytes read_hex_file(const std::string& name) {
    return from_hex(read_data_file(name));
}

} // namespace vp::test
