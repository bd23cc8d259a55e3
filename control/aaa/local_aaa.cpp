// LocalAaa: authentication against /ppp secret, settings resolved secret -> profile -> server
// default-profile, addresses leased from pools, and reload with live grants (docs/aaa.md).
#include "control/aaa/local_aaa.hpp"

#include "base/log.hpp"
#include "control/aaa/ip_pool.hpp"
#include "control/aaa/password.hpp"

#include <map>
#include <set>
#include <unordered_map>

namespace vp::aaa {

namespace {

using log::Topic;

// Compiled configuration: lookup maps and the pools built from one AaaConfig.
struct Compiled {
    AaaConfig config;
    std::unordered_map<std::string, const PppSecret*> secrets;
    std::unordered_map<std::string, const PppProfile*> profiles;
    std::vector<std::shared_ptr<IpPool>> pools; // config order
    std::unordered_map<std::string, std::shared_ptr<IpPool>> pools_by_name;

    std::shared_ptr<IpPool> pool_containing(net::Ipv4 address) const {
        for (auto& p : pools)
            if (p->contains(address)) return p;
        return nullptr;
    }
};

// Fixed addresses of the configuration never leave their pool by dynamic allocation.
void reserve_fixed_addresses(Compiled& c) {
    auto reserve = [&](net::Ipv4 a, const std::string& owner) {
        if (auto pool = c.pool_containing(a)) {
            pool->reserve(a);
            log::debug(Topic::Aaa, "{} in pool '{}' is reserved for {}", net::to_string(a),
                       pool->name(), owner);
        }
    };
    for (auto& p : c.config.profiles) {
        for (auto* src : {&p.local_address, &p.remote_address})
            if (*src && std::holds_alternative<net::Ipv4>(**src))
                reserve(std::get<net::Ipv4>(**src), "profile '" + p.name + "'");
    }
    for (auto& s : c.config.secrets) {
        if (s.local_address) reserve(*s.local_address, "secret '" + s.name + "'");
        if (s.remote_address) reserve(*s.remote_address, "secret '" + s.name + "'");
    }
}

std::unique_ptr<Compiled> compile(AaaConfig config) {
    auto c = std::make_unique<Compiled>();
    c->config = std::move(config);
    for (auto& s : c->config.secrets)
        c->secrets.emplace(s.name, &s);
    for (auto& p : c->config.profiles)
        c->profiles.emplace(p.name, &p);
    for (auto& p : c->config.pools) {
        auto pool = std::make_shared<IpPool>(p.name, p.ranges);
        c->pools.push_back(pool);
        c->pools_by_name.emplace(p.name, pool);
    }
    reserve_fixed_addresses(*c);
    return c;
}

// User names come from the network: keep log lines single and bounded.
std::string printable(std::string_view text) {
    std::string out;
    for (char ch : text.substr(0, 64))
        out += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
    if (text.size() > 64) out += "...";
    return out;
}

bool service_allows(Service secret, Service requested) {
    return secret == Service::Any || secret == requested;
}

// RouterOS: `default` defers to the server's default-profile; `default` there means no.
bool resolve(Tristate profile, Tristate fallback) {
    if (profile != Tristate::Default) return profile == Tristate::Yes;
    return fallback == Tristate::Yes;
}

UseEncryption resolve(EncryptionSetting profile, EncryptionSetting fallback) {
    auto v = profile != EncryptionSetting::Default ? profile : fallback;
    switch (v) {
    case EncryptionSetting::Yes:
        return UseEncryption::Yes;
    case EncryptionSetting::Required:
        return UseEncryption::Required;
    default:
        return UseEncryption::No;
    }
}

template <class T>
const std::optional<T>& pick(const std::optional<T>& profile, const std::optional<T>& fallback) {
    return profile ? profile : fallback;
}

std::optional<net::Ipv4> caller_address(std::string_view caller_id) {
    auto colon = caller_id.rfind(':');
    return net::parse_ipv4(caller_id.substr(0, colon));
}

std::string describe(const AddressSource& src) {
    if (auto* a = std::get_if<net::Ipv4>(&src)) return net::to_string(*a);
    return "pool '" + std::get<std::string>(src) + "'";
}

} // namespace

struct Hold {
    net::Ipv4 address = 0;
    std::shared_ptr<IpPool> pool; // the pool that accounts for the address, if any
};

struct Lease {
    ActiveGrant info;
    Hold remote;                 // exclusive to this grant
    std::optional<Hold> local;   // exclusive (taken from a pool) ...
    bool local_shared = false;   // ... or a fixed address that sessions share
    std::string default_profile; // the server's default profile at authentication (reload)
};

struct LocalAaa::State {
    std::unique_ptr<Compiled> current;
    std::map<uint64_t, Lease> leases;
    std::map<net::Ipv4, uint64_t> exclusive; // remote and pool-taken local addresses -> grant id
    std::map<net::Ipv4, uint32_t> shared;    // fixed local addresses -> sessions using them
    std::unordered_map<std::string, uint32_t> sessions_per_user;
    std::vector<std::weak_ptr<IpPool>> retired;
    uint64_t next_id = 1;

    // Leases one address from `pool_name`, following next-pool when it is full.
    std::optional<Hold> allocate(const std::string& pool_name, std::string& tried) {
        std::set<std::string> visited;
        for (std::string name = pool_name; !name.empty() && visited.insert(name).second;) {
            auto it = current->pools_by_name.find(name);
            if (it == current->pools_by_name.end()) break;
            auto& pool = it->second;
            while (auto a = pool->allocate()) {
                if (!exclusive.count(*a) && !shared.count(*a)) return Hold{*a, pool};
                // A pool handing out a held address is a bookkeeping bug: keep the address
                // out of circulation and say so, rather than give one address to two tunnels.
                log::error(Topic::Aaa, "pool '{}' offered {} which is in use; reserving it", name,
                           net::to_string(*a));
                pool->release(*a);
                pool->reserve(*a);
            }
            tried += (tried.empty() ? "'" : ", '") + name + "'";
            auto* config = current->config.pool(name);
            name = config ? config->next_pool : std::string();
        }
        return std::nullopt;
    }

    // Holds a fixed address for one grant; nullopt if another session holds it.
    std::optional<Hold> take_fixed(net::Ipv4 address) {
        if (exclusive.count(address) || shared.count(address)) return std::nullopt;
        Hold hold{address, current->pool_containing(address)};
        if (hold.pool && !hold.pool->take(address)) {
            log::error(Topic::Aaa, "{} is leased in pool '{}' but held by no session",
                       net::to_string(address), hold.pool->name());
            return std::nullopt;
        }
        return hold;
    }

    void give_back(const Hold& hold) {
        exclusive.erase(hold.address);
        if (hold.pool && !hold.pool->release(hold.address))
            log::error(Topic::Aaa, "{} was not leased in pool '{}'", net::to_string(hold.address),
                       hold.pool->name());
    }

    void unshare(net::Ipv4 address) {
        auto it = shared.find(address);
        if (it != shared.end() && --it->second == 0) shared.erase(it);
    }
};

LocalAaa::LocalAaa(AaaConfig config) : state_(std::make_unique<State>()) {
    state_->current = compile(std::move(config));
}

LocalAaa::~LocalAaa() = default;

std::variant<Grant, Reject> LocalAaa::authenticate(const AuthRequest& request) {
    std::lock_guard lock(mutex_);
    return authenticate_locked(request, nullptr);
}

std::variant<Grant, Reject> LocalAaa::authenticate_challenge(const AuthRequest& request,
                                                             const PasswordCheck& check) {
    std::lock_guard lock(mutex_);
    return authenticate_locked(request, &check);
}

std::variant<Grant, Reject> LocalAaa::authenticate_locked(const AuthRequest& request,
                                                          const PasswordCheck* check) {
    auto& st = *state_;
    auto& cur = *st.current;
    auto user = printable(request.user);
    auto reject = [&](RejectReason reason, std::string detail) -> std::variant<Grant, Reject> {
        auto level = reason == RejectReason::NoAddress ? log::Level::Warning : log::Level::Info;
        log::write(Topic::Aaa, level, "rejected '{}' via {} from {}: {}{}{}", user,
                   to_string(request.service), printable(request.caller_id), to_string(reason),
                   detail.empty() ? "" : ": ", detail);
        return Reject{reason, std::move(detail)};
    };

    auto found = cur.secrets.find(request.user);
    if (found == cur.secrets.end()) {
        // Spend the same hashing time as for a known user, so timing does not tell names apart.
        (void)passwords_equal(request.password, "unknown-user");
        return reject(RejectReason::UnknownUser, "no secret with this name");
    }
    const PppSecret& secret = *found->second;
    if (secret.disabled) return reject(RejectReason::SecretDisabled, "the secret is disabled");
    if (!service_allows(secret.service, request.service))
        return reject(RejectReason::ServiceNotAllowed,
                      std::string("the secret is for service=") + to_string(secret.service));
    if (secret.caller_id && caller_address(request.caller_id) != secret.caller_id)
        return reject(RejectReason::CallerIdMismatch,
                      "the secret requires caller-id " + net::to_string(*secret.caller_id));
    bool password_ok =
        check ? (*check)(secret.password) : passwords_equal(request.password, secret.password);
    if (!password_ok) return reject(RejectReason::WrongPassword, "");

    // Settings: secret, then its profile, then the server's default profile.
    auto pit = cur.profiles.find(secret.profile);
    if (pit == cur.profiles.end()) // the parser checks this; a hand-built config may not
        return reject(RejectReason::NoAddress, "profile '" + secret.profile + "' does not exist");
    const PppProfile& profile = *pit->second;
    auto dit = cur.profiles.find(request.default_profile);
    if (dit == cur.profiles.end()) {
        log::warning(Topic::Aaa, "default profile '{}' does not exist; using 'default'",
                     printable(request.default_profile));
        dit = cur.profiles.find(std::string(kDefaultProfile));
    }
    const PppProfile& fallback = *dit->second;

    if (resolve(profile.only_one, fallback.only_one)) {
        auto n = st.sessions_per_user.find(secret.name);
        if (n != st.sessions_per_user.end() && n->second > 0)
            return reject(RejectReason::AlreadyConnected, "only-one=yes and the user has " +
                                                              std::to_string(n->second) +
                                                              " session(s)");
    }

    // Addresses: the secret's fixed address, else the profile's, else the default profile's.
    std::optional<AddressSource> remote_src, local_src;
    if (secret.remote_address)
        remote_src = AddressSource{*secret.remote_address};
    else
        remote_src = pick(profile.remote_address, fallback.remote_address);
    if (secret.local_address)
        local_src = AddressSource{*secret.local_address};
    else
        local_src = pick(profile.local_address, fallback.local_address);
    if (!remote_src)
        return reject(RejectReason::NoAddress, "no remote-address in the secret, profile '" +
                                                   profile.name + "' or default profile '" +
                                                   fallback.name + "'");

    Lease lease;
    if (auto* fixed = std::get_if<net::Ipv4>(&*remote_src)) {
        auto hold = st.take_fixed(*fixed);
        if (!hold)
            return reject(RejectReason::NoAddress,
                          "remote address " + net::to_string(*fixed) + " is in use");
        lease.remote = *hold;
    } else {
        std::string tried;
        auto hold = st.allocate(std::get<std::string>(*remote_src), tried);
        if (!hold) return reject(RejectReason::NoAddress, "pool " + tried + " exhausted");
        lease.remote = *hold;
    }
    st.exclusive[lease.remote.address] = st.next_id;

    if (local_src) {
        if (auto* fixed = std::get_if<net::Ipv4>(&*local_src)) {
            if (*fixed == lease.remote.address || st.exclusive.count(*fixed)) {
                st.give_back(lease.remote);
                return reject(RejectReason::NoAddress,
                              "local address " + net::to_string(*fixed) + " is a client's address");
            }
            lease.local = Hold{*fixed, nullptr};
            lease.local_shared = true;
            ++st.shared[*fixed];
        } else {
            std::string tried;
            auto hold = st.allocate(std::get<std::string>(*local_src), tried);
            if (!hold) {
                st.give_back(lease.remote);
                return reject(RejectReason::NoAddress,
                              "pool " + tried + " exhausted (local-address)");
            }
            lease.local = *hold;
            st.exclusive[hold->address] = st.next_id;
        }
    }

    Grant grant;
    grant.id = st.next_id++;
    grant.user = secret.name;
    grant.profile = profile.name;
    grant.service = request.service;
    grant.remote_address = lease.remote.address;
    grant.local_address = lease.local ? lease.local->address : 0;
    grant.routes = secret.routes;
    grant.dns_servers =
        pick(profile.dns_servers, fallback.dns_servers).value_or(std::vector<net::Ipv4>{});
    grant.wins_servers =
        pick(profile.wins_servers, fallback.wins_servers).value_or(std::vector<net::Ipv4>{});
    grant.change_tcp_mss = resolve(profile.change_tcp_mss, fallback.change_tcp_mss);
    grant.use_encryption = resolve(profile.use_encryption, fallback.use_encryption);
    grant.session_timeout_s =
        pick(profile.session_timeout_s, fallback.session_timeout_s).value_or(0);
    grant.idle_timeout_s = pick(profile.idle_timeout_s, fallback.idle_timeout_s).value_or(0);
    // The secret's rate-limit wins over the profile's (as a RADIUS-supplied one does in RouterOS).
    const auto& limit =
        secret.rate_limit ? secret.rate_limit : pick(profile.rate_limit, fallback.rate_limit);
    if (limit && (limit->rx.rate_bps || limit->tx.rate_bps)) {
        grant.rate_limit = *limit;
        if (limit->rx_bps) grant.rate_limit_rx_bps = limit->rx_bps;
        if (limit->tx_bps) grant.rate_limit_tx_bps = limit->tx_bps;
    }
    grant.limit_bytes_in = secret.limit_bytes_in;
    grant.limit_bytes_out = secret.limit_bytes_out;
    grant.address_list = pick(profile.address_list, fallback.address_list).value_or("");

    lease.info =
        ActiveGrant{grant.id,          grant.user,          grant.service,       grant.profile,
                    request.caller_id, grant.local_address, grant.remote_address};
    lease.info.address_list = grant.address_list;
    if (!grant.address_list.empty()) ++address_list_generation_;
    lease.default_profile = fallback.name;
    st.leases.emplace(grant.id, std::move(lease));
    ++st.sessions_per_user[grant.user];
    log::info(Topic::Aaa,
              "accepted '{}' via {} from {}: profile '{}', remote {} ({}), local {}, "
              "grant {}{}",
              user, to_string(request.service), printable(request.caller_id), grant.profile,
              net::to_string(grant.remote_address), describe(*remote_src),
              grant.local_address ? net::to_string(grant.local_address) : "none", grant.id,
              request.certificate_common_name
                  ? ", certificate CN '" + printable(*request.certificate_common_name) + "'"
                  : "");
    return grant;
}

void LocalAaa::release(const Grant& grant) {
    std::lock_guard lock(mutex_);
    auto& st = *state_;
    auto it = st.leases.find(grant.id);
    if (it == st.leases.end() || it->second.info.user != grant.user) {
        log::warning(Topic::Aaa, "release of grant {} ('{}') that is not active: ignored", grant.id,
                     printable(grant.user));
        return;
    }
    Lease& lease = it->second;
    st.give_back(lease.remote);
    if (lease.local) {
        if (lease.local_shared)
            st.unshare(lease.local->address);
        else
            st.give_back(*lease.local);
    }
    auto n = st.sessions_per_user.find(lease.info.user);
    if (n != st.sessions_per_user.end() && --n->second == 0) st.sessions_per_user.erase(n);
    log::info(Topic::Aaa, "released grant {} of '{}': {}", grant.id, printable(grant.user),
              net::to_string(lease.remote.address));
    if (!lease.info.address_list.empty()) ++address_list_generation_;
    st.leases.erase(it);
}

std::optional<std::string> LocalAaa::secret_password(const std::string& user,
                                                     Service service) const {
    std::lock_guard lock(mutex_);
    auto& cur = *state_->current;
    auto it = cur.secrets.find(user);
    if (it == cur.secrets.end() || it->second->disabled ||
        !service_allows(it->second->service, service))
        return std::nullopt;
    return it->second->password;
}

ReloadSummary LocalAaa::reload(AaaConfig config) {
    auto next = compile(std::move(config));
    std::lock_guard lock(mutex_);
    auto& st = *state_;
    ReloadSummary summary;
    std::set<std::shared_ptr<IpPool>> retiring;
    // Every held address that lies in a new pool is marked there, so the new pools never hand
    // out an address a live session holds; a lease whose address is in no new pool stays with
    // its old pool object, which lives on (retired) until its last lease is released.
    auto carry = [&](Hold& hold) {
        if (auto pool = next->pool_containing(hold.address)) {
            if (!pool->take(hold.address))
                log::error(Topic::Aaa, "reload: {} is held twice", net::to_string(hold.address));
            hold.pool = pool;
            ++summary.leases_moved;
        } else if (hold.pool) {
            retiring.insert(hold.pool);
            ++summary.leases_retired;
        }
    };
    for (auto& [id, lease] : st.leases) {
        carry(lease.remote);
        if (lease.local && !lease.local_shared) carry(*lease.local);
        auto s = next->secrets.find(lease.info.user);
        if (s == next->secrets.end() || s->second->disabled ||
            !service_allows(s->second->service, lease.info.service)) {
            summary.orphaned_grants.push_back(id);
        } else {
            // The rate-limit the grant would get now: the secret's, else its profile's, else
            // the default profile's (as authenticate resolves it), for live sessions to follow.
            auto profile_limit = [&](const std::string& name) -> std::optional<RateLimit> {
                auto p = next->profiles.find(name);
                return p == next->profiles.end() ? std::nullopt : p->second->rate_limit;
            };
            std::optional<RateLimit> limit = s->second->rate_limit;
            if (!limit) limit = profile_limit(lease.info.profile);
            if (!limit) limit = profile_limit(lease.default_profile);
            if (limit && !limit->rx.rate_bps && !limit->tx.rate_bps) limit.reset();
            summary.rate_limits.push_back({id, lease.info.remote_address, limit});
        }
        ++summary.grants_kept;
    }
    std::erase_if(st.retired, [](const std::weak_ptr<IpPool>& w) { return w.expired(); });
    for (auto& pool : retiring) {
        bool listed = false;
        for (auto& w : st.retired)
            listed = listed || w.lock() == pool;
        if (!listed) st.retired.push_back(pool);
    }
    // Fixed local addresses shared by live sessions stay out of the new pools' circulation.
    for (auto& [address, count] : st.shared)
        if (auto pool = next->pool_containing(address)) pool->reserve(address);
    st.current = std::move(next);
    log::info(Topic::Aaa,
              "configuration reloaded: {} secrets, {} profiles, {} pools; {} live grants kept "
              "({} orphaned)",
              st.current->config.secrets.size(), st.current->config.profiles.size(),
              st.current->config.pools.size(), summary.grants_kept, summary.orphaned_grants.size());
    return summary;
}

bool LocalAaa::has_profile(std::string_view name) const {
    std::lock_guard lock(mutex_);
    return state_->current->profiles.count(std::string(name)) > 0;
}

std::vector<PoolUsage> LocalAaa::pool_usage() const {
    std::lock_guard lock(mutex_);
    auto& st = *state_;
    std::vector<PoolUsage> out;
    auto usage = [](const IpPool& p, bool retired) {
        return PoolUsage{p.name(), p.size(), p.leased(), p.reserved(), p.available(), retired};
    };
    for (auto& p : st.current->pools)
        out.push_back(usage(*p, false));
    for (auto& w : st.retired)
        if (auto p = w.lock()) out.push_back(usage(*p, true));
    return out;
}

std::vector<ActiveGrant> LocalAaa::active_grants() const {
    std::lock_guard lock(mutex_);
    std::vector<ActiveGrant> out;
    for (auto& [id, lease] : state_->leases)
        out.push_back(lease.info);
    return out;
}

size_t LocalAaa::active_count() const {
    std::lock_guard lock(mutex_);
    return state_->leases.size();
}

} // namespace vp::aaa
