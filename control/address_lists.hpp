// Firewall address lists at run time (RouterOS /ip firewall address-list): the static entries of
// firewall.address_lists plus the dynamic ones a ppp profile's address_list adds for each live
// session (RouterOS's "D" entries), from the session's grant until its release. Rules carry the
// lists' names; resolve_address_lists() turns them into the ranges the ACL compiler expands
// (static and dynamic entries merged), and the appliance recompiles its filter set with them
// when the grants change (Appliance::update_address_lists, at most every
// address_list_coalesce_ms; docs/architecture.md "Dynamic address lists").
#pragma once

#include "control/aaa/local_aaa.hpp"
#include "control/config/firewall_config.hpp"
#include "dataplane/firewall/rules.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vp::ctl {

// Changes to dynamic entries within this many milliseconds are compiled together (and within
// four times the last compilation's duration, when that is longer).
inline constexpr uint64_t address_list_coalesce_ms = 100;

// One row of `vpnctl firewall address-list`: a static list's merged range, or a session's address.
struct AddressListEntry {
    std::string list;
    dp::fw::Range32 range; // host order
    bool dynamic = false;
    // dynamic: the session's grant (user, protocol, grant id as in the AAA log)
    std::string user;
    std::string service;
    uint64_t grant = 0;
};

// Each list's dynamic addresses (as merged ranges) from the live grants.
std::map<std::string, std::vector<dp::fw::Range32>>
dynamic_address_lists(const std::vector<aaa::ActiveGrant>& grants);

// Resolves every filter, mangle and NAT rule's list names again: the static entries merged with
// `dynamic`, complemented for "!name".
void resolve_address_lists(config::FirewallConfig& fw,
                           const std::map<std::string, std::vector<dp::fw::Range32>>& dynamic);

// Whether an enabled rule names a list that a profile fills (only then do grants matter).
bool uses_dynamic_lists(const config::FirewallConfig& fw);

// Every entry: static lists' ranges first (by list name), then the dynamic ones by list.
std::vector<AddressListEntry> address_list_entries(const config::FirewallConfig& fw,
                                                   const std::vector<aaa::ActiveGrant>& grants);

// RouterOS's address notation: "10.0.0.1", "10.0.0.0/24" or "10.0.0.1-10.0.0.5".
std::string range_text(dp::fw::Range32 r);

// The dynamic-list counters (telemetry and metrics).
struct AddressListStats {
    uint64_t rebuilds = 0;         // filter sets compiled for a change of dynamic entries
    uint64_t rebuild_failures = 0; // compilations that failed (the previous set stays)
    uint64_t last_rebuild_us = 0;  // how long the last one took
    uint64_t max_rebuild_us = 0;
};

} // namespace vp::ctl
