// DNS host-name syntax (base/host_name.hpp).
#include "base/host_name.hpp"

#include <cctype>

namespace vp::net {

bool is_dns_name(std::string_view text) {
    if (text.empty() || text.size() > 253) return false;
    if (text.back() == '.') text.remove_suffix(1); // a fully qualified name
    bool all_numeric = true;
    size_t label = 0;
    char prev = '.';
    for (char c : text) {
        if (c == '.') {
            if (label == 0 || prev == '-') return false;
            label = 0;
        } else {
            bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-';
            if (!ok || (label == 0 && c == '-') || ++label > 63) return false;
            if (!std::isdigit(static_cast<unsigned char>(c))) all_numeric = false;
        }
        prev = c;
    }
    return label > 0 && prev != '-' && !all_numeric;
}

} // namespace vp::net
