// Strict key=value property lists (see properties.hpp).
#include "pki/properties.hpp"

namespace vp::pki {

namespace {

bool valid_key(std::string_view key) {
    if (key.empty()) return false;
    for (char c : key)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

Status add(std::vector<std::pair<std::string, std::string>>& items, std::string_view word) {
    size_t eq = word.find('=');
    if (eq == std::string_view::npos)
        return make_error("expected key=value, got '" + std::string(word) + "'");
    std::string key(word.substr(0, eq));
    std::string value(word.substr(eq + 1));
    if (!valid_key(key)) return make_error("'" + key + "' is not a property name");
    if (!is_clean_value(value))
        return make_error(key + ": the value must not contain line breaks or control characters");
    for (auto& [k, v] : items)
        if (k == key) return make_error(key + " is given twice");
    items.emplace_back(std::move(key), std::move(value));
    return {};
}

} // namespace

bool is_clean_value(std::string_view value) {
    for (unsigned char c : value)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

Result<Properties> Properties::from_args(const std::vector<std::string>& args) {
    Properties p;
    for (auto& a : args)
        if (auto s = add(p.items_, a); !s) return s.error();
    return p;
}

Result<Properties> Properties::from_text(std::string_view text) {
    Properties p;
    size_t line_no = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        if (auto s = add(p.items_, line); !s)
            return make_error("line " + std::to_string(line_no) + ": " + s.message());
    }
    return p;
}

bool Properties::has(std::string_view key) const {
    for (auto& [k, v] : items_)
        if (k == key) return true;
    return false;
}

std::optional<std::string> Properties::take(std::string_view key) {
    for (auto& [k, v] : items_) {
        if (k == key) {
            used_.insert(k);
            return v;
        }
    }
    return std::nullopt;
}

std::string Properties::take_or(std::string_view key, std::string_view fallback) {
    auto v = take(key);
    return v ? *v : std::string(fallback);
}

Result<std::optional<bool>> Properties::take_bool(std::string_view key) {
    auto v = take(key);
    if (!v) return std::optional<bool>();
    if (*v == "yes" || *v == "true") return std::optional<bool>(true);
    if (*v == "no" || *v == "false") return std::optional<bool>(false);
    return make_error(std::string(key) + "=" + *v + ": expected yes or no");
}

void Properties::set(std::string key, std::string value) {
    for (auto& [k, v] : items_) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    items_.emplace_back(std::move(key), std::move(value));
}

Status Properties::finish(std::string_view context) const {
    std::string unknown;
    for (auto& [k, v] : items_) {
        if (used_.count(k)) continue;
        unknown += unknown.empty() ? "" : ", ";
        unknown += k;
    }
    if (unknown.empty()) return {};
    return make_error(std::string(context) + ": unknown propert" +
                      (unknown.find(',') == std::string::npos ? "y " : "ies ") + unknown);
}

std::string Properties::to_text() const {
    std::string out;
    for (auto& [k, v] : items_)
        out += k + '=' + v + '\n';
    return out;
}

} // namespace vp::pki
