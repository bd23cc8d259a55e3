// Table rendering.
#include "tools/vpnctl/table.hpp"

#include <algorithm>

namespace vp::tools {

void Table::print(std::FILE* out) const {
    std::vector<size_t> width(headers_.size());
    for (size_t c = 0; c < headers_.size(); ++c)
        width[c] = headers_[c].size();
    for (auto& r : rows_)
        for (size_t c = 0; c < r.size() && c < width.size(); ++c)
            width[c] = std::max(width[c], r[c].size());
    auto line = [&](const std::vector<std::string>& cells) {
        std::string s;
        for (size_t c = 0; c < width.size(); ++c) {
            std::string cell = c < cells.size() ? cells[c] : "";
            s += cell + std::string(width[c] - cell.size() + (c + 1 < width.size() ? 2 : 0), ' ');
        }
        while (!s.empty() && s.back() == ' ')
            s.pop_back();
        std::fprintf(out, "%s\n", s.c_str());
    };
    line(headers_);
    for (auto& r : rows_)
        line(r);
}

std::string group_digits(unsigned long long value) {
    std::string digits = std::to_string(value);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ' ';
        out += digits[i];
    }
    return out;
}

std::string format_duration(unsigned long long s) {
    std::string out;
    unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    if (d) out += std::to_string(d) + "d";
    if (h) out += std::to_string(h) + "h";
    if (m) out += std::to_string(m) + "m";
    if (sec || out.empty()) out += std::to_string(sec) + "s";
    return out;
}

} // namespace vp::tools
