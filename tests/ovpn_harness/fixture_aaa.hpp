// TEST FIXTURE: a small in-memory implementation of vp::aaa::Aaa for the OpenVPN server's unit
// tests and the real-client harness, until the real AAA (control/aaa) is wired in by the lead.
// It models just enough of RouterOS: secrets (password, service any|ovpn, disabled,
// remote-address, routes, profile), profiles (local-address, a pool range, prefix length, DNS,
// only-one, session-timeout), address hand-out and return.
#pragma once

#include "control/aaa/aaa.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vp::test {

struct FixtureProfile {
    std::string name = "default";
    net::Ipv4 local_address = 0;
    std::optional<net::Ipv4Range> pool;
    uint8_t prefix_length = 24;
    std::vector<net::Ipv4> dns_servers;
    bool only_one = false;
    uint32_t session_timeout_s = 0;
    uint32_t idle_timeout_s = 0;
};

struct FixtureSecret {
    std::string name;
    std::string password;
    std::string profile = "default";
    aaa::Service service = aaa::Service::Any;
    bool disabled = false;
    std::optional<net::Ipv4> local_address;
    std::optional<net::Ipv4> remote_address;
    std::vector<aaa::Route> routes;
    std::optional<uint64_t> limit_bytes_in, limit_bytes_out;
};

class FixtureAaa final : public aaa::Aaa {
public:
    FixtureAaa(std::vector<FixtureProfile> profiles, std::vector<FixtureSecret> secrets);

    std::variant<aaa::Grant, aaa::Reject> authenticate(const aaa::AuthRequest& request) override;
    void release(const aaa::Grant& grant) override;
    std::optional<std::string> secret_password(const std::string& user,
                                               aaa::Service service) const override;

    size_t active_grants() const { return grants_.size(); }
    const aaa::AuthRequest& last_request() const { return last_request_; }
    size_t addresses_in_use() const { return in_use_.size(); }
    std::vector<FixtureSecret>& secrets() { return secrets_; }

private:
    const FixtureSecret* find_secret(const std::string& user) const;
    const FixtureProfile* find_profile(const std::string& name) const;
    std::optional<net::Ipv4> take_address(const FixtureProfile& profile);

    std::vector<FixtureProfile> profiles_;
    std::vector<FixtureSecret> secrets_;
    std::map<uint64_t, aaa::Grant> grants_;
    std::set<net::Ipv4> in_use_;
    aaa::AuthRequest last_request_;
    uint64_t next_id_ = 1;
};

} // namespace vp::test
