// Implementation of the strict config reader: type checks, bounds, units, unknown settings.
#include "control/config/reader.hpp"

#include <cctype>
#include <charconv>

namespace vp::config {

std::string Diagnostics::text() const {
    std::string out;
    for (auto& e : errors_)
        out += e + '\n';
    return out;
}

std::string Section::where_of(const libconfig::Setting& s) const {
    const char* file = s.getSourceFile();
    return std::string(file ? file : "<config>") + ':' + std::to_string(s.getSourceLine());
}

std::string Section::path() const {
    std::string p = setting_->getPath();
    return p.empty() ? "<root>" : p;
}

std::string Section::where() const {
    return where_of(*setting_);
}

bool Section::has(const char* name) const {
    return setting_->exists(name);
}

const libconfig::Setting* Section::child(const char* name) {
    seen_.insert(name);
    if (!setting_->isGroup() || !setting_->exists(name)) return nullptr;
    return &(*setting_)[name];
}

void Section::error(std::string_view what) {
    diag_->add(where() + ": " + path() + ": " + std::string(what));
}

void Section::error(const char* name, std::string_view what) {
    std::string full = setting_->getPath();
    full += full.empty() ? name : std::string(".") + name;
    const libconfig::Setting* s =
        setting_->isGroup() && setting_->exists(name) ? &(*setting_)[name] : setting_;
    diag_->add(where_of(*s) + ": " + full + ": " + std::string(what));
}

std::optional<std::string> Section::opt_string(const char* name) {
    auto* s = child(name);
    if (!s) return std::nullopt;
    if (s->getType() != libconfig::Setting::TypeString) {
        error(name, "expected a string (in double quotes)");
        return std::nullopt;
    }
    return std::string(s->c_str());
}

std::string Section::get_string(const char* name, std::string_view fallback) {
    auto v = opt_string(name);
    return v ? *v : std::string(fallback);
}

std::string Section::req_string(const char* name) {
    if (!has(name)) {
        seen_.insert(name);
        error(name, "is required");
        return {};
    }
    return get_string(name, "");
}

std::optional<int64_t> Section::opt_int(const char* name, int64_t min, int64_t max) {
    auto* s = child(name);
    if (!s) return std::nullopt;
    int64_t v;
    if (s->getType() == libconfig::Setting::TypeInt)
        v = static_cast<int>(*s);
    else if (s->getType() == libconfig::Setting::TypeInt64)
        v = static_cast<long long>(*s);
    else {
        error(name, "expected an integer");
        return std::nullopt;
    }
    if (v < min || v > max) {
        error(name, std::to_string(v) + " is out of range [" + std::to_string(min) + ", " +
                        std::to_string(max) + "]");
        return std::nullopt;
    }
    return v;
}

int64_t Section::get_int(const char* name, int64_t fallback, int64_t min, int64_t max) {
    auto v = opt_int(name, min, max);
    return v ? *v : fallback;
}

bool Section::get_bool(const char* name, bool fallback) {
    auto* s = child(name);
    if (!s) return fallback;
    if (s->getType() == libconfig::Setting::TypeBoolean) return static_cast<bool>(*s);
    if (s->getType() == libconfig::Setting::TypeString) { // RouterOS spelling: "yes" / "no"
        std::string v = s->c_str();
        if (v == "yes") return true;
        if (v == "no") return false;
    }
    error(name, "expected true or false (or \"yes\" / \"no\")");
    return fallback;
}

std::optional<net::Ipv4> Section::opt_ipv4(const char* name) {
    auto text = opt_string(name);
    if (!text) return std::nullopt;
    auto v = net::parse_ipv4(*text);
    if (!v) error(name, "'" + *text + "' is not an IPv4 address");
    return v;
}

std::optional<net::Ipv4Prefix> Section::opt_prefix(const char* name) {
    auto text = opt_string(name);
    if (!text) return std::nullopt;
    auto v = net::parse_prefix(*text);
    if (!v) error(name, "'" + *text + "' is not an IPv4 address/prefix");
    return v;
}

std::vector<std::string> Section::get_string_list(const char* name) {
    std::vector<std::string> out;
    auto* s = child(name);
    if (!s) return out;
    if (s->getType() == libconfig::Setting::TypeString) {
        std::string_view text = s->c_str();
        while (!text.empty()) {
            auto comma = text.find(',');
            auto item = text.substr(0, comma);
            while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())))
                item.remove_prefix(1);
            while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back())))
                item.remove_suffix(1);
            if (!item.empty()) out.emplace_back(item);
            if (comma == std::string_view::npos) break;
            text.remove_prefix(comma + 1);
        }
        return out;
    }
    if (s->isArray() || s->isList()) {
        for (int i = 0; i < s->getLength(); ++i) {
            if ((*s)[i].getType() != libconfig::Setting::TypeString) {
                error(name, "expected a list of strings");
                return {};
            }
            out.emplace_back((*s)[i].c_str());
        }
        return out;
    }
    error(name, "expected a string or a list of strings");
    return out;
}

namespace {
// Parses RouterOS-style durations: "90", "30s", "10m", "1h30m", "1d", "1w", "00:10:00".
std::optional<int64_t> parse_duration(std::string_view text) {
    if (text.find(':') != std::string_view::npos) {
        int64_t total = 0;
        int parts = 0;
        while (true) {
            auto colon = text.find(':');
            auto part = text.substr(0, colon);
            int64_t v = 0;
            auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
            if (ec != std::errc{} || p != part.data() + part.size() || part.empty())
                return std::nullopt;
            total = total * 60 + v;
            ++parts;
            if (colon == std::string_view::npos) break;
            text.remove_prefix(colon + 1);
        }
        return parts <= 3 ? std::optional(total) : std::nullopt;
    }
    int64_t total = 0;
    bool any = false;
    while (!text.empty()) {
        int64_t v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc{} || v < 0) return std::nullopt;
        text.remove_prefix(static_cast<size_t>(p - text.data()));
        int64_t unit = 1;
        if (!text.empty()) {
            switch (text.front()) {
            case 's':
                unit = 1;
                break;
            case 'm':
                unit = 60;
                break;
            case 'h':
                unit = 3600;
                break;
            case 'd':
                unit = 86400;
                break;
            case 'w':
                unit = 604800;
                break;
            default:
                return std::nullopt;
            }
            text.remove_prefix(1);
        } else if (any) {
            return std::nullopt; // "1h30" is ambiguous
        }
        total += v * unit;
        any = true;
    }
    return any ? std::optional(total) : std::nullopt;
}
} // namespace

int64_t Section::get_seconds(const char* name, int64_t fallback, int64_t min, int64_t max,
                             bool allow_disabled) {
    auto* s = child(name);
    if (!s) return fallback;
    std::optional<int64_t> v;
    if (s->getType() == libconfig::Setting::TypeInt) {
        v = static_cast<int>(*s); // libconfig throws when a 32-bit setting is read as 64-bit
    } else if (s->getType() == libconfig::Setting::TypeInt64) {
        v = static_cast<long long>(*s);
    } else if (s->getType() == libconfig::Setting::TypeString) {

        std::string text = s->c_str();
        if (allow_disabled && (text == "disabled" || text == "none")) return 0;
        v = parse_duration(text);
        if (!v) {
            error(name, "'" + text + "' is not a duration (e.g. 30, \"30s\", \"10m\", \"1h\"" +
                            std::string(allow_disabled ? ", \"disabled\")" : ")"));
            return fallback;
        }
    } else {
        error(name, "expected a duration in seconds or a string like \"10m\"");
        return fallback;
    }
    if (*v < min || *v > max) {
        error(name, std::to_string(*v) + " s is out of range [" + std::to_string(min) + ", " +
                        std::to_string(max) + "] s");
        return fallback;
    }
    return *v;
}

std::optional<Section> Section::group(const char* name) {
    auto* s = child(name);
    if (!s) return std::nullopt;
    if (!s->isGroup()) {
        error(name, "expected a group { ... }");
        return std::nullopt;
    }
    return Section(*s, *diag_);
}

std::vector<Section> Section::groups(const char* name) {
    std::vector<Section> out;
    auto* s = child(name);
    if (!s) return out;
    if (!s->isList()) {
        error(name, "expected a list ( { ... }, { ... } )");
        return out;
    }
    for (int i = 0; i < s->getLength(); ++i) {
        const libconfig::Setting& item = (*s)[i];
        if (!item.isGroup()) {
            Section(item, *diag_).error("expected a group { ... }");
            continue;
        }
        out.emplace_back(item, *diag_);
    }
    return out;
}

void Section::finish() {
    if (!setting_->isGroup()) return;
    for (int i = 0; i < setting_->getLength(); ++i) {
        const libconfig::Setting& s = (*setting_)[i];
        const char* n = s.getName();
        if (n && !seen_.count(n)) {
            diag_->add(where_of(s) + ": " + std::string(s.getPath()) + ": unknown setting");
        }
    }
}

namespace {
template <class Load>
std::optional<ParsedFile> load(Load&& loader, Diagnostics& diagnostics) {
    auto cfg = std::make_unique<libconfig::Config>();
    try {
        loader(*cfg);
    } catch (const libconfig::ParseException& e) {
        diagnostics.add(std::string(e.getFile() ? e.getFile() : "<config>") + ':' +
                        std::to_string(e.getLine()) + ": syntax error: " + e.getError());
        return std::nullopt;
    } catch (const libconfig::FileIOException&) {
        diagnostics.add("cannot read the configuration file");
        return std::nullopt;
    }
    return ParsedFile{std::move(cfg)};
}
} // namespace

std::optional<ParsedFile> read_file(const std::string& path, Diagnostics& diagnostics) {
    Diagnostics local;
    auto parsed = load([&](libconfig::Config& c) { c.readFile(path.c_str()); }, local);
    for (auto& e : local.errors())
        diagnostics.add(e == "cannot read the configuration file" ? path + ": " + e : e);
    return parsed;
}

std::optional<ParsedFile> read_string(const std::string& text, Diagnostics& diagnostics) {
    return load([&](libconfig::Config& c) { c.readString(text); }, diagnostics);
}

} // namespace vp::config
