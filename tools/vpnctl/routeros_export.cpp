// RouterOS export parser: joins `\` continuations into logical lines, splits them into tokens
// (words, key=value, quoted values, `[` `]`) and assembles commands. Two flat passes, no
// recursion; every error names the physical line the logical line starts on.
#include "tools/vpnctl/routeros_export.hpp"

#include <algorithm>
#include <array>

namespace vp::tools::routeros {

const std::string* Command::prop(std::string_view key) const {
    const std::string* found = nullptr;
    for (auto& p : props)
        if (p.key == key) found = &p.value; // the last one wins, as in RouterOS
    return found;
}

bool is_verb(std::string_view word) {
    static constexpr std::array<std::string_view, 27> verbs = {"add",
                                                               "set",
                                                               "remove",
                                                               "print",
                                                               "export",
                                                               "enable",
                                                               "disable",
                                                               "edit",
                                                               "find",
                                                               "get",
                                                               "move",
                                                               "unset",
                                                               "reset",
                                                               "comment",
                                                               "sign",
                                                               "import",
                                                               "monitor",
                                                               "export-certificate",
                                                               "reset-counters",
                                                               "ping",
                                                               "traceroute",
                                                               "create-certificate-request",
                                                               "sign-certificate-request",
                                                               "issued-revoke",
                                                               "revoke",
                                                               "add-scep",
                                                               "card-verify"};
    for (auto v : verbs)
        if (v == word) return true;
    return false;
}

namespace {

struct Logical {
    size_t line = 0;
    std::string text;
};

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

// Pass 1: physical lines to logical lines. Tracks quotes so that `\` at the end of a line is
// recognised both outside a value and inside a quoted one (RouterOS breaks long strings too).
std::vector<Logical> join_lines(std::string_view text, std::vector<ParseError>& errors) {
    std::vector<Logical> out;
    Logical cur;
    bool open = false;     // a logical line is being continued
    bool in_quote = false; // inside "..." at the end of the previous physical line
    size_t pos = 0, number = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        size_t first = 0;
        while (first < line.size() && is_space(line[first]))
            ++first;
        if (!open) {
            if (first == line.size() || line[first] == '#') continue; // blank or comment
            cur = Logical{number, {}};
            in_quote = false;
        } else if (!in_quote) {
            cur.text += ' ';
        }
        line.remove_prefix(open ? first : 0);
        // Scan for quote state and a continuation backslash.
        bool continued = false;
        size_t last = line.size();
        if (!in_quote)
            while (last > 0 && is_space(line[last - 1]))
                --last;
        for (size_t i = 0; i < last; ++i) {
            char c = line[i];
            if (in_quote) {
                if (c == '\\') {
                    if (i + 1 == last) {
                        continued = true;
                        break;
                    }
                    cur.text += c;
                    c = line[++i];
                } else if (c == '"') {
                    in_quote = false;
                }
            } else if (c == '"') {
                in_quote = true;
            } else if (c == '\\') {
                // Outside quotes, only the last character may be a backslash.
                if (i + 1 == last) {
                    continued = true;
                    // Re-strip trailing blanks before the backslash: "a=b \" joins as "a=b ".
                    break;
                }
            }
            cur.text += c;
        }
        if (continued) {
            open = true;
            continue;
        }
        open = false;
        if (in_quote) {
            errors.push_back({cur.line, "unterminated quoted value"});
            continue;
        }
        out.push_back(std::move(cur));
    }
    if (open) {
        if (in_quote)
            errors.push_back({cur.line, "unterminated quoted value"});
        else
            out.push_back(std::move(cur)); // a trailing `\` at the end of the file
    }
    return out;
}

struct Token {
    enum Kind { Word, Open, Close } kind = Word;
    bool has_eq = false;
    std::string key;   // before '=' (has_eq)
    std::string value; // the word, or the value after '='
};

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes the escape at s[i] == '\\'; advances i past it. False on an unknown escape.
bool decode_escape(std::string_view s, size_t& i, std::string& out) {
    if (i + 1 >= s.size()) return false;
    char c = s[i + 1];
    if (i + 2 < s.size() && hex_digit(c) >= 0 && hex_digit(s[i + 2]) >= 0) {
        out += static_cast<char>(hex_digit(c) * 16 + hex_digit(s[i + 2]));
        i += 3;
        return true;
    }
    switch (c) {
    case '"':
        out += '"';
        break;
    case '\\':
        out += '\\';
        break;
    case 'n':
        out += '\n';
        break;
    case 'r':
        out += '\r';
        break;
    case 't':
        out += '\t';
        break;
    case '$':
        out += '$';
        break;
    case '?':
        out += '?';
        break;
    case '_':
        out += ' ';
        break;
    case 'a':
        out += '\a';
        break;
    case 'b':
        out += '\b';
        break;
    case 'f':
        out += '\f';
        break;
    case 'v':
        out += '\v';
        break;
    default:
        return false;
    }
    i += 2;
    return true;
}

// Pass 2: a logical line to tokens. Returns false (with `error` set) on a malformed line.
bool tokenize(std::string_view s, std::vector<Token>& out, std::string& error) {
    size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (is_space(c)) {
            ++i;
            continue;
        }
        if (c == '[' || c == ']') {
            out.push_back({c == '[' ? Token::Open : Token::Close, false, {}, {}});
            ++i;
            continue;
        }
        Token t;
        std::string acc;
        while (i < s.size() && !is_space(s[i]) && s[i] != '[' && s[i] != ']') {
            c = s[i];
            if (c == '"') {
                ++i;
                while (i < s.size() && s[i] != '"') {
                    if (s[i] == '\\') {
                        if (!decode_escape(s, i, acc)) {
                            error = "unknown escape sequence in a quoted value";
                            return false;
                        }
                    } else {
                        acc += s[i++];
                    }
                }
                if (i == s.size()) {
                    error = "unterminated quoted value";
                    return false;
                }
                ++i; // the closing quote
            } else if (c == '=' && !t.has_eq) {
                t.has_eq = true;
                t.key = std::move(acc);
                acc.clear();
                ++i;
            } else {
                acc += c;
                ++i;
            }
        }
        t.value = std::move(acc);
        out.push_back(std::move(t));
    }
    return true;
}

// "/ip/pool" or "/ip pool" parts appended to `menu`, normalised to space-separated words.
void append_path(std::string& menu, std::string_view word) {
    size_t p = 0;
    while (p <= word.size()) {
        size_t slash = word.find('/', p);
        size_t end = slash == std::string_view::npos ? word.size() : slash;
        std::string_view part = word.substr(p, end - p);
        if (!part.empty()) {
            if (menu.empty())
                menu = "/";
            else if (menu != "/")
                menu += ' ';
            menu += part;
        }
        if (slash == std::string_view::npos) break;
        p = slash + 1;
    }
}

// Pass 3: tokens to a command. `current` is the menu set by earlier menu-only lines.
void assemble(const Logical& l, std::vector<Token>& tokens, std::string& current, Export& out) {
    auto fail = [&](std::string message) { out.errors.push_back({l.line, std::move(message)}); };
    Command cmd;
    cmd.line = l.line;
    cmd.menu = current;
    size_t i = 0;
    // The menu path: an absolute word ("/ip", "/ip/pool/add"), then words up to the verb.
    if (tokens[0].kind == Token::Word && !tokens[0].has_eq && !tokens[0].value.empty() &&
        tokens[0].value[0] == '/') {
        std::string word = tokens[0].value;
        cmd.menu.clear();
        // v7's "/ip/pool/add": a verb as the last path component.
        size_t slash = word.rfind('/');
        if (slash != 0 && slash != std::string::npos && is_verb(word.substr(slash + 1))) {
            cmd.verb = word.substr(slash + 1);
            word.resize(slash);
        }
        append_path(cmd.menu, word);
        if (cmd.menu.empty()) cmd.menu = "/";
        i = 1;
    }
    if (!tokens.empty() && tokens[0].kind == Token::Word && !tokens[0].has_eq &&
        !tokens[0].value.empty() && tokens[0].value[0] == ':') {
        cmd.verb = tokens[0].value; // a script command (:global, :if, ...)
        i = 1;
    }
    for (; cmd.verb.empty() && i < tokens.size(); ++i) {
        Token& t = tokens[i];
        if (t.kind != Token::Word || t.has_eq) break;
        if (is_verb(t.value)) {
            cmd.verb = t.value;
            ++i;
            break;
        }
        append_path(cmd.menu, t.value);
    }
    if (cmd.verb.empty()) {
        if (i == tokens.size()) {
            current = cmd.menu; // a menu line: later commands run in it
            return;
        }
        return fail("expected a command (add, set, ...) before '" +
                    (tokens[i].has_eq ? tokens[i].key + "=" : std::string(tokens[i].value)) + "'");
    }
    if (cmd.menu == "/") cmd.menu.clear();
    for (; i < tokens.size(); ++i) {
        Token& t = tokens[i];
        if (t.kind == Token::Close) return fail("']' without '['");
        if (t.kind == Token::Word) {
            if (t.has_eq) {
                if (t.key.empty()) return fail("'=' without a property name");
                cmd.props.push_back({std::move(t.key), std::move(t.value)});
            } else {
                cmd.words.push_back(std::move(t.value));
            }
            continue;
        }
        // '[' find conditions ']'
        if (cmd.has_find) return fail("more than one [ ... ] selector");
        if (i + 1 >= tokens.size() || tokens[i + 1].kind != Token::Word || tokens[i + 1].has_eq ||
            !(tokens[i + 1].value == "find" ||
              (tokens[i + 1].value.size() > 5 &&
               tokens[i + 1].value.compare(tokens[i + 1].value.size() - 5, 5, "/find") == 0)))
            return fail("only [ find ... ] selectors are supported");
        cmd.has_find = true;
        bool closed = false;
        for (i += 2; i < tokens.size(); ++i) {
            Token& f = tokens[i];
            if (f.kind == Token::Close) {
                closed = true;
                break;
            }
            if (f.kind == Token::Open) return fail("nested [ ] is not supported");
            if (!f.has_eq && f.value == "where") continue;
            if (f.has_eq)
                cmd.find.push_back({std::move(f.key), std::move(f.value)});
            else
                cmd.find.push_back({std::move(f.value), {}});
        }
        if (!closed) return fail("missing ']' after [ find ...");
    }
    out.commands.push_back(std::move(cmd));
}

} // namespace

Export parse_export(std::string_view text) {
    Export out;
    std::string current; // the menu of menu-only lines, "" = root
    for (auto& l : join_lines(text, out.errors)) {
        std::vector<Token> tokens;
        std::string error;
        if (!tokenize(l.text, tokens, error)) {
            out.errors.push_back({l.line, error});
            continue;
        }
        if (tokens.empty()) continue;
        assemble(l, tokens, current, out);
    }
    // Errors from pass 1 and passes 2/3 interleave by line.
    std::stable_sort(out.errors.begin(), out.errors.end(),
                     [](const ParseError& a, const ParseError& b) { return a.line < b.line; });
    return out;
}

} // namespace vp::tools::routeros
