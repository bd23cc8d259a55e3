// Recognises PCI addresses as operators write them for DPDK: "0000:03:00.0" or "03:00.0".
#pragma once

#include <cctype>
#include <string_view>

namespace vp {

inline bool is_pci_address(std::string_view s) {
    auto hex = [](std::string_view part) {
        for (char c : part)
            if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
        return !part.empty();
    };
    if (s.size() == 12) { // domain "0000:" then bus:device.function
        if (s[4] != ':' || !hex(s.substr(0, 4))) return false;
        s.remove_prefix(5);
    }
    return s.size() == 7 && hex(s.substr(0, 2)) && s[2] == ':' && hex(s.substr(3, 2)) &&
           s[5] == '.' && s[6] >= '0' && s[6] <= '7';
}

} // namespace vp
