// RouterOS-style `key=value` property lists: the arguments of `vpnctl certificate add ...` and the
// text of the store's template and metadata files. Strict: a repeated key or a key nobody asked
// for is an error, so a typo never turns into a silent default.
#pragma once

#include "base/result.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vp::pki {

class Properties {
public:
    // From command-line words: each must be `key=value` (the value may be empty).
    static Result<Properties> from_args(const std::vector<std::string>& args);
    // From a file's text: one `key=value` per line; blank lines and lines starting with '#'
    // are skipped.
    static Result<Properties> from_text(std::string_view text);

    bool has(std::string_view key) const;
    // The value, marking the key as used.
    std::optional<std::string> take(std::string_view key);
    std::string take_or(std::string_view key, std::string_view fallback);
    // `yes`/`no` (also true/false); an error names the key.
    Result<std::optional<bool>> take_bool(std::string_view key);

    void set(std::string key, std::string value);
    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

    // An error naming every key that no take() asked for; ok when all were used.
    Status finish(std::string_view context) const;
    // Back to text, one `key=value` per line.
    std::string to_text() const;

private:
    std::vector<std::pair<std::string, std::string>> items_;
    std::set<std::string, std::less<>> used_;
};

// Property values must not carry line breaks or other control characters: they are written one
// per line into store files and printed to terminals.
bool is_clean_value(std::string_view value);

} // namespace vp::pki
