// Parsing of `interface_lists` and `firewall`. A rule is a group of RouterOS properties with `-`
// written `_`; the parser checks each against the chain (no out-interface on input), the protocol
// (ports only with tcp/udp, flags only with tcp, icmp options only with icmp) and the configured
// names, and keeps the rule's text for `vpnctl firewall filter`.
#include "control/config/firewall_config.hpp"

#include "control/config/appliance_config.hpp"
#include "control/config/firewall_values.hpp"

#include <algorithm>

namespace vp::config {

namespace {

using dp::fw::Action;
using dp::fw::Chain;
using dp::fw::FilterRule;

// RouterOS properties that vpnplane knows but does not implement yet: refused by name.
constexpr std::array<const char*, 9> not_implemented = {
    "connection_nat_state", "connection_mark", "jump_target",    "log", "log_prefix", "limit",
    "packet_mark",          "routing_mark",    "layer7_protocol"};

// Ranges one address list may hold after merging: each is one ACL entry per rule naming it.
constexpr size_t max_address_list_ranges = 16384;

std::string render(const libconfig::Setting& s) {
    switch (s.getType()) {
    case libconfig::Setting::TypeString:
        return s.c_str();
    case libconfig::Setting::TypeInt:
        return std::to_string(static_cast<int>(s));
    case libconfig::Setting::TypeInt64:
        return std::to_string(static_cast<long long>(s));
    case libconfig::Setting::TypeBoolean:
        return static_cast<bool>(s) ? "yes" : "no";
    default:
        return "...";
    }
}

// "chain=forward action=drop protocol=tcp dst-port=80", in the order the operator wrote them.
std::string rule_text(const libconfig::Setting& g) {
    std::string text;
    for (int i = 0; i < g.getLength(); ++i) {
        std::string name = g[i].getName();
        if (name == "comment" || name == "disabled") continue;
        std::replace(name.begin(), name.end(), '_', '-');
        text += (text.empty() ? "" : " ") + name + "=" + render(g[i]);
    }
    return text;
}

int interface_index(const std::vector<InterfaceConfig>& interfaces, const std::string& name) {
    for (size_t i = 0; i < interfaces.size(); ++i)
        if (interfaces[i].name == name) return static_cast<int>(i);
    return -1;
}

template <class T>
bool take(Section& s, const char* name, Result<T> r, T& out) {
    if (!r.ok()) {
        s.error(name, r.error().message);
        return false;
    }
    out = std::move(*r);
    return true;
}

void parse_change_mss(Section& r, FilterRule& rule) {
    rule.chain = Chain::mangle_forward;
    auto chain = r.req_string("chain");
    if (!chain.empty() && chain != "forward")
        r.error("chain", "'" + chain + "' is not supported: mangle rules run in the forward chain");
    auto action = r.req_string("action");
    if (!action.empty() && action != "change-mss")
        r.error("action", "'" + action + "' is not supported: the mangle action is change-mss");
    rule.action = Action::change_mss;
    if (!r.has("new_mss")) {
        r.error("new_mss", "is required: a value (e.g. 1380) or \"clamp-to-pmtu\"");
    } else if (r.setting()["new_mss"].getType() == libconfig::Setting::TypeString) {
        auto t = r.get_string("new_mss", "");
        if (t == "clamp-to-pmtu")
            rule.new_mss = 0;
        else if (auto n = config::fw::parse_ports(t);
                 n.ok() && n->size() == 1 && (*n)[0].lo == (*n)[0].hi && (*n)[0].lo >= 88)
            rule.new_mss = (*n)[0].lo;
        else
            r.error("new_mss", "'" + t + "' is not 88..65535 or \"clamp-to-pmtu\"");
    } else {
        rule.new_mss = static_cast<uint16_t>(r.get_int("new_mss", 1380, 88, 65535));
    }
    if (r.has("tcp_mss")) {
        std::string text = render(r.setting()["tcp_mss"]);
        r.delegate("tcp_mss");
        std::vector<dp::fw::Range16> range;
        if (take(r, "tcp_mss", config::fw::parse_ports(text), range)) {
            if (range.size() != 1)
                r.error("tcp_mss", "is one value or one range (e.g. 1381-65535)");
            else
                rule.tcp_mss = range[0];
        }
    }
}

// The matchers filter and NAT rules share: protocol (a number or a name), addresses, ports,
// in/out interface and interface lists.
template <class Rule>
void parse_matchers(Section& r, const std::vector<InterfaceConfig>& interfaces,
                    const FirewallConfig& cfg, Rule& rule) {
    if (r.has("protocol")) {
        // A number or a name.
        auto& p = r.setting()["protocol"];
        std::string text = render(p);
        r.delegate("protocol");
        uint8_t proto = 0;
        if (take(r, "protocol", config::fw::parse_protocol(text), proto)) rule.protocol = proto;
    }
    for (auto [name, range] :
         {std::pair{"src_address", &rule.src_address}, std::pair{"dst_address", &rule.dst_address}})
        if (auto t = r.opt_string(name)) take(r, name, config::fw::parse_address(*t), *range);
    for (auto [name, ports] :
         {std::pair{"src_port", &rule.src_ports}, std::pair{"dst_port", &rule.dst_ports}}) {
        if (!r.has(name)) continue;
        std::string text = render(r.setting()[name]);
        r.delegate(name);
        if (rule.protocol != 6 && rule.protocol != 17)
            r.error(name, "needs protocol = \"tcp\" or \"udp\"");
        take(r, name, config::fw::parse_ports(text), *ports);
    }
    for (auto [name, id] : {std::pair{"in_interface", &rule.in_interface},
                            std::pair{"out_interface", &rule.out_interface}}) {
        auto t = r.opt_string(name);
        if (!t) continue;
        int i = interface_index(interfaces, *t);
        if (i < 0)
            r.error(name, "'" + *t +
                              "' is not a configured interface (tunnel sessions are matched "
                              "through the interface lists ovpn and sstp)");
        else
            *id = static_cast<uint8_t>(i);
    }
    for (auto [name, bits] : {std::pair{"in_interface_list", &rule.in_lists},
                              std::pair{"out_interface_list", &rule.out_lists}}) {
        auto t = r.opt_string(name);
        if (!t) continue;
        auto it = std::find(cfg.lists.begin(), cfg.lists.end(), *t);
        if (it == cfg.lists.end())
            r.error(name, "'" + *t + "' is not an interface list (ovpn, sstp or one of " +
                              "interface_lists)");
        else
            *bits = static_cast<uint16_t>(1u << (it - cfg.lists.begin()));
    }
    for (auto [name, list] : {std::pair{"src_address_list", &rule.src_list},
                              std::pair{"dst_address_list", &rule.dst_list}}) {
        auto t = r.opt_string(name);
        if (!t) continue;
        bool negated = !t->empty() && (*t)[0] == '!';
        std::string list_name = negated ? t->substr(1) : *t;
        auto it = cfg.address_lists.find(list_name);
        bool dynamic = cfg.dynamic_lists.count(list_name) != 0;
        if (it == cfg.address_lists.end() && !dynamic)
            r.error(name, "'" + list_name +
                              "' is not a list of firewall.address_lists, the address_list "
                              "of a ppp profile nor of an add-to-address-list rule");
        else if (!dynamic && it->second.empty())
            r.error(name, "'" + list_name +
                              "' has no enabled addresses (a rule on an empty list "
                              "would never match)");
        else {
            std::vector<dp::fw::Range32> ranges;
            if (it != cfg.address_lists.end()) ranges = it->second;
            *list = negated ? config::fw::complement_ranges(ranges) : ranges;
            (name == std::string_view("src_address_list") ? rule.src_list_name
                                                          : rule.dst_list_name) = *t;
        }
    }
}

// firewall.address_lists: groups { list; addresses; disabled; comment; }, several per list
// (RouterOS keeps one entry per address). Disabled entries keep their list known.
void parse_address_lists(Section& s, FirewallConfig& out) {
    std::map<std::string, std::vector<dp::fw::Range32>> raw;
    for (auto& g : s.groups("address_lists")) {
        auto list = g.req_string("list");
        if (!list.empty() && list[0] == '!') g.error("list", "a list name cannot start with '!'");
        auto addresses = g.get_string_list("addresses");
        if (g.has("addresses") && addresses.empty()) g.error("addresses", "is empty");
        if (!g.has("addresses")) g.error("addresses", "is required (addresses, prefixes, ranges)");
        bool disabled = g.get_bool("disabled", false);
        auto comment = g.get_string("comment", "");
        // RouterOS's timeout: the entry is dynamic and leaves the list when it runs out.
        auto timeout = static_cast<uint32_t>(g.get_seconds("timeout", 0, 1, 35 * 86400));
        auto& ranges = raw[list];
        for (auto& a : addresses) {
            dp::fw::Range32 r;
            if (!take(g, "addresses", config::fw::parse_address(a), r) || disabled) continue;
            if (timeout)
                out.timed_entries.push_back({list, r, timeout, comment});
            else
                ranges.push_back(r);
        }
        if (timeout) out.dynamic_lists.insert(list);
        g.finish();
    }
    for (auto& [name, ranges] : raw) {
        auto merged = config::fw::merge_ranges(std::move(ranges));
        if (merged.size() > max_address_list_ranges)
            s.error("address_lists", "list '" + name + "' holds " + std::to_string(merged.size()) +
                                         " separate ranges; at most " +
                                         std::to_string(max_address_list_ranges));
        out.address_lists[name] = std::move(merged);
    }
}

// The ACL entries of each chain, checked as rules are added: port lists, connection states and
// address lists multiply (dp::fw::acl_entries).
void check_acl_size(Section& r, const FilterRule& rule,
                    std::array<uint64_t, dp::fw::chain_count>& per_chain) {
    if (rule.disabled) return;
    uint64_t& n = per_chain[static_cast<unsigned>(rule.chain)];
    uint64_t add = dp::fw::acl_entries(rule);
    if (n + add > dp::fw::max_acl_entries)
        r.error("this rule makes its chain " + std::to_string(n + add) + " ACL entries; at most " +
                std::to_string(dp::fw::max_acl_entries) +
                " (port lists, connection states and address list ranges multiply)");
    n += add;
}

// add-src/dst-to-address-list: address_list (required) and address_list_timeout (RouterOS's
// none-dynamic, 00:00:00 or a duration; none-static would need the daemon to write its own
// configuration, so it is refused). Both are refused with any other action.
void parse_add_to_list(Section& r, FilterRule& rule) {
    bool adds = !dp::fw::decides(rule.action);
    if (!adds) {
        for (const char* name : {"address_list", "address_list_timeout"})
            if (r.has(name)) {
                r.delegate(name);
                r.error(name, "is only valid with action add-src-to-address-list or "
                              "add-dst-to-address-list");
            }
        return;
    }
    rule.address_list = r.req_string("address_list");
    if (!rule.address_list.empty() && rule.address_list[0] == '!')
        r.error("address_list", "a list name cannot start with '!'");
    if (!r.has("address_list_timeout")) return;
    auto& t = r.setting()["address_list_timeout"];
    if (t.getType() == libconfig::Setting::TypeString) {
        std::string text = t.c_str();
        if (text == "none-dynamic" || text == "00:00:00") {
            r.delegate("address_list_timeout");
            return;
        }
        if (text == "none-static") {
            r.delegate("address_list_timeout");
            r.error("address_list_timeout",
                    "none-static is not supported: vpnplane does not write its configuration "
                    "(use none-dynamic, a duration, or an entry of firewall.address_lists)");
            return;
        }
    }
    rule.address_list_timeout_s =
        static_cast<uint32_t>(r.get_seconds("address_list_timeout", 0, 0, 35 * 86400));
}

// `mangle`: the rule is change-mss (parse_change_mss); otherwise a filter rule.
void parse_rule(Section& r, const std::vector<InterfaceConfig>& interfaces,
                const FirewallConfig& cfg, FilterRule& rule, bool mangle) {
    rule.text = rule_text(r.setting());
    auto chain = mangle ? std::string() : r.req_string("chain");
    if (mangle)
        parse_change_mss(r, rule);
    else if (chain == "input")
        rule.chain = Chain::input;
    else if (chain == "forward")
        rule.chain = Chain::forward;
    else if (!chain.empty())
        r.error("chain", "'" + chain +
                             "' is not supported: filter chains are input and forward (the "
                             "appliance's own traffic is not filtered; user chains and jump are "
                             "not implemented)");
    auto action = mangle ? std::string("change-mss") : r.get_string("action", "accept");
    if (mangle) {
        // parse_change_mss checked it
    } else if (action == "accept")
        rule.action = Action::accept;
    else if (action == "drop")
        rule.action = Action::drop;
    else if (action == "reject")
        rule.action = Action::reject;
    else if (action == "add-src-to-address-list")
        rule.action = Action::add_src_to_list;
    else if (action == "add-dst-to-address-list")
        rule.action = Action::add_dst_to_list;
    else
        r.error("action", "'" + action +
                              "' is not supported: filter actions are accept, drop, reject, "
                              "add-src-to-address-list and add-dst-to-address-list");
    parse_add_to_list(r, rule);
    if (mangle && r.has("reject_with")) {
        r.delegate("reject_with");
        r.error("reject_with", "is only valid in filter rules");
    } else if (auto t = r.opt_string("reject_with")) {
        if (rule.action != Action::reject)
            r.error("reject_with", "is only valid with action = \"reject\"");
        take(r, "reject_with", config::fw::parse_reject_with(*t), rule.reject_code);
    } else {
        rule.reject_code = 0; // RouterOS's default: icmp-network-unreachable
    }
    parse_matchers(r, interfaces, cfg, rule);
    if (mangle && rule.protocol != 6) r.error("protocol", "change-mss needs protocol = \"tcp\"");
    if (rule.chain == Chain::input && (r.has("out_interface") || r.has("out_interface_list")))
        r.error("the input chain has no out interface");
    if (auto t = r.opt_string("icmp_options")) {
        if (rule.protocol != 1) r.error("icmp_options", "needs protocol = \"icmp\"");
        config::fw::IcmpOptions o;
        if (take(r, "icmp_options", config::fw::parse_icmp_options(*t), o)) {
            rule.icmp_type = o.type;
            rule.icmp_code = o.code;
        }
    }
    if (auto t = r.opt_string("tcp_flags")) {
        if (rule.protocol != 6) r.error("tcp_flags", "needs protocol = \"tcp\"");
        config::fw::TcpFlags f;
        if (take(r, "tcp_flags", config::fw::parse_tcp_flags(*t), f)) {
            rule.tcp_flags = f.set;
            rule.tcp_flags_mask = f.mask;
        }
    }
    if (auto t = r.opt_string("connection_state")) {
        if (mangle)
            r.error("connection_state", "is only valid in filter rules");
        else if (rule.chain == Chain::input)
            r.error("connection_state",
                    "is not supported in the input chain: the appliance's own connections are "
                    "not tracked (only forwarded traffic is)");
        take(r, "connection_state", config::fw::parse_connection_state(*t), rule.conn_state);
    }
    rule.disabled = r.get_bool("disabled", false);
    rule.comment = r.get_string("comment", "");
    for (const char* name : not_implemented)
        if (r.has(name)) {
            r.delegate(name);
            r.error(name, "is not implemented yet (no connection marks, logging or user "
                          "chains)");
        }
    r.finish();
}

void parse_nat(Section& r, const std::vector<InterfaceConfig>& interfaces,
               const FirewallConfig& cfg, dp::fw::NatRule& rule) {
    using dp::fw::NatAction;
    using dp::fw::NatChain;
    rule.text = rule_text(r.setting());
    auto chain = r.req_string("chain");
    if (chain == "srcnat")
        rule.chain = NatChain::srcnat;
    else if (chain == "dstnat")
        rule.chain = NatChain::dstnat;
    else if (!chain.empty())
        r.error("chain", "'" + chain + "' is not supported: NAT chains are srcnat and dstnat");
    auto action = r.req_string("action");
    if (action == "masquerade" && rule.chain == NatChain::srcnat)
        rule.action = NatAction::masquerade;
    else if (action == "src-nat" && rule.chain == NatChain::srcnat)
        rule.action = NatAction::src_nat;
    else if (action == "dst-nat" && rule.chain == NatChain::dstnat)
        rule.action = NatAction::dst_nat;
    else if (!action.empty())
        r.error("action", "'" + action + "' is not supported in chain " + chain +
                              ": srcnat takes masquerade or src-nat, dstnat takes dst-nat "
                              "(redirect, netmap, same and accept are not implemented)");
    parse_matchers(r, interfaces, cfg, rule);
    if (rule.chain == NatChain::dstnat && (r.has("out_interface") || r.has("out_interface_list")))
        r.error("the dstnat chain runs before routing: it has no out interface");
    if (auto t = r.opt_string("to_addresses")) {
        if (rule.action == NatAction::masquerade)
            r.error("to_addresses", "is not valid with masquerade (it takes the out interface's "
                                    "address): use action = \"src-nat\"");
        take(r, "to_addresses", config::fw::parse_address(*t), rule.to_addresses);
    } else if (rule.action != NatAction::masquerade) {
        r.error("to_addresses", "is required with " + action);
    }
    if (r.has("to_ports")) {
        std::string text = render(r.setting()["to_ports"]);
        r.delegate("to_ports");
        if (rule.protocol != 6 && rule.protocol != 17)
            r.error("to_ports", "needs protocol = \"tcp\" or \"udp\"");
        std::vector<dp::fw::Range16> range;
        if (take(r, "to_ports", config::fw::parse_ports(text), range)) {
            if (range.size() != 1 || range[0].lo == 0)
                r.error("to_ports", "is one port or one range of ports 1-65535");
            else if (rule.action == NatAction::dst_nat && range[0].lo != range[0].hi)
                r.error("to_ports", "is one port with dst-nat");
            else
                rule.to_ports = range[0];
        }
    }
    rule.disabled = r.get_bool("disabled", false);
    rule.comment = r.get_string("comment", "");
    r.finish();
}

} // namespace

void parse_interface_lists(Section& root, const std::vector<InterfaceConfig>& interfaces,
                           FirewallConfig& out) {
    out.interface_lists.assign(interfaces.size(), 0);
    for (auto& g : root.groups("interface_lists")) {
        auto name = g.req_string("name");
        if (name.empty()) continue;
        if (std::find(out.lists.begin(), out.lists.end(), name) != out.lists.end()) {
            g.error("name", "'" + name + "' is already a list (ovpn and sstp are built in)");
            continue;
        }
        if (out.lists.size() >= dp::fw::max_lists) {
            g.error("at most " + std::to_string(dp::fw::max_lists - 2) + " interface lists");
            continue;
        }
        unsigned bit = static_cast<unsigned>(out.lists.size());
        out.lists.push_back(name);
        for (auto& member : g.get_string_list("interfaces")) {
            int i = interface_index(interfaces, member);
            if (i < 0)
                g.error("interfaces", "'" + member + "' is not a configured interface");
            else
                out.interface_lists[i] |= static_cast<uint16_t>(1u << bit);
        }
        g.finish();
    }
}

void collect_dynamic_lists(const libconfig::Setting& root, FirewallConfig& out) {
    if (!root.exists("ppp_profiles")) return;
    const libconfig::Setting& profiles = root["ppp_profiles"];
    if (!profiles.isList() && !profiles.isArray()) return;
    for (int i = 0; i < profiles.getLength(); ++i) {
        const libconfig::Setting& p = profiles[i];
        std::string name;
        // The profile's own parser (aaa_config.cpp) reports a value of the wrong type.
        if (p.isGroup() && p.lookupValue("address_list", name) && !name.empty() && name[0] != '!')
            out.dynamic_lists.insert(name);
    }
}

void parse_firewall(Section& s, const std::vector<InterfaceConfig>& interfaces,
                    FirewallConfig& out) {
    out.icmp_echo = s.get_bool("icmp_echo", out.icmp_echo);
    out.mss_clamp = s.get_bool("mss_clamp", out.mss_clamp);
    parse_address_lists(s, out);
    std::array<uint64_t, dp::fw::chain_count> acl_size{};
    // Rules may name the lists that add-to-address-list rules fill, before or after them.
    if (s.setting().exists("filter") && s.setting()["filter"].isList()) {
        const libconfig::Setting& rules = s.setting()["filter"];
        for (int i = 0; i < rules.getLength(); ++i) {
            std::string action, list;
            if (rules[i].isGroup() && rules[i].lookupValue("action", action) &&
                action.starts_with("add-") && rules[i].lookupValue("address_list", list) &&
                !list.empty() && list[0] != '!')
                out.dynamic_lists.insert(list);
        }
    }
    std::array<unsigned, dp::fw::chain_count> adders{};
    for (auto& r : s.groups("filter")) {
        FilterRule rule;
        parse_rule(r, interfaces, out, rule, false);
        check_acl_size(r, rule, acl_size);
        if (!rule.disabled && !dp::fw::decides(rule.action) &&
            ++adders[static_cast<unsigned>(rule.chain)] >= dp::fw::max_categories)
            r.error("action", "at most " + std::to_string(dp::fw::max_categories - 1) +
                                  " add-to-address-list rules per chain");
        out.filter.push_back(std::move(rule));
    }
    for (auto& r : s.groups("mangle")) {
        FilterRule rule;
        parse_rule(r, interfaces, out, rule, true);
        check_acl_size(r, rule, acl_size);
        out.mangle.push_back(std::move(rule));
    }
    if (!out.mangle.empty()) {
        // One MSS policy: the rules replace the built-in clamp.
        if (s.has("mss_clamp") && out.mss_clamp)
            s.error("mss_clamp", "and firewall.mangle both change the MSS: use one of them "
                                 "(mss_clamp = true is the rule { chain = \"forward\"; action = "
                                 "\"change-mss\"; new_mss = \"clamp-to-pmtu\"; protocol = "
                                 "\"tcp\"; tcp_flags = \"syn\"; })");
        out.mss_clamp = false;
    }
    if (interfaces.size() > dp::fw::session_interface)
        s.error("filter", "too many interfaces for the filter's interface ids");
    for (auto& r : s.groups("nat")) {
        dp::fw::NatRule rule;
        parse_nat(r, interfaces, out, rule);
        out.nat.push_back(std::move(rule));
    }
    if (auto t = s.group("connection_tracking")) {
        out.max_connections =
            static_cast<uint32_t>(t->get_int("max_connections", out.max_connections, 1, 1 << 24));
        auto& to = out.timeouts;
        auto secs = [&](const char* name, uint32_t& v) {
            v = static_cast<uint32_t>(t->get_seconds(name, v, 1, 7 * 86400));
        };
        secs("tcp_established_timeout", to.tcp_established);
        secs("tcp_transitory_timeout", to.tcp_transitory);
        secs("udp_timeout", to.udp);
        secs("udp_stream_timeout", to.udp_stream);
        secs("icmp_timeout", to.icmp);
        secs("generic_timeout", to.generic);
        t->finish();
    }
    if (s.has("raw")) {
        s.delegate("raw");
        s.error("raw", "is not implemented yet: firewall.filter, firewall.nat and "
                       "firewall.mangle (change-mss) rules are supported");
    }
    s.finish();
}

} // namespace vp::config
