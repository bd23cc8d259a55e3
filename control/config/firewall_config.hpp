// The `firewall` section (RouterOS /ip firewall) and `interface_lists` (RouterOS /interface list):
// filter rules resolved against the configured interfaces and lists into the dataplane's rule
// model, every error with file:line. Mangle rules are change-mss in the forward chain; NAT rules
// are srcnat (masquerade, src-nat) and dstnat (dst-nat) with connection tracking's settings.
// Address lists (firewall.address_lists) are merged into ranges that the rules naming them carry.
#pragma once

#include "control/config/reader.hpp"
#include "dataplane/conntrack/types.hpp"
#include "dataplane/firewall/rules.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace vp::config {

struct InterfaceConfig;

// An address list entry with a timeout (RouterOS `/ip firewall address-list add timeout=`): in the
// list from start-up (or the reload that added it) until the timeout runs out.
struct TimedListEntry {
    std::string list;
    dp::fw::Range32 range;
    uint32_t timeout_s = 0;
    std::string comment;
    friend bool operator==(const TimedListEntry&, const TimedListEntry&) = default;
};

struct FirewallConfig {
    bool icmp_echo = true;
    bool mss_clamp = true;
    // Interface list names by bit (dp::fw::list_ovpn, list_sstp, then the static lists) and the
    // list bits of each configured interface (by its index, which is its dataplane port id).
    std::vector<std::string> lists{"ovpn", "sstp"};
    std::vector<uint16_t> interface_lists;
    // firewall.address_lists (RouterOS /ip firewall address-list): each list's enabled entries,
    // merged (firewall_values.hpp merge_ranges). Rules get a copy of the ranges they name.
    std::map<std::string, std::vector<dp::fw::Range32>> address_lists;
    // The lists ppp profiles name in address_list: a session's tunnel address joins its
    // profile's list while the session is up (dynamic entries, as RouterOS does). Rules may name
    // them without a static entry (an empty list matches nothing until a session joins).
    // Also the lists that timed entries and add-src/dst-to-address-list rules fill.
    std::set<std::string> dynamic_lists;
    // firewall.address_lists entries with a timeout (not in address_lists: they come and go).
    std::vector<TimedListEntry> timed_entries;
    std::vector<dp::fw::FilterRule> filter;
    std::vector<dp::fw::FilterRule> mangle; // chain mangle_forward, action change_mss
    std::vector<dp::fw::NatRule> nat;
    // firewall.connection_tracking; the table exists when tracking() (NAT rules or a
    // connection_state matcher).
    uint32_t max_connections = 65536;
    dp::ct::Timeouts timeouts;
    bool tracking() const {
        if (!nat.empty()) return true;
        for (auto& r : filter)
            if (r.conn_state) return true;
        return false;
    }
};

void parse_interface_lists(Section& root, const std::vector<InterfaceConfig>& interfaces,
                           FirewallConfig& out);
// The address_list names of ppp_profiles (read before parse_firewall, so that rules may name
// them); the profiles themselves are parsed and checked by the AAA configuration.
void collect_dynamic_lists(const libconfig::Setting& root, FirewallConfig& out);
void parse_firewall(Section& s, const std::vector<InterfaceConfig>& interfaces,
                    FirewallConfig& out);

} // namespace vp::config
