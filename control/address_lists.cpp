// Firewall address lists at run time (address_lists.hpp) and the appliance's recompilation of its
// filter set when a session joins or leaves a profile's list.
#include "control/address_lists.hpp"

#include "base/log.hpp"
#include "control/appliance.hpp"
#include "control/config/firewall_values.hpp"

#include <algorithm>
#include <chrono>

namespace vp::ctl {

std::map<std::string, std::vector<dp::fw::Range32>>
dynamic_address_lists(const std::vector<aaa::ActiveGrant>& grants) {
    std::map<std::string, std::vector<dp::fw::Range32>> out;
    for (auto& g : grants)
        if (!g.address_list.empty())
            out[g.address_list].push_back({g.remote_address, g.remote_address});
    for (auto& [name, ranges] : out)
        ranges = config::fw::merge_ranges(std::move(ranges));
    return out;
}

void merge_address_lists(std::map<std::string, std::vector<dp::fw::Range32>>& lists,
                         const std::map<std::string, std::vector<dp::fw::Range32>>& more) {
    for (auto& [name, ranges] : more) {
        auto& to = lists[name];
        to.insert(to.end(), ranges.begin(), ranges.end());
        to = config::fw::merge_ranges(std::move(to));
    }
}

void AddressListStore::sync_config(const std::vector<config::TimedListEntry>& entries,
                                   uint64_t now_ms) {
    std::set<std::pair<Key, uint32_t>> seen;
    for (auto& e : entries) {
        std::pair<Key, uint32_t> id{Key{e.list, e.range.lo, e.range.hi}, e.timeout_s};
        seen.insert(id);
        if (config_seen_.count(id)) continue; // loaded before: its clock goes on
        auto [it, added] = entries_.insert_or_assign(
            id.first, Entry{now_ms + uint64_t{e.timeout_s} * 1000, "config"});
        (void)it;
        if (added) {
            ++counters_.added;
            ++generation_;
        }
    }
    for (auto& id : config_seen_)
        if (!seen.count(id))
            if (auto it = entries_.find(id.first);
                it != entries_.end() && it->second.origin == "config") {
                entries_.erase(it);
                ++generation_;
            }
    config_seen_ = std::move(seen);
}

void AddressListStore::add(const std::string& list, uint32_t address, uint32_t timeout_s,
                           uint32_t rule, uint64_t now_ms) {
    Key key{list, address, address};
    uint64_t expires = timeout_s ? now_ms + uint64_t{timeout_s} * 1000 : 0;
    if (auto it = entries_.find(key); it != entries_.end()) {
        Entry& e = it->second;
        if (e.expires_ms != 0) e.expires_ms = expires == 0 ? 0 : std::max(e.expires_ms, expires);
        ++counters_.refreshed;
        return;
    }
    if (entries_.size() >= max_entries) {
        ++counters_.full;
        return;
    }
    entries_.emplace(key, Entry{expires, "rule " + std::to_string(rule)});
    ++counters_.added;
    ++generation_;
}

void AddressListStore::expire(uint64_t now_ms) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->second.expires_ms != 0 && it->second.expires_ms <= now_ms) {
            it = entries_.erase(it);
            ++counters_.expired;
            ++generation_;
        } else {
            ++it;
        }
    }
}

std::map<std::string, std::vector<dp::fw::Range32>> AddressListStore::lists() const {
    std::map<std::string, std::vector<dp::fw::Range32>> out;
    for (auto& [key, e] : entries_)
        out[key.list].push_back({key.lo, key.hi});
    for (auto& [name, ranges] : out)
        ranges = config::fw::merge_ranges(std::move(ranges));
    return out;
}

std::vector<AddressListEntry> AddressListStore::entries(uint64_t now_ms) const {
    std::vector<AddressListEntry> out;
    for (auto& [key, e] : entries_) {
        AddressListEntry row{key.list, {key.lo, key.hi}, true, {}, {}, 0, std::nullopt, e.origin};
        if (e.expires_ms)
            row.timeout_left_s = (e.expires_ms - std::min(e.expires_ms, now_ms)) / 1000;
        out.push_back(std::move(row));
    }
    return out;
}

namespace {

dp::fw::AddressRanges resolve(const std::string& name_text, const config::FirewallConfig& fw,
                              const std::map<std::string, std::vector<dp::fw::Range32>>& dynamic) {
    bool negated = name_text[0] == '!';
    std::string name = negated ? name_text.substr(1) : name_text;
    std::vector<dp::fw::Range32> ranges;
    if (auto it = fw.address_lists.find(name); it != fw.address_lists.end()) ranges = it->second;
    if (auto it = dynamic.find(name); it != dynamic.end()) {
        ranges.insert(ranges.end(), it->second.begin(), it->second.end());
        ranges = config::fw::merge_ranges(std::move(ranges));
    }
    return negated ? config::fw::complement_ranges(ranges) : ranges;
}

template <class Rules>
void resolve_rules(Rules& rules, const config::FirewallConfig& fw,
                   const std::map<std::string, std::vector<dp::fw::Range32>>& dynamic) {
    for (auto& r : rules) {
        if (!r.src_list_name.empty()) r.src_list = resolve(r.src_list_name, fw, dynamic);
        if (!r.dst_list_name.empty()) r.dst_list = resolve(r.dst_list_name, fw, dynamic);
    }
}

template <class Rules>
bool names_dynamic(const Rules& rules, const config::FirewallConfig& fw) {
    auto dynamic = [&](const std::string& n) {
        return !n.empty() && fw.dynamic_lists.count(n[0] == '!' ? n.substr(1) : n) != 0;
    };
    for (auto& r : rules)
        if (!r.disabled && (dynamic(r.src_list_name) || dynamic(r.dst_list_name))) return true;
    return false;
}

} // namespace

void resolve_address_lists(config::FirewallConfig& fw,
                           const std::map<std::string, std::vector<dp::fw::Range32>>& dynamic) {
    resolve_rules(fw.filter, fw, dynamic);
    resolve_rules(fw.mangle, fw, dynamic);
    resolve_rules(fw.nat, fw, dynamic);
}

bool uses_dynamic_lists(const config::FirewallConfig& fw) {
    return names_dynamic(fw.filter, fw) || names_dynamic(fw.mangle, fw) ||
           names_dynamic(fw.nat, fw);
}

std::vector<AddressListEntry> address_list_entries(const config::FirewallConfig& fw,
                                                   const std::vector<aaa::ActiveGrant>& grants,
                                                   const AddressListStore* store, uint64_t now_ms) {
    std::vector<AddressListEntry> out;
    for (auto& [name, ranges] : fw.address_lists)
        for (auto& r : ranges)
            out.push_back({name, r, false, {}, {}, 0, std::nullopt, {}});
    std::vector<AddressListEntry> dynamic;
    for (auto& g : grants)
        if (!g.address_list.empty())
            dynamic.push_back({g.address_list,
                               {g.remote_address, g.remote_address},
                               true,
                               g.user,
                               aaa::to_string(g.service),
                               g.id,
                               std::nullopt,
                               {}});
    std::stable_sort(dynamic.begin(), dynamic.end(), [](auto& a, auto& b) {
        return a.list != b.list ? a.list < b.list : a.range.lo < b.range.lo;
    });
    out.insert(out.end(), dynamic.begin(), dynamic.end());
    if (store) {
        auto timed = store->entries(now_ms);
        out.insert(out.end(), timed.begin(), timed.end());
    }
    return out;
}

std::string range_text(dp::fw::Range32 r) {
    if (r.lo == r.hi) return net::to_string(r.lo);
    uint64_t size = uint64_t{r.hi} - r.lo + 1;
    if ((size & (size - 1)) == 0 && (r.lo & (size - 1)) == 0) {
        unsigned length = 32;
        while (size > 1) {
            size >>= 1;
            --length;
        }
        return net::to_string(r.lo) + "/" + std::to_string(length);
    }
    return net::to_string(r.lo) + "-" + net::to_string(r.hi);
}

// A worker's add-src/dst-to-address-list report: the rule (of the set that classified the packet,
// else it is stale) names the list and the timeout.
void Appliance::on_address_list_add(const dp::PuntEntry& e, uint64_t now) {
    const dp::fw::FilterSet* set = dp_->filter();
    auto& p = e.payload.address_list;
    if (!set || set->generation() != p.generation || p.rule >= set->rules().size() ||
        dp::fw::decides(set->rules()[p.rule].action)) {
        list_store_.count_stale();
        return;
    }
    const dp::fw::FilterRule& rule = set->rules()[p.rule];
    list_store_.add(rule.address_list, p.address, rule.address_list_timeout_s, p.rule, now);
}

// The control loop's part: when a grant with an address_list came or went, compile the filter set
// again with the lists' new contents and publish it (RCU: workers finish their burst on the old
// set, no packet waits or is lost), at most once per address_list_coalesce_ms (longer after a
// slow compilation).
void Appliance::update_address_lists(uint64_t now) {
    list_store_.expire(now);
    uint64_t generation = aaa_->address_list_generation() + list_store_.generation();
    if (generation == list_generation_ || now < next_list_rebuild_ms_) return;
    list_generation_ = generation;
    if (!uses_dynamic_lists(config_.firewall)) return;
    auto start = std::chrono::steady_clock::now();
    auto set = make_filter(config_);
    auto us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now() - start)
                                        .count());
    // The next compilation waits at least the coalescing interval and four times this one's
    // duration: compiling takes at most a fifth of the control thread in a login storm.
    next_list_rebuild_ms_ = now + us / 1000 + std::max(address_list_coalesce_ms, 4 * us / 1000);
    if (!set.ok()) {
        ++list_stats_.rebuild_failures;
        log::warning(log::Topic::System,
                     "firewall: address lists changed but the rules could not be compiled "
                     "again ({}); the previous rule set stays",
                     set.error().message);
        return;
    }
    if (*set && dp_->filter()) (*set)->share_counters(*dp_->filter());
    dp_->set_filter(std::move(*set));
    ++list_stats_.rebuilds;
    list_stats_.last_rebuild_us = us;
    list_stats_.max_rebuild_us = std::max(list_stats_.max_rebuild_us, us);
}

} // namespace vp::ctl
