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
constexpr std::array<const char*, 12> not_implemented = {"connection_state",
                                                         "connection_nat_state",
                                                         "connection_mark",
                                                         "src_address_list",
                                                         "dst_address_list",
                                                         "jump_target",
                                                         "log",
                                                         "log_prefix",
                                                         "limit",
                                                         "packet_mark",
                                                         "routing_mark",
                                                         "layer7_protocol"};

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

void parse_rule(Section& r, const std::vector<InterfaceConfig>& interfaces,
                const FirewallConfig& cfg, FilterRule& rule) {
    rule.text = rule_text(r.setting());
    auto chain = r.req_string("chain");
    if (chain == "input")
        rule.chain = Chain::input;
    else if (chain == "forward")
        rule.chain = Chain::forward;
    else if (!chain.empty())
        r.error("chain", "'" + chain +
                             "' is not supported: filter chains are input and forward (the "
                             "appliance's own traffic is not filtered; user chains and jump are "
                             "not implemented)");
    auto action = r.get_string("action", "accept");
    if (action == "accept")
        rule.action = Action::accept;
    else if (action == "drop")
        rule.action = Action::drop;
    else if (action == "reject")
        rule.action = Action::reject;
    else
        r.error("action", "'" + action +
                              "' is not supported: filter actions are accept, drop "
                              "and reject");
    if (auto t = r.opt_string("reject_with")) {
        if (rule.action != Action::reject)
            r.error("reject_with", "is only valid with action = \"reject\"");
        take(r, "reject_with", config::fw::parse_reject_with(*t), rule.reject_code);
    } else {
        rule.reject_code = 0; // RouterOS's default: icmp-network-unreachable
    }
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
    rule.disabled = r.get_bool("disabled", false);
    rule.comment = r.get_string("comment", "");
    for (const char* name : not_implemented)
        if (r.has(name)) {
            r.delegate(name);
            r.error(name, "is not implemented yet (no connection tracking, address lists, "
                          "logging or user chains)");
        }
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

void parse_firewall(Section& s, const std::vector<InterfaceConfig>& interfaces,
                    FirewallConfig& out) {
    out.icmp_echo = s.get_bool("icmp_echo", out.icmp_echo);
    out.mss_clamp = s.get_bool("mss_clamp", out.mss_clamp);
    for (auto& r : s.groups("filter")) {
        FilterRule rule;
        parse_rule(r, interfaces, out, rule);
        out.filter.push_back(std::move(rule));
    }
    if (interfaces.size() > dp::fw::session_interface)
        s.error("filter", "too many interfaces for the filter's interface ids");
    for (const char* name : {"nat", "mangle", "raw"})
        if (s.has(name)) {
            s.delegate(name);
            s.error(name, "is not implemented yet: only firewall.filter rules (and the "
                          "mss_clamp shorthand) are supported");
        }
    s.finish();
}

} // namespace vp::config
