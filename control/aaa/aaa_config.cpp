// Parsing and cross-checking of ip_pools, ppp_profiles and ppp_secrets (see aaa_config.hpp).
#include "control/aaa/aaa_config.hpp"

#include "control/aaa/ip_pool.hpp"
#include "control/config/reader.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace vp::aaa {

uint64_t IpPoolConfig::size() const {
    uint64_t n = 0;
    for (auto& r : ranges)
        n += r.size();
    return n;
}

const IpPoolConfig* AaaConfig::pool(std::string_view name) const {
    for (auto& p : pools)
        if (p.name == name) return &p;
    return nullptr;
}

const PppProfile* AaaConfig::profile(std::string_view name) const {
    for (auto& p : profiles)
        if (p.name == name) return &p;
    return nullptr;
}

const PppSecret* AaaConfig::secret(std::string_view name) const {
    for (auto& s : secrets)
        if (s.name == name) return &s;
    return nullptr;
}

AaaConfig builtin_aaa_config() {
    AaaConfig config;
    PppProfile plain{.name = std::string(kDefaultProfile), .builtin = true};
    plain.change_tcp_mss = Tristate::Yes;
    PppProfile encryption{.name = std::string(kDefaultEncryptionProfile), .builtin = true};
    encryption.change_tcp_mss = Tristate::Yes;
    encryption.use_encryption = EncryptionSetting::Yes;
    config.profiles = {plain, encryption};
    return config;
}

namespace {

using config::Section;

std::string quoted(std::string_view s) {
    return "'" + std::string(s) + "'";
}

bool is_empty_string(const Section& s, const char* name) {
    if (!s.has(name)) return false;
    const auto& v = s.setting()[name];
    return v.getType() == libconfig::Setting::TypeString && std::string_view(v.c_str()).empty();
}

// RouterOS exports write unset values as "" (caller-id="", routes=""): "" reads as unset.
std::optional<std::string> opt_nonempty(Section& s, const char* name) {
    auto v = s.opt_string(name);
    if (v && v->empty()) return std::nullopt;
    return v;
}

Tristate read_tristate(Section& s, const char* name, Tristate fallback) {
    if (s.has(name) && s.setting()[name].getType() == libconfig::Setting::TypeBoolean)
        return s.get_bool(name, false) ? Tristate::Yes : Tristate::No;
    return s.get_enum(
        name, fallback,
        {{"yes", Tristate::Yes}, {"no", Tristate::No}, {"default", Tristate::Default}});
}

// use-compression, use-mpls, use-upnp: accepted so that RouterOS exports translate, but only with
// the values that describe what vpnplane does (nothing).
void read_unsupported_feature(Section& s, const char* name) {
    auto v = s.opt_string(name);
    if (v && *v != "no" && *v != "default")
        s.error(name,
                quoted(*v) + " is not supported: vpnplane does not implement it (use \"no\")");
}

// `rate_limit` of a profile or a secret (RouterOS syntax, control/aaa/values.hpp).
std::optional<RateLimit> read_rate_limit(Section& s) {
    auto text = opt_nonempty(s, "rate_limit");
    if (!text) return std::nullopt;
    auto limit = parse_rate_limit(*text);
    if (limit) return *limit;
    s.error("rate_limit", limit.message());
    return std::nullopt;
}

std::optional<uint32_t> read_timeout(Section& s, const char* name) {
    if (!s.has(name)) return std::nullopt;
    if (is_empty_string(s, name)) {
        s.opt_string(name);
        return std::nullopt;
    }
    constexpr int64_t max = std::numeric_limits<uint32_t>::max();
    // Plain integers go through opt_int: Section::get_seconds converts a TypeInt setting with
    // libconfig's `long long` operator, which throws for 32-bit integers.
    auto type = s.setting()[name].getType();
    if (type == libconfig::Setting::TypeInt || type == libconfig::Setting::TypeInt64)
        return static_cast<uint32_t>(s.get_int(name, 0, 0, max));
    return static_cast<uint32_t>(s.get_seconds(name, 0, 0, max, true));
}

std::optional<net::Ipv4> read_unicast(Section& s, const char* name) {
    auto text = opt_nonempty(s, name);
    if (!text) return std::nullopt;
    auto a = net::parse_ipv4(*text);
    if (!a) {
        s.error(name, quoted(*text) + " is not an IPv4 address");
        return std::nullopt;
    }
    if (!is_unicast(*a)) {
        s.error(name, quoted(*text) + " cannot be a tunnel address (not a unicast address)");
        return std::nullopt;
    }
    return a;
}

std::optional<std::vector<net::Ipv4>> read_servers(Section& s, const char* name) {
    if (!s.has(name) || is_empty_string(s, name)) {
        s.opt_string(name); // marks it read (an empty string is "unset", as RouterOS prints it)
        return std::nullopt;
    }
    std::vector<net::Ipv4> out;
    for (auto& item : s.get_string_list(name)) {
        auto a = net::parse_ipv4(item);
        if (!a) {
            s.error(name, quoted(item) + " is not an IPv4 address");
            continue;
        }
        out.push_back(*a);
    }
    if (out.size() > 2)
        s.error(name, "at most two servers (primary and secondary), as in RouterOS");
    return out;
}

std::optional<AddressSource> read_address_source(Section& s, const char* name) {
    auto text = opt_nonempty(s, name);
    if (!text) return std::nullopt;
    if (auto a = net::parse_ipv4(*text)) {
        if (!is_unicast(*a)) {
            s.error(name, quoted(*text) + " cannot be a tunnel address (not a unicast address)");
            return std::nullopt;
        }
        return AddressSource{*a};
    }
    return AddressSource{*text}; // a pool name, checked once all pools are known
}

bool is_special_range(const net::Ipv4Range& r) {
    constexpr net::Ipv4 loopback = 127u << 24;
    return !is_unicast(r.first) || !is_unicast(r.last) ||
           (r.first < loopback && r.last >= loopback);
}

class Parser {
public:
    explicit Parser(Section& root) : root_(root) {}

    AaaConfig run() {
        config_ = builtin_aaa_config();
        pool_sections_ = root_.groups("ip_pools");
        profile_sections_ = root_.groups("ppp_profiles");
        secret_sections_ = root_.groups("ppp_secrets");
        for (auto& s : pool_sections_)
            parse_pool(s);
        check_pool_overlaps();
        check_next_pools();
        for (auto& s : profile_sections_)
            parse_profile(s);
        for (auto& s : secret_sections_)
            parse_secret(s);
        check_addresses();
        return std::move(config_);
    }

private:
    void parse_pool(Section& s) {
        IpPoolConfig pool;
        pool.name = s.req_string("name");
        bool keep = !pool.name.empty();
        if (s.has("name") && pool.name.empty()) s.error("name", "must not be empty");
        if (keep) {
            if (auto it = pool_where_.find(pool.name); it != pool_where_.end()) {
                s.error("name", "duplicate pool name " + quoted(pool.name) + " (first defined at " +
                                    it->second + ")");
                keep = false;
            } else {
                pool_where_[pool.name] = s.where();
            }
        }
        bool ranges_ok = true;
        if (!s.has("ranges")) s.error("ranges", "is required");
        for (auto& item : s.get_string_list("ranges")) {
            auto r = net::parse_range(item);
            if (!r) {
                s.error("ranges",
                        quoted(item) + " is not a range (a.b.c.d-e.f.g.h), a prefix or an address");
                ranges_ok = false;
            } else if (is_special_range(*r)) {
                s.error("ranges", quoted(item) + " includes addresses that are not unicast");
                ranges_ok = false;
            } else {
                pool.ranges.push_back(*r);
            }
        }
        if (s.has("ranges") && pool.ranges.empty() && ranges_ok) s.error("ranges", "is empty");
        if (pool.size() > IpPool::kMaxAddresses)
            s.error("ranges", std::to_string(pool.size()) + " addresses is more than the " +
                                  std::to_string(IpPool::kMaxAddresses) +
                                  " a pool may hold (a /12)");
        pool.next_pool = s.get_string("next_pool", "");
        if (pool.next_pool == "none") pool.next_pool.clear(); // RouterOS prints next-pool=none
        pool.comment = s.get_string("comment", "");
        s.finish();
        if (!keep) return;
        config_.pools.push_back(std::move(pool));
        pool_sections_by_index_.push_back(&s);
    }

    void check_pool_overlaps() {
        struct Item {
            net::Ipv4Range range;
            size_t pool;
        };
        std::vector<Item> all;
        for (size_t i = 0; i < config_.pools.size(); ++i)
            for (auto& r : config_.pools[i].ranges)
                all.push_back({r, i});
        std::sort(all.begin(), all.end(),
                  [](const Item& a, const Item& b) { return a.range.first < b.range.first; });
        // Comparing each range with the furthest-reaching one before it finds every overlap
        // with at least one report per overlapping range.
        for (size_t k = 1, reach = 0; k < all.size(); ++k) {
            if (all[k].range.first <= all[reach].range.last) {
                auto& later = all[k];
                auto& earlier = all[reach];
                auto text =
                    net::to_string(later.range.first) + "-" + net::to_string(later.range.last);
                auto other =
                    net::to_string(earlier.range.first) + "-" + net::to_string(earlier.range.last);
                if (later.pool == earlier.pool)
                    pool_sections_by_index_[later.pool]->error(
                        "ranges", text + " overlaps " + other + " of the same pool");
                else
                    pool_sections_by_index_[std::max(later.pool, earlier.pool)]->error(
                        "ranges",
                        text + " overlaps " + other + " of pool " +
                            quoted(config_.pools[std::min(later.pool, earlier.pool)].name) +
                            "; an address must belong to one pool");
            }
            if (all[k].range.last > all[reach].range.last) reach = k;
        }
    }

    void check_next_pools() {
        auto& pools = config_.pools;
        for (size_t i = 0; i < pools.size(); ++i) {
            auto& next = pools[i].next_pool;
            if (next.empty()) continue;
            if (!config_.pool(next))
                pool_sections_by_index_[i]->error("next_pool", "no pool named " + quoted(next));
            else if (next == pools[i].name)
                pool_sections_by_index_[i]->error("next_pool",
                                                  "a pool cannot be its own next_pool");
        }
        // A chain that comes back to where it started is reported once, at the cycle's first
        // pool in file order.
        for (size_t i = 0; i < pools.size(); ++i) {
            std::vector<size_t> path{i};
            size_t at = i;
            bool loops = false;
            for (size_t step = 0; step < pools.size(); ++step) {
                auto* next = config_.pool(pools[at].next_pool);
                if (!next || next->name == pools[at].name) break;
                at = static_cast<size_t>(next - pools.data());
                if (at == i) {
                    loops = true;
                    break;
                }
                path.push_back(at);
            }
            if (!loops || *std::min_element(path.begin(), path.end()) != i) continue;
            std::string chain;
            for (auto p : path)
                chain += pools[p].name + " -> ";
            pool_sections_by_index_[i]->error("next_pool",
                                              "next_pool makes a loop: " + chain + pools[i].name);
        }
    }

    void check_pool_reference(Section& s, const char* name,
                              const std::optional<AddressSource>& src) {
        if (!src || !std::holds_alternative<std::string>(*src)) return;
        auto& pool = std::get<std::string>(*src);
        if (config_.pool(pool)) return;
        std::string known;
        for (auto& p : config_.pools)
            known += (known.empty() ? "" : ", ") + p.name;
        s.error(name, quoted(pool) + " is neither an IPv4 address nor a pool name (pools: " +
                          (known.empty() ? "none" : known) + ")");
    }

    void parse_profile(Section& s) {
        auto name = s.req_string("name");
        if (s.has("name") && name.empty()) s.error("name", "must not be empty");
        PppProfile parsed;
        PppProfile* p = &parsed;
        bool keep = !name.empty();
        if (keep) {
            if (auto it = profile_where_.find(name); it != profile_where_.end()) {
                s.error("name", "duplicate profile name " + quoted(name) + " (first defined at " +
                                    it->second + ")");
                keep = false;
            } else {
                profile_where_[name] = s.where();
                // An entry named like a built-in adjusts it (RouterOS `/ppp profile set default`).
                for (auto& b : config_.profiles)
                    if (b.builtin && b.name == name) p = &b;
            }
        }
        p->name = name;
        if (auto v = read_address_source(s, "local_address")) p->local_address = v;
        if (auto v = read_address_source(s, "remote_address")) p->remote_address = v;
        check_pool_reference(s, "local_address", p->local_address);
        check_pool_reference(s, "remote_address", p->remote_address);
        if (p->local_address && p->remote_address && *p->local_address == *p->remote_address &&
            std::holds_alternative<net::Ipv4>(*p->local_address))
            s.error("remote_address", "equals local_address");
        if (auto v = read_servers(s, "dns_server")) p->dns_servers = v;
        if (auto v = read_servers(s, "wins_server")) p->wins_servers = v;
        p->only_one = read_tristate(s, "only_one", p->only_one);
        p->change_tcp_mss = read_tristate(s, "change_tcp_mss", p->change_tcp_mss);
        if (s.has("use_encryption") &&
            s.setting()["use_encryption"].getType() == libconfig::Setting::TypeBoolean)
            p->use_encryption = s.get_bool("use_encryption", false) ? EncryptionSetting::Yes
                                                                    : EncryptionSetting::No;
        else
            p->use_encryption = s.get_enum("use_encryption", p->use_encryption,
                                           {{"yes", EncryptionSetting::Yes},
                                            {"no", EncryptionSetting::No},
                                            {"default", EncryptionSetting::Default},
                                            {"required", EncryptionSetting::Required},
                                            {"require", EncryptionSetting::Required}});
        for (const char* f : {"use_compression", "use_mpls", "use_upnp"})
            read_unsupported_feature(s, f);
        if (auto v = read_timeout(s, "session_timeout")) p->session_timeout_s = v;
        if (auto v = read_timeout(s, "idle_timeout")) p->idle_timeout_s = v;
        if (auto v = read_rate_limit(s)) p->rate_limit = v;
        if (auto v = s.opt_string("address_list")) {
            // A session's tunnel address joins this firewall address list while it is up
            // (control/address_lists.hpp); the firewall knows the name from the profiles.
            if (!v->empty() && (*v)[0] == '!')
                s.error("address_list", "a list name cannot start with '!'");
            p->address_list = *v;
        }
        if (auto v = s.opt_string("comment")) p->comment = *v;
        s.finish();
        if (keep && p == &parsed) config_.profiles.push_back(std::move(parsed));
    }

    void parse_secret(Section& s) {
        PppSecret secret;
        secret.name = s.req_string("name");
        if (s.has("name") && secret.name.empty()) s.error("name", "must not be empty");
        bool duplicate = false;
        if (!secret.name.empty()) {
            if (auto it = secret_where_.find(secret.name); it != secret_where_.end()) {
                s.error("name", "duplicate secret name " + quoted(secret.name) +
                                    " (first defined at " + it->second + ")");
                duplicate = true;
            } else {
                secret_where_[secret.name] = s.where();
            }
        }
        secret.password = s.req_string("password");
        if (s.has("password") && secret.password.empty())
            s.error("password", "must not be empty (anyone knowing the name could connect)");
        secret.service =
            s.get_enum("service", Service::Any,
                       {{"any", Service::Any}, {"ovpn", Service::Ovpn}, {"sstp", Service::Sstp}});
        secret.profile = s.get_string("profile", kDefaultProfile);
        if (!config_.profile(secret.profile)) {
            std::string known;
            for (auto& p : config_.profiles)
                known += (known.empty() ? "" : ", ") + p.name;
            s.error("profile",
                    "no profile named " + quoted(secret.profile) + " (profiles: " + known + ")");
        }
        auto read_fixed = [&](const char* name) -> std::optional<net::Ipv4> {
            bool is_string =
                s.has(name) && s.setting()[name].getType() == libconfig::Setting::TypeString;
            std::string text = is_string ? s.setting()[name].c_str() : "";
            if (config_.pool(text)) {
                s.opt_string(name);
                s.error(name, quoted(text) + " is a pool: secrets take fixed addresses (RouterOS "
                                             "/ppp secret); give the pool to a profile");
                return std::nullopt;
            }
            return read_unicast(s, name);
        };
        secret.local_address = read_fixed("local_address");
        secret.remote_address = read_fixed("remote_address");
        if (secret.local_address && secret.local_address == secret.remote_address)
            s.error("remote_address", "equals local_address");
        for (auto& item : s.get_string_list("routes")) {
            auto route = parse_route(item);
            if (route)
                secret.routes.push_back(*route);
            else
                s.error("routes", route.message());
        }
        secret.caller_id = read_unicast(s, "caller_id");
        secret.disabled = s.get_bool("disabled", false);
        auto read_limit = [&](const char* name) -> std::optional<uint64_t> {
            auto v = s.opt_int(name, 0, std::numeric_limits<int64_t>::max());
            if (!v || *v == 0) return std::nullopt; // 0: no limit, as in RouterOS
            return static_cast<uint64_t>(*v);
        };
        secret.rate_limit = read_rate_limit(s);
        secret.limit_bytes_in = read_limit("limit_bytes_in");
        secret.limit_bytes_out = read_limit("limit_bytes_out");
        secret.comment = s.get_string("comment", "");
        s.finish();
        if (secret.name.empty() || duplicate) return;
        config_.secrets.push_back(std::move(secret));
        secret_sections_by_index_.push_back(&s);
    }

    // Fixed addresses: a secret's static remote address belongs to that secret alone, and no
    // tunnel's remote end may be another tunnel's local end.
    void check_addresses() {
        std::map<net::Ipv4, std::string> local_owner; // address -> "profile 'x'" / "secret 'y'"
        for (auto& p : config_.profiles)
            if (p.local_address && std::holds_alternative<net::Ipv4>(*p.local_address))
                local_owner.emplace(std::get<net::Ipv4>(*p.local_address),
                                    "profile " + quoted(p.name));
        for (auto& s : config_.secrets)
            if (s.local_address) local_owner.emplace(*s.local_address, "secret " + quoted(s.name));
        std::map<net::Ipv4, std::string> remote_owner;
        for (size_t i = 0; i < config_.secrets.size(); ++i) {
            auto& s = config_.secrets[i];
            if (!s.remote_address || s.remote_address == s.local_address) continue; // reported
            auto* section = secret_sections_by_index_[i];
            auto address = net::to_string(*s.remote_address);
            if (auto it = remote_owner.find(*s.remote_address); it != remote_owner.end())
                section->error("remote_address",
                               address + " is already the remote address of " + it->second);
            else
                remote_owner.emplace(*s.remote_address, "secret " + quoted(s.name));
            if (auto it = local_owner.find(*s.remote_address); it != local_owner.end())
                section->error("remote_address",
                               address + " is the local address of " + it->second);
        }
    }

    Section& root_;
    AaaConfig config_;
    std::vector<Section> pool_sections_, profile_sections_, secret_sections_;
    std::vector<Section*> pool_sections_by_index_;   // parallel to config_.pools
    std::vector<Section*> secret_sections_by_index_; // parallel to config_.secrets
    std::map<std::string, std::string> pool_where_, profile_where_, secret_where_;
};

} // namespace

std::optional<AaaConfig> parse_aaa_config(config::Section& root) {
    size_t errors_before = root.diagnostics().errors().size();
    auto config = Parser(root).run();
    if (root.diagnostics().errors().size() != errors_before) return std::nullopt;
    return config;
}

Result<AaaConfig> aaa_config_from_string(const std::string& text) {
    config::Diagnostics diagnostics;
    auto file = config::read_string(text, diagnostics);
    if (!file) return make_error(diagnostics.text());
    config::Section root(file->config->getRoot(), diagnostics);
    auto config = parse_aaa_config(root);
    root.finish();
    if (!diagnostics.ok() || !config) return make_error(diagnostics.text());
    return std::move(*config);
}

} // namespace vp::aaa
