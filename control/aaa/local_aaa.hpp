// LocalAaa: the Aaa contract over the local database (/ppp secret, /ppp profile, /ip pool), as
// RouterOS's "local" authentication does it. Holds the configuration, the pools and the leases
// of live grants; reload() swaps the configuration while grants stay valid.
//
// Thread safety: every public function takes one mutex. Authentication is a handshake-rate
// operation on control threads, never a per-packet one, so a lock is the simple right tool.
// A PasswordCheck passed to authenticate_challenge() runs under that lock and must not call
// back into the same LocalAaa.
#pragma once

#include "control/aaa/aaa.hpp"
#include "control/aaa/aaa_config.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vp::aaa {

// One pool's occupancy, for `vpnctl` (RouterOS `/ip pool used` counts).
struct PoolUsage {
    std::string name;
    uint64_t total = 0;    // addresses in the ranges
    uint64_t used = 0;     // leased to live sessions
    uint64_t reserved = 0; // fixed addresses of the configuration inside the pool
    uint64_t available = 0;
    bool retired = false; // removed by a reload; kept until its last lease is released
};

// One live grant, for `vpnctl` (RouterOS `/ppp active`).
struct ActiveGrant {
    uint64_t id = 0;
    std::string user;
    Service service = Service::Ovpn;
    std::string profile;
    std::string caller_id;
    net::Ipv4 local_address = 0;
    net::Ipv4 remote_address = 0;
    std::string address_list; // the profile's address_list the remote address joined ("": none)
};

struct ReloadSummary {
    size_t grants_kept = 0;
    size_t leases_moved = 0;   // leases now accounted in a pool of the new configuration
    size_t leases_retired = 0; // leases whose address is in no new pool (released to the old one)
    // Grants whose secret is gone, disabled or no longer allows the grant's service. AAA does
    // not end sessions (RouterOS neither does); the caller decides.
    std::vector<uint64_t> orphaned_grants;
    // Every other grant's rate-limit under the new configuration (none: unlimited), which the
    // caller hands to the live sessions (control/rate_limit_reload.hpp).
    struct GrantRateLimit {
        uint64_t grant = 0;
        net::Ipv4 remote_address = 0; // the session's tunnel address
        std::optional<RateLimit> rate_limit;
    };
    std::vector<GrantRateLimit> rate_limits;
};

class LocalAaa final : public Aaa {
public:
    explicit LocalAaa(AaaConfig config);
    ~LocalAaa() override;
    LocalAaa(const LocalAaa&) = delete;
    LocalAaa& operator=(const LocalAaa&) = delete;

    std::variant<Grant, Reject> authenticate(const AuthRequest& request) override;
    std::variant<Grant, Reject> authenticate_challenge(const AuthRequest& request,
                                                       const PasswordCheck& check) override;
    void release(const Grant& grant) override;
    std::optional<std::string> secret_password(const std::string& user,
                                               Service service) const override;

    // New authentications use `config`; live grants keep their addresses and settings
    // (docs/aaa.md, "Reload").
    ReloadSummary reload(AaaConfig config);

    // Whether `name` is a profile (for cross-checking servers' default_profile settings).
    bool has_profile(std::string_view name) const;
    std::vector<PoolUsage> pool_usage() const;
    std::vector<ActiveGrant> active_grants() const;
    size_t active_count() const;
    // Changes whenever a grant with an address_list is made or released: the firewall resolves
    // its address lists again (control/address_lists.hpp) when it differs from what it applied.
    uint64_t address_list_generation() const { return address_list_generation_.load(); }

private:
    struct State;
    std::variant<Grant, Reject> authenticate_locked(const AuthRequest& request,
                                                    const PasswordCheck* check);

    mutable std::mutex mutex_;
    std::atomic<uint64_t> address_list_generation_{0};
    std::unique_ptr<State> state_;
};

} // namespace vp::aaa
