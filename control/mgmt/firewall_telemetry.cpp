// The firewall's telemetry tables (firewall_telemetry.hpp), built from the running configuration,
// the published filter set's rule counters and the connection table.
#include "control/mgmt/firewall_telemetry.hpp"

#include "base/ipv4.hpp"
#include "control/appliance.hpp"

#include <rte_byteorder.h>
#include <rte_cycles.h>

#include <string>

namespace vp::ctl {

namespace {

rte_tel_data* new_dict() {
    rte_tel_data* c = rte_tel_data_alloc();
    rte_tel_data_start_dict(c);
    return c;
}

const char* action_name(dp::fw::Action a) {
    switch (a) {
    case dp::fw::Action::accept:
        return "accept";
    case dp::fw::Action::drop:
        return "drop";
    case dp::fw::Action::reject:
        return "reject";
    case dp::fw::Action::add_src_to_list:
        return "add-src-to-address-list";
    case dp::fw::Action::add_dst_to_list:
        return "add-dst-to-address-list";
    default:
        return "change-mss";
    }
}

std::string endpoint_text(uint32_t addr_be, uint16_t port_be, bool ports) {
    std::string s = net::to_string(net::Ipv4{rte_be_to_cpu_32(addr_be)});
    if (ports) s += ":" + std::to_string(rte_be_to_cpu_16(port_be));
    return s;
}

} // namespace

// The firewall's filter (or mangle) rules in order with their counters summed over the workers
// (/ip firewall filter print stats), paged as profiles. The published set holds the filter rules
// and then the mangle rules.
void firewall_rules_dict(Appliance& a, size_t first, bool mangle, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    const auto& fw = a.config().firewall;
    const auto& rules = mangle ? fw.mangle : fw.filter;
    size_t offset = mangle ? fw.filter.size() : 0;
    const dp::fw::FilterSet* set = a.dataplane().filter();
    constexpr size_t page = 40;
    for (size_t row = first; row < rules.size(); ++row) {
        if (row == first + page) {
            rte_tel_data_add_dict_u64(d, "next", row);
            break;
        }
        const auto& r = rules[row];
        bool counted = set && offset + row < set->rules().size();
        dp::fw::RuleCounters n =
            counted ? set->total(static_cast<uint32_t>(offset + row)) : dp::fw::RuleCounters{};
        rte_tel_data* c = new_dict();
        rte_tel_data_add_dict_string(c, "chain",
                                     r.chain == dp::fw::Chain::input ? "input" : "forward");
        rte_tel_data_add_dict_string(c, "action", action_name(r.action));
        rte_tel_data_add_dict_string(c, "rule", r.text.c_str());
        rte_tel_data_add_dict_string(c, "comment", r.comment.c_str());
        rte_tel_data_add_dict_string(c, "disabled", r.disabled ? "yes" : "no");
        rte_tel_data_add_dict_u64(c, "packets", n.packets);
        rte_tel_data_add_dict_u64(c, "bytes", n.bytes);
        rte_tel_data_add_dict_container(d, std::to_string(row).c_str(), c, 0);
    }
}

// The NAT rules with their counters (/ip firewall nat print stats), paged as profiles.
void firewall_nat_dict(Appliance& a, size_t first, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    const auto& rules = a.config().firewall.nat;
    const dp::fw::FilterSet* set = a.dataplane().filter();
    constexpr size_t page = 40;
    for (size_t row = first; row < rules.size(); ++row) {
        if (row == first + page) {
            rte_tel_data_add_dict_u64(d, "next", row);
            break;
        }
        const auto& r = rules[row];
        rte_tel_data* c = new_dict();
        rte_tel_data_add_dict_string(c, "chain",
                                     r.chain == dp::fw::NatChain::srcnat ? "srcnat" : "dstnat");
        rte_tel_data_add_dict_string(c, "action",
                                     r.action == dp::fw::NatAction::masquerade ? "masquerade"
                                     : r.action == dp::fw::NatAction::src_nat  ? "src-nat"
                                                                               : "dst-nat");
        rte_tel_data_add_dict_string(c, "rule", r.text.c_str());
        rte_tel_data_add_dict_string(c, "comment", r.comment.c_str());
        rte_tel_data_add_dict_string(c, "disabled", r.disabled ? "yes" : "no");
        dp::fw::RuleCounters n = set && row < set->nat().size()
                                     ? set->nat_total(static_cast<uint32_t>(row))
                                     : dp::fw::RuleCounters{};
        rte_tel_data_add_dict_u64(c, "packets", n.packets);
        rte_tel_data_add_dict_u64(c, "bytes", n.bytes);
        rte_tel_data_add_dict_container(d, std::to_string(row).c_str(), c, 0);
    }
}

// The address lists' entries (/ip firewall address-list print): static ranges, then the
// sessions' dynamic addresses with their user, protocol and grant, then the timed entries with the
// seconds their timeout leaves; paged as profiles.
void firewall_address_list_dict(Appliance& a, size_t first, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    auto entries = address_list_entries(a.config().firewall, a.aaa().active_grants(),
                                        &a.address_list_store(), Appliance::now_ms());
    constexpr size_t page = 40;
    for (size_t row = first; row < entries.size(); ++row) {
        if (row == first + page) {
            rte_tel_data_add_dict_u64(d, "next", row);
            break;
        }
        const auto& e = entries[row];
        rte_tel_data* c = new_dict();
        rte_tel_data_add_dict_string(c, "flags", e.dynamic ? "D" : "");
        rte_tel_data_add_dict_string(c, "list", e.list.c_str());
        rte_tel_data_add_dict_string(c, "address", range_text(e.range).c_str());
        std::string session =
            e.dynamic && !e.user.empty()
                ? e.user + " (" + e.service + ", grant " + std::to_string(e.grant) + ")"
                : "";
        rte_tel_data_add_dict_string(c, "session", session.c_str());
        if (e.timeout_left_s) rte_tel_data_add_dict_u64(c, "timeout_s", *e.timeout_left_s);
        if (!e.origin.empty()) rte_tel_data_add_dict_string(c, "origin", e.origin.c_str());
        rte_tel_data_add_dict_container(d, std::to_string(row).c_str(), c, 0);
    }
}

// Connection tracking's gauges and counters.
void conntrack_dict(Appliance& a, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    const dp::ct::ConnTable* ct = a.dataplane().conntrack();
    rte_tel_data_add_dict_string(d, "tracking", ct ? "yes" : "no");
    if (!ct) return;
    dp::ct::Stats st = ct->stats();
    rte_tel_data_add_dict_u64(d, "connections", st.connections);
    rte_tel_data_add_dict_u64(d, "max_connections", st.capacity);
    rte_tel_data_add_dict_u64(d, "created", st.created);
    rte_tel_data_add_dict_u64(d, "expired", st.expired);
    uint64_t translated = 0, full = 0, exhausted = 0;
    for (dp::WorkerId w = 0; w < a.dataplane().worker_count(); ++w) {
        const auto& ws = a.dataplane().worker_stats(w);
        translated += ws[dp::WorkerCounter::nat_translated].get();
        full += ws.drop(dp::DropReason::conntrack_full).get();
        exhausted += ws.drop(dp::DropReason::nat_ports_exhausted).get();
    }
    rte_tel_data_add_dict_u64(d, "nat_translated", translated);
    rte_tel_data_add_dict_u64(d, "conntrack_full", full);
    rte_tel_data_add_dict_u64(d, "nat_ports_exhausted", exhausted);
}

// The tracked connections (/ip firewall connection print), paged.
void firewall_connections_dict(Appliance& a, size_t first, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    dp::ct::ConnTable* ct = a.dataplane().conntrack();
    if (!ct) return;
    constexpr size_t page = 40;
    auto conns = ct->snapshot(static_cast<uint32_t>(first + page + 1));
    uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
    for (size_t row = first; row < conns.size(); ++row) {
        if (row == first + page) {
            rte_tel_data_add_dict_u64(d, "next", row);
            break;
        }
        const dp::ct::Conn& c = *conns[row];
        const dp::ct::Key& o = c.key[0];
        const dp::ct::Key& r = c.key[1];
        bool ports = o.proto == 6 || o.proto == 17;
        uint8_t flags = c.flags.load(std::memory_order_relaxed);
        uint64_t last = c.last_tsc.load(std::memory_order_relaxed);
        rte_tel_data* e = new_dict();
        rte_tel_data_add_dict_u64(e, "protocol", o.proto);
        rte_tel_data_add_dict_string(e, "src", endpoint_text(o.src, o.sport, ports).c_str());
        rte_tel_data_add_dict_string(e, "dst", endpoint_text(o.dst, o.dport, ports).c_str());
        rte_tel_data_add_dict_string(e, "reply_src", endpoint_text(r.src, r.sport, ports).c_str());
        rte_tel_data_add_dict_string(e, "reply_dst", endpoint_text(r.dst, r.dport, ports).c_str());
        rte_tel_data_add_dict_string(e, "nat", flags & dp::ct::flag_nat ? "yes" : "no");
        rte_tel_data_add_dict_string(e, "replied", flags & dp::ct::flag_replied ? "yes" : "no");
        rte_tel_data_add_dict_u64(e, "idle_s", now > last ? (now - last) / hz : 0);
        rte_tel_data_add_dict_container(d, std::to_string(row).c_str(), e, 0);
    }
}

} // namespace vp::ctl
