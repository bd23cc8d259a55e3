// TEST FIXTURE implementation of the AAA contract.
#include "tests/ovpn_harness/fixture_aaa.hpp"

namespace vp::test {

FixtureAaa::FixtureAaa(std::vector<FixtureProfile> profiles, std::vector<FixtureSecret> secrets)
    : profiles_(std::move(profiles)), secrets_(std::move(secrets)) {}

const FixtureSecret* FixtureAaa::find_secret(const std::string& user) const {
    for (auto& s : secrets_)
        if (s.name == user) return &s;
    return nullptr;
}

const FixtureProfile* FixtureAaa::find_profile(const std::string& name) const {
    for (auto& p : profiles_)
        if (p.name == name) return &p;
    return nullptr;
}

std::optional<net::Ipv4> FixtureAaa::take_address(const FixtureProfile& profile) {
    if (!profile.pool) return std::nullopt;
    for (uint64_t a = profile.pool->first; a <= profile.pool->last; ++a) {
        auto addr = static_cast<net::Ipv4>(a);
        if (!in_use_.count(addr)) return addr;
    }
    return std::nullopt;
}

std::variant<aaa::Grant, aaa::Reject> FixtureAaa::authenticate(const aaa::AuthRequest& r) {
    last_request_ = r;
    const FixtureSecret* s = find_secret(r.user);
    if (!s) return aaa::Reject{aaa::RejectReason::UnknownUser, "no secret '" + r.user + "'"};
    if (s->disabled) return aaa::Reject{aaa::RejectReason::SecretDisabled, ""};
    if (s->service != aaa::Service::Any && s->service != r.service)
        return aaa::Reject{aaa::RejectReason::ServiceNotAllowed, ""};
    if (s->password != r.password) return aaa::Reject{aaa::RejectReason::WrongPassword, ""};
    const FixtureProfile* p = find_profile(s->profile);
    if (!p) return aaa::Reject{aaa::RejectReason::NoAddress, "no profile '" + s->profile + "'"};
    if (p->only_one) {
        for (auto& [id, g] : grants_)
            if (g.user == r.user) return aaa::Reject{aaa::RejectReason::AlreadyConnected, ""};
    }
    auto remote = s->remote_address ? s->remote_address : take_address(*p);
    if (!remote || in_use_.count(*remote))
        return aaa::Reject{aaa::RejectReason::NoAddress, "pool exhausted"};
    aaa::Grant g;
    g.id = next_id_++;
    g.user = r.user;
    g.profile = p->name;
    g.service = r.service;
    g.local_address = s->local_address.value_or(p->local_address);
    g.remote_address = *remote;
    g.remote_prefix_length = p->prefix_length;
    g.routes = s->routes;
    g.dns_servers = p->dns_servers;
    g.session_timeout_s = p->session_timeout_s;
    g.idle_timeout_s = p->idle_timeout_s;
    g.limit_bytes_in = s->limit_bytes_in;
    g.limit_bytes_out = s->limit_bytes_out;
    in_use_.insert(*remote);
    grants_[g.id] = g;
    return g;
}

void FixtureAaa::release(const aaa::Grant& grant) {
    auto it = grants_.find(grant.id);
    if (it == grants_.end()) return;
    in_use_.erase(it->second.remote_address);
    grants_.erase(it);
}

std::optional<std::string> FixtureAaa::secret_password(const std::string& user,
                                                       aaa::Service service) const {
    const FixtureSecret* s = find_secret(user);
    if (!s || s->disabled) return std::nullopt;
    if (s->service != aaa::Service::Any && s->service != service) return std::nullopt;
    return s->password;
}

} // namespace vp::test
