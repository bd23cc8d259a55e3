// Firewall address lists at run time (RouterOS /ip firewall address-list): the static entries of
// firewall.address_lists plus the dynamic ones (RouterOS's "D" entries): those a ppp profile's
// address_list adds for each live session, from the session's grant until its release, and the
// timed ones (AddressListStore): entries with a timeout, and the addresses that
// add-src/dst-to-address-list rules report from the workers. Rules carry the
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
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vp::ctl {

// Changes to dynamic entries within this many milliseconds are compiled together (and within
// four times the last compilation's duration, when that is longer).
inline constexpr uint64_t address_list_coalesce_ms = 100;

// One row of `vpnctl firewall address-list`: a static list's merged range, a session's address,
// or a timed entry.
struct AddressListEntry {
    std::string list;
    dp::fw::Range32 range; // host order
    bool dynamic = false;
    // dynamic: the session's grant (user, protocol, grant id as in the AAA log)
    std::string user;
    std::string service;
    uint64_t grant = 0;
    // timed entries: what the timeout leaves (nullopt: none, until a restart), and the origin
    std::optional<uint64_t> timeout_left_s;
    std::string origin; // "config" or "rule N" (the filter rule's index)
};

// The timed entries: RouterOS's address-list entries with a timeout (firewall.address_lists with
// `timeout`) and those add-src/dst-to-address-list rules add. The control loop owns it; the
// appliance recompiles the filter set when generation() moves (coalesced, like the sessions').
class AddressListStore {
public:
    static constexpr size_t max_entries = 65536;
    struct Counters {
        uint64_t added = 0;     // entries that joined a list
        uint64_t refreshed = 0; // adds of an entry already there (its timeout starts again)
        uint64_t expired = 0;   // entries whose timeout ran out
        uint64_t full = 0;      // adds refused: max_entries
        uint64_t stale = 0;     // worker reports about a rule set that was replaced meanwhile
    };

    // The configuration's timed entries: an entry not loaded before starts its timeout now; one
    // loaded before keeps its clock (and stays gone once expired); entries removed from the
    // configuration leave the lists.
    void sync_config(const std::vector<config::TimedListEntry>& entries, uint64_t now_ms);
    // A rule's report: `address` joins `list` for timeout_s seconds (0: until a restart). An
    // address already there gets the longer of its two timeouts.
    void add(const std::string& list, uint32_t address, uint32_t timeout_s, uint32_t rule,
             uint64_t now_ms);
    void expire(uint64_t now_ms);
    void count_stale() { ++counters_.stale; }

    std::map<std::string, std::vector<dp::fw::Range32>> lists() const; // merged ranges
    std::vector<AddressListEntry> entries(uint64_t now_ms) const;
    uint64_t generation() const { return generation_; } // moves when a list's members change
    const Counters& counters() const { return counters_; }

private:
    struct Key {
        std::string list;
        uint32_t lo, hi;
        auto operator<=>(const Key&) const = default;
    };
    struct Entry {
        uint64_t expires_ms = 0; // 0: never
        std::string origin;
    };
    std::map<Key, Entry> entries_;
    std::set<std::pair<Key, uint32_t>> config_seen_; // configuration entries and their timeouts
    uint64_t generation_ = 0;
    Counters counters_;
};

// Each list's dynamic addresses (as merged ranges) from the live grants.
std::map<std::string, std::vector<dp::fw::Range32>>
dynamic_address_lists(const std::vector<aaa::ActiveGrant>& grants);
// Adds `more` (merged ranges per list) to `lists`.
void merge_address_lists(std::map<std::string, std::vector<dp::fw::Range32>>& lists,
                         const std::map<std::string, std::vector<dp::fw::Range32>>& more);

// Resolves every filter, mangle and NAT rule's list names again: the static entries merged with
// `dynamic`, complemented for "!name".
void resolve_address_lists(config::FirewallConfig& fw,
                           const std::map<std::string, std::vector<dp::fw::Range32>>& dynamic);

// Whether an enabled rule names a list that a profile fills (only then do grants matter).
bool uses_dynamic_lists(const config::FirewallConfig& fw);

// Every entry: static lists' ranges first (by list name), then the sessions' by list, then the
// timed ones of `store` (when given).
std::vector<AddressListEntry> address_list_entries(const config::FirewallConfig& fw,
                                                   const std::vector<aaa::ActiveGrant>& grants,
                                                   const AddressListStore* store = nullptr,
                                                   uint64_t now_ms = 0);

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
