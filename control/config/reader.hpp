// A typed, strict reader over libconfig settings. Every value is read with its default and its
// bounds; every problem is recorded as "file:line: setting.path: what is wrong", and settings that
// no reader asked for are reported as unknown (a typo must never become a silent default).
// Section parsers (system, interfaces, ip_pools, ppp_secrets, ovpn_server, ...) are written
// against this class, so they all report errors the same way.
#pragma once

#include "base/ipv4.hpp"

#include <libconfig.h++>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vp::config {

class Diagnostics {
public:
    void add(std::string message) { errors_.push_back(std::move(message)); }
    bool ok() const { return errors_.empty(); }
    const std::vector<std::string>& errors() const { return errors_; }
    std::string text() const; // one error per line

private:
    std::vector<std::string> errors_;
};

class Section {
public:
    Section(const libconfig::Setting& setting, Diagnostics& diagnostics)
        : setting_(&setting), diag_(&diagnostics) {}

    // The setting's dotted path ("interfaces.[0].address") and "file:line".
    std::string path() const;
    std::string where() const;
    const libconfig::Setting& setting() const { return *setting_; }

    bool has(const char* name) const;

    // Scalars. A missing optional setting yields its default; a present one of the wrong type or
    // out of range is an error (and the default is returned so parsing can go on).
    std::string get_string(const char* name, std::string_view fallback);
    std::optional<std::string> opt_string(const char* name);
    std::string req_string(const char* name);
    int64_t get_int(const char* name, int64_t fallback, int64_t min, int64_t max);
    std::optional<int64_t> opt_int(const char* name, int64_t min, int64_t max);
    bool get_bool(const char* name, bool fallback);

    // A string that must be one of `choices`; returns the matching value.
    template <class T>
    T get_enum(const char* name, T fallback,
               std::initializer_list<std::pair<std::string_view, T>> choices);

    std::optional<net::Ipv4> opt_ipv4(const char* name);
    std::optional<net::Ipv4Prefix> opt_prefix(const char* name);

    // A list of strings, written either as a libconfig array ["a", "b"] or, as in RouterOS, as one
    // comma-separated string "a,b".
    std::vector<std::string> get_string_list(const char* name);

    // A duration: an integer number of seconds, or a string with units as RouterOS prints them
    // ("30s", "10m", "1h", "1d2h", "00:10:00"), or "disabled" (returns 0 when allow_disabled).
    int64_t get_seconds(const char* name, int64_t fallback, int64_t min, int64_t max,
                        bool allow_disabled = false);

    // Nested groups and lists of groups.
    std::optional<Section> group(const char* name);
    std::vector<Section> groups(const char* name); // a list (...) of groups {...}

    // Record an error about this section or one of its settings.
    void error(std::string_view what);
    void error(const char* name, std::string_view what);

    // Marks a setting as handled elsewhere (a section another module parses).
    void delegate(const char* name) { seen_.insert(name); }

    // Report settings of this group that no getter asked for.
    void finish();

    Diagnostics& diagnostics() { return *diag_; }

private:
    const libconfig::Setting* child(const char* name);
    std::string where_of(const libconfig::Setting& s) const;

    const libconfig::Setting* setting_;
    Diagnostics* diag_;
    std::set<std::string> seen_;
};

// Reads and parses a file; parse errors come back as "file:line: syntax error: ...".
struct ParsedFile {
    std::unique_ptr<libconfig::Config> config;
};
std::optional<ParsedFile> read_file(const std::string& path, Diagnostics& diagnostics);
std::optional<ParsedFile> read_string(const std::string& text, Diagnostics& diagnostics);

template <class T>
T Section::get_enum(const char* name, T fallback,
                    std::initializer_list<std::pair<std::string_view, T>> choices) {
    auto text = opt_string(name);
    if (!text) return fallback;
    std::string allowed;
    for (auto& [key, value] : choices) {
        if (key == *text) return value;
        allowed += allowed.empty() ? "" : ", ";
        allowed += key;
    }
    error(name, "'" + *text + "' is not one of: " + allowed);
    return fallback;
}

} // namespace vp::config
