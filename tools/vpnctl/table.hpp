// Plain-text tables the way RouterOS prints them: a header row, then aligned columns.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace vp::tools {

class Table {
public:
    explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    bool empty() const { return rows_.empty(); }
    void print(std::FILE* out = stdout) const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

// 1234567 -> "1.2M"-style is lossy; operators asked for exact counters, so only group digits.
std::string group_digits(unsigned long long value);
// Seconds as RouterOS prints durations: "1d2h3m4s".
std::string format_duration(unsigned long long seconds);

} // namespace vp::tools
