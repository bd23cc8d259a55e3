// `print` and `print detail`: the store's entries (templates and certificates) with RouterOS's
// flags and properties, rendered as RouterOS-style text or as JSON.
//
// Flags, as RouterOS v7 prints them: K private-key, L crl, A authority (a CA), I issued (signed
// by a CA whose key is in this store), R revoked, E expired, T trusted.
#pragma once

#include "pki/store.hpp"

#include <ctime>
#include <string>
#include <utility>
#include <vector>

namespace vp::pki {

struct EntryView {
    std::string name;
    bool is_template = false;
    std::string flags; // e.g. "KLAT"; empty for templates
    // Properties in print order, e.g. {"common-name", "myCa"}, {"key-usage", "key-cert-sign"}.
    std::vector<std::pair<std::string, std::string>> properties;
    const std::string* get(std::string_view key) const;
};

// Every template and certificate in the store, sorted by name. Entries whose files cannot be
// read are reported with a "error" property rather than hidden.
std::vector<EntryView> describe_store(const Store& store, std::time_t now);

// RouterOS's table: flags, name, common-name, subject-alt-name, SHA-256 fingerprint.
std::string format_table(const std::vector<EntryView>& entries);
// One block per entry, `key=value` pairs wrapped at 100 columns.
std::string format_detail(const std::vector<EntryView>& entries);
// A JSON array of objects (name, flags, template, and every property).
std::string format_json(const std::vector<EntryView>& entries);

} // namespace vp::pki
