// Parser of RouterOS `/export` text (v6 and v7): menu lines, add/set/... commands with
// key=value properties, quoted values with escapes, `\` line continuations, `[ find ... ]`
// selectors and comments. Pure: text in, typed commands out; malformed lines become errors
// with their line number and parsing goes on with the next line. No recursion on input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vp::tools::routeros {

struct Property {
    std::string key;
    std::string value;
    bool operator==(const Property&) const = default;
};

struct Command {
    size_t line = 0;  // physical line where the command starts (1-based)
    std::string menu; // "/ip pool", "/interface ovpn-server server"; "" = the root
    std::string verb; // "add", "set", "remove", ... (or a script word such as ":global")
    std::vector<std::string> words; // positional arguments: `set ether1 ...`, `sign ca`
    bool has_find = false;          // a `[ find ... ]` selector was given
    std::vector<Property> find;     // its conditions (empty: `[ find ]`, every item)
    std::vector<Property> props;    // key=value properties, in order

    // The value of a property, or nullptr.
    const std::string* prop(std::string_view key) const;
};

struct ParseError {
    size_t line = 0;
    std::string message;
};

struct Export {
    std::vector<Command> commands;
    std::vector<ParseError> errors;
};

// Parses a whole export. Never reads outside `text`.
Export parse_export(std::string_view text);

// True when `word` is a RouterOS command verb (add, set, remove, print, ...): the word that
// ends a menu path.
bool is_verb(std::string_view word);

} // namespace vp::tools::routeros
