// The AAA configuration: the `ip_pools`, `ppp_profiles` and `ppp_secrets` sections of the
// daemon's libconfig file, mirroring RouterOS's /ip pool, /ppp profile and /ppp secret
// (property names with '-' -> '_'). parse_aaa_config() reads and cross-checks them with the
// strict config reader; docs/aaa.md lists every setting, its default and the choices made.
#pragma once

#include "control/aaa/aaa.hpp"
#include "control/aaa/values.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vp::config {
class Diagnostics;
}

namespace vp::aaa {

// RouterOS's yes | no | default, where `default` defers to the server's default-profile.
enum class Tristate : uint8_t { Default, Yes, No };
enum class EncryptionSetting : uint8_t { Default, No, Yes, Required };

// A profile's local-address / remote-address: a fixed address or the name of a pool.
using AddressSource = std::variant<net::Ipv4, std::string>;

struct IpPoolConfig {
    std::string name;
    std::vector<net::Ipv4Range> ranges; // as written; non-overlapping (checked)
    std::string next_pool;              // "": none
    std::string comment;
    uint64_t size() const;
};

struct PppProfile {
    std::string name;
    bool builtin = false; // `default` or `default-encryption`
    std::optional<AddressSource> local_address;
    std::optional<AddressSource> remote_address;
    std::optional<std::vector<net::Ipv4>> dns_servers; // unset: inherit from the default profile
    std::optional<std::vector<net::Ipv4>> wins_servers;
    Tristate only_one = Tristate::Default;
    Tristate change_tcp_mss = Tristate::Default;
    EncryptionSetting use_encryption = EncryptionSetting::Default;
    std::optional<uint32_t> session_timeout_s; // 0: explicitly none
    std::optional<uint32_t> idle_timeout_s;
    std::optional<RateLimit> rate_limit;
    std::optional<std::string> address_list;
    std::string comment;
};

struct PppSecret {
    std::string name;
    std::string password;
    Service service = Service::Any;
    std::string profile = "default";
    std::optional<net::Ipv4> local_address;
    std::optional<net::Ipv4> remote_address;
    std::vector<Route> routes;
    std::optional<net::Ipv4> caller_id; // for ovpn/sstp: the address the client must come from
    bool disabled = false;
    std::optional<uint64_t> limit_bytes_in;
    std::optional<uint64_t> limit_bytes_out;
    std::optional<RateLimit> rate_limit; // overrides the profile's (RADIUS-style, per user)
    std::string comment;
};

struct AaaConfig {
    std::vector<IpPoolConfig> pools;
    std::vector<PppProfile> profiles; // always starts with the built-ins (maybe adjusted)
    std::vector<PppSecret> secrets;

    const IpPoolConfig* pool(std::string_view name) const;
    const PppProfile* profile(std::string_view name) const;
    const PppSecret* secret(std::string_view name) const;
};

inline constexpr std::string_view kDefaultProfile = "default";
inline constexpr std::string_view kDefaultEncryptionProfile = "default-encryption";

// The configuration with no pools or secrets: RouterOS's two built-in profiles,
//   default:            change-tcp-mss=yes, only-one=default, use-encryption=default
//   default-encryption: change-tcp-mss=yes, only-one=default, use-encryption=yes
AaaConfig builtin_aaa_config();

// Reads `ip_pools`, `ppp_profiles` and `ppp_secrets` from the file's root group (other sections
// are left to their own parsers; the caller runs root.finish()). Errors, located as
// "file:line: path: what", go to the root's diagnostics; returns nullopt if this call added any.
std::optional<AaaConfig> parse_aaa_config(config::Section& root);

// For tests and tools: a whole libconfig text holding only these three sections.
Result<AaaConfig> aaa_config_from_string(const std::string& text);

} // namespace vp::aaa
