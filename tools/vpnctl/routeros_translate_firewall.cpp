// RouterOS /ip firewall filter, nat, mangle (change-mss), address-list and connection tracking ->
// the `firewall` section; /interface list (+ member) -> `interface_lists`. Values are checked with
// the daemon's own firewall value parsers, so a rule written here is one vpnplaned reads. A rule
// with any property vpnplane lacks or refuses is not imported at all (dropping a matcher would
// widen the rule); each such property is reported with the line and the reason, then the rule
// itself.
#include "control/config/firewall_values.hpp"
#include "dataplane/firewall/rules.hpp"
#include "tools/vpnctl/routeros_translate_parts.hpp"

#include <algorithm>

namespace vp::tools::routeros::detail {

namespace {

std::string number_or_string(const std::string& v) {
    return all_digits(v) ? v : quote(v);
}

bool contains(std::initializer_list<std::string_view> list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

// Properties the daemon refuses as "not implemented yet" (firewall_config.cpp).
const std::string_view not_implemented[] = {
    "connection-nat-state", "connection-mark", "jump-target",     "limit",
    "packet-mark",          "routing-mark",    "layer7-protocol", "new-connection-mark",
    "new-packet-mark",      "new-routing-mark"};

} // namespace

InterfaceList* FirewallImport::find_list(const std::string& name) {
    for (auto& l : lists_)
        if (l.name == name) return &l;
    return nullptr;
}

// /interface list add name=WAN, /interface list member add interface=ether1 list=WAN. A list
// is written only when every member is an imported interface (a narrower list would narrow the
// drop rules that name it too); ovpn and sstp are built in and hold the sessions.
void FirewallImport::interface_list(const Command& c) {
    if (c.verb != "add")
        return report(c.line, "unsupported: " + c.menu + " " + c.verb +
                                  " (interface lists are translated from add only)");
    if (c.menu == "/interface list") {
        const std::string* name = c.prop("name");
        if (!name || name->empty())
            return report(c.line, "refused: /interface list add without name=");
        if (*name == "ovpn" || *name == "sstp")
            return report(c.line, "unsupported: /interface list " + *name +
                                      " (built into vpnplane: it holds every " + *name +
                                      " session; its members are not imported)");
        if (find_list(*name))
            return report(c.line, "refused: /interface list '" + *name + "' is added twice");
        lists_.push_back({c.line, *name, {}, true, {}});
        for (auto& p : c.props)
            if (p.key == "include" || p.key == "exclude") {
                if (p.value.empty()) continue;
                report(c.line, "refused: " + p.key + "=" + p.value +
                                   ": lists of lists are not supported (the list is not "
                                   "imported)");
                lists_.back().ok = false;
            } else if (p.key != "name" && p.key != "comment" && !p.value.empty()) {
                report(c.line, "unsupported: /interface list " + p.key + "=" + p.value +
                                   " (no vpnplane counterpart)");
            }
        return;
    }
    const std::string* name = c.prop("list");
    const std::string* member = c.prop("interface");
    if (!name || !member || name->empty() || member->empty())
        return report(c.line, "refused: /interface list member add needs list= and interface=");
    if (*name == "ovpn" || *name == "sstp")
        return report(c.line, "unsupported: member " + *member + " of the built-in list " + *name +
                                  " (every " + *name + " session is in it)");
    InterfaceList* l = find_list(*name);
    if (!l) return report(c.line, "refused: list=" + *name + ": no /interface list above");
    if (auto d = c.prop("disabled"); d && *d == "yes") return;
    l->members.emplace_back(c.line, *member);
}

void FirewallImport::command(const Command& c) {
    const std::string& m = c.menu;
    if (m == "/interface list" || m == "/interface list member") return interface_list(c);
    if (m == "/ip firewall connection tracking") return connection_tracking(c);
    if (m == "/ip firewall address-list") return address_list(c);
    std::string table;
    if (m == "/ip firewall filter") table = "filter";
    if (m == "/ip firewall nat") table = "nat";
    if (m == "/ip firewall mangle") table = "mangle";
    if (table.empty()) {
        std::string why = "no vpnplane counterpart";
        if (m == "/ip firewall raw") why = "firewall.raw is not implemented yet";
        if (m == "/ip firewall layer7-protocol") why = "layer-7 matching is not implemented";
        if (m == "/ip firewall service-port")
            why = "vpnplane has no protocol helpers (NAT of FTP, SIP, PPTP, ...)";
        return report(c.line, "unsupported: " + m + " (" + why + ")");
    }
    if (c.verb != "add")
        return report(c.line, "unsupported: " + m + " " + c.verb +
                                  " (firewall rules are translated from add only)");
    rule(c, table);
}

// /ip firewall address-list add list=blocked address=192.0.2.0/24 [timeout=1d]: one entry of
// firewall.address_lists (with its timeout). Entries with a DNS name are refused, and a list with
// a refused entry is not imported at all (nor the rules naming it): a narrower list would narrow
// the rules.
void FirewallImport::address_list(const Command& c) {
    if (c.verb != "add")
        return report(c.line, "unsupported: " + c.menu + " " + c.verb +
                                  " (address lists are translated from add only)");
    AddressListEntry e;
    e.line = c.line;
    const std::string* list = c.prop("list");
    const std::string* address = c.prop("address");
    if (!list || !address || list->empty() || address->empty())
        return report(c.line, "refused: /ip firewall address-list add needs list= and address=");
    e.list = *list;
    for (auto& p : c.props) {
        const std::string& k = p.key;
        const std::string& v = p.value;
        auto refuse = [&](const std::string& why) {
            report(c.line, "refused: " + k + "=" + v + ": " + why);
            e.ok = false;
        };
        if (k == "list") {
            if (v[0] == '!') refuse("a list name cannot start with '!'");
        } else if (k == "address") {
            if (auto a = config::fw::parse_address(v); !a)
                refuse(a.message() + "; DNS names are not resolved in vpnplane's address lists");
            else
                e.fields.emplace_back("addresses", quote(v));
        } else if (k == "comment") {
            e.fields.emplace_back("comment", quote(v));
        } else if (k == "disabled") {
            if (v == "yes" || v == "no") {
                e.enabled = v == "no";
                e.fields.emplace_back("disabled", v == "yes" ? "true" : "false");
            } else {
                refuse("is yes or no");
            }
        } else if (k == "timeout") {
            if (!v.empty() && v != "00:00:00")
                e.fields.emplace_back("timeout", number_or_string(v));
        } else if (k == "dynamic") {
            if (!v.empty() && v != "no")
                refuse("a dynamic entry of a running router (its session or rule adds it again)");
        } else if (!v.empty()) {
            refuse("no vpnplane counterpart");
        }
    }
    if (!e.ok)
        report(c.line,
               "refused: this address-list entry is not imported (nor list " + e.list + ")");
    address_entries_.push_back(std::move(e));
}

std::string FirewallImport::write_address_lists() const {
    std::string items;
    for (auto& e : address_entries_) {
        bool list_ok = std::all_of(address_entries_.begin(), address_entries_.end(),
                                   [&](auto& o) { return o.list != e.list || o.ok; });
        if (!list_ok) continue;
        items += (items.empty() ? "    { list = " : ",\n    { list = ") + quote(e.list) + ";";
        for (auto& [k, v] : e.fields)
            items += " " + k + " = " + v + ";";
        items += " }";
    }
    return items.empty() ? std::string() : "  address_lists = (\n" + items + "\n  );\n";
}

void FirewallImport::rule(const Command& c, const std::string& table) {
    FirewallRule r;
    r.line = c.line;
    r.table = table;
    auto refuse = [&](const Property& p, const std::string& why) {
        report(c.line, "refused: " + p.key + "=" + p.value + ": " + why);
        r.ok = false;
    };
    auto put = [&](const std::string& key, const std::string& rendered) {
        r.fields.emplace_back(key, rendered);
    };
    const std::string chain = c.prop("chain") ? *c.prop("chain") : "";
    const std::string action = c.prop("action") ? *c.prop("action") : "";
    int protocol = -1;
    std::optional<size_t> place;
    bool has_ports = false, has_icmp = false, has_flags = false, has_out = false, has_state = false,
         has_reject_with = false, has_to_ports = false, has_to_addr = false;
    for (auto& p : c.props) {
        const std::string& k = p.key;
        const std::string& v = p.value;
        std::string setting = k;
        std::replace(setting.begin(), setting.end(), '-', '_');
        bool negated = !v.empty() && v[0] == '!';
        if (k == "src-address-list" || k == "dst-address-list") {
            if (v.empty() || v == "!")
                refuse(p, "an empty matcher (a placeholder in a manual?) would widen the rule");
            else
                r.address_lists.emplace_back(setting, v);
            continue;
        }
        bool matcher =
            contains({"src-address", "dst-address", "src-port", "dst-port", "in-interface",
                      "out-interface", "in-interface-list", "out-interface-list", "protocol",
                      "connection-state", "icmp-options", "tcp-flags", "tcp-mss"},
                     k);
        if (matcher && v.empty()) {
            refuse(p, "an empty matcher (a placeholder in a manual?) would widen the rule");
            continue;
        }
        if (matcher && negated && k != "tcp-flags") {
            refuse(p, "negated matchers (!) are not supported");
            continue;
        }
        if (k == "chain") {
            bool ok = table == "filter" ? (v == "input" || v == "forward")
                      : table == "nat"  ? (v == "srcnat" || v == "dstnat")
                                        : v == "forward";
            if (!ok)
                refuse(p, table == "filter" ? "vpnplane filters the input and forward chains only "
                                              "(output and jump chains are not implemented)"
                          : table == "nat"  ? "NAT chains are srcnat and dstnat"
                                            : "mangle rules run in the forward chain only");
            else
                put("chain", quote(v));
        } else if (k == "address-list" && table == "filter") {
            if (v.empty() || v[0] == '!')
                refuse(p, "is a list name");
            else {
                put("address_list", quote(v));
                r.fills = v;
            }
        } else if (k == "address-list-timeout" && table == "filter") {
            if (v == "none-static")
                refuse(p, "vpnplane does not write its configuration: use none-dynamic or a "
                          "duration");
            else if (!v.empty())
                put("address_list_timeout", number_or_string(v == "00:00:00" ? "none-dynamic" : v));
        } else if (k == "action") {
            bool ok =
                table == "filter" ? contains({"accept", "drop", "reject", "add-src-to-address-list",
                                              "add-dst-to-address-list"},
                                             v)
                : table == "nat"
                    ? (chain == "srcnat" ? (v == "masquerade" || v == "src-nat") : v == "dst-nat")
                    : v == "change-mss";
            if (ok) {
                put("action", quote(v));
            } else if (v == "fasttrack-connection") {
                refuse(p, "fasttrack is not implemented (an accept rule with connection-state="
                          "established,related does the same in vpnplane)");
            } else {
                refuse(p, table == "filter" ? "the filter's actions are accept, drop, reject, "
                                              "add-src-to-address-list and "
                                              "add-dst-to-address-list"
                          : table == "nat"
                              ? "NAT actions are masquerade and src-nat (srcnat), dst-nat (dstnat)"
                              : "the only mangle action is change-mss");
            }
        } else if (k == "protocol") {
            auto n = config::fw::parse_protocol(v);
            if (!n) {
                refuse(p, n.message());
                continue;
            }
            protocol = *n;
            put("protocol", number_or_string(v));
        } else if (k == "src-address" || k == "dst-address" ||
                   (k == "to-addresses" && table == "nat")) {
            if (k == "to-addresses" && v.empty()) continue;
            auto a = config::fw::parse_address(v);
            if (!a) {
                refuse(p, a.message());
                continue;
            }
            if (k == "to-addresses") has_to_addr = true;
            put(setting, quote(v));
        } else if (k == "src-port" || k == "dst-port" || (k == "to-ports" && table == "nat")) {
            if (k == "to-ports" && v.empty()) continue;
            auto ports = config::fw::parse_ports(v);
            if (!ports) {
                refuse(p, ports.message());
                continue;
            }
            if (k == "to-ports") {
                has_to_ports = true;
                if (ports->size() != 1) {
                    refuse(p, "is one port or one range of ports");
                    continue;
                }
                if (action == "dst-nat" && (*ports)[0].lo != (*ports)[0].hi) {
                    refuse(p, "dst-nat takes one port");
                    continue;
                }
            } else {
                has_ports = true;
            }
            put(setting, number_or_string(v));
        } else if (k == "in-interface" || k == "out-interface") {
            has_out |= k == "out-interface";
            r.interfaces.emplace_back(setting, v);
        } else if (k == "in-interface-list" || k == "out-interface-list") {
            has_out |= k == "out-interface-list";
            r.lists.emplace_back(setting, v);
        } else if (k == "connection-state" && table == "filter") {
            has_state = true;
            auto s = config::fw::parse_connection_state(v);
            if (!s)
                refuse(p, s.message());
            else
                put(setting, quote(v));
        } else if (k == "icmp-options" && table != "nat") {
            has_icmp = true;
            auto o = config::fw::parse_icmp_options(v);
            if (!o)
                refuse(p, o.message());
            else
                put(setting, quote(v));
        } else if (k == "tcp-flags" && table != "nat") {
            has_flags = true;
            auto f = config::fw::parse_tcp_flags(v);
            if (!f)
                refuse(p, f.message());
            else
                put(setting, quote(v));
        } else if (k == "reject-with" && table == "filter") {
            has_reject_with = true;
            auto w = config::fw::parse_reject_with(v);
            if (!w)
                refuse(p, w.message());
            else
                put(setting, quote(v));
        } else if (k == "new-mss" && table == "mangle") {
            bool number = all_digits(v) && std::stoul(v) >= 88 && std::stoul(v) <= 65535;
            if (v != "clamp-to-pmtu" && !number)
                refuse(p, "is 88..65535 or clamp-to-pmtu");
            else
                put("new_mss", number_or_string(v));
        } else if (k == "tcp-mss" && table == "mangle") {
            auto range = config::fw::parse_ports(v);
            if (!range || range->size() != 1)
                refuse(p, range ? "is one value or one range" : range.message());
            else
                put("tcp_mss", quote(v));
        } else if (k == "passthrough" && table == "mangle") {
            if (v == "yes")
                report(c.line, "unsupported: passthrough=yes (vpnplane applies the first "
                               "matching change-mss rule only; the rule is imported)");
        } else if (k == "comment") {
            put("comment", quote(v));
        } else if (k == "disabled") {
            if (v == "yes" || v == "no")
                put("disabled", v == "yes" ? "true" : "false");
            else
                refuse(p, "is yes or no");
        } else if (k == "place-before") {
            if (all_digits(v))
                place = std::stoul(v);
            else
                refuse(p, "is a rule number");
        } else if (k == "log" || k == "log-prefix") {
            if (!v.empty() && v != "no") refuse(p, "logging of firewall rules is not implemented");
        } else if (std::find(std::begin(not_implemented), std::end(not_implemented), k) !=
                   std::end(not_implemented)) {
            if (!v.empty()) refuse(p, "is not implemented in vpnplane yet");
        } else if (!v.empty()) {
            report(c.line, "unsupported: /ip firewall " + table + " " + k + "=" + v +
                               " (no vpnplane counterpart)");
            r.ok = false;
        }
    }
    // What the daemon checks across properties, refused here with the same reasons.
    auto refuse_rule = [&](const std::string& why) {
        report(c.line, "refused: " + why);
        r.ok = false;
    };
    if (chain.empty()) refuse_rule("chain= is required");
    if (table != "filter" && action.empty()) refuse_rule("action= is required");
    if (has_ports && protocol != 6 && protocol != 17)
        refuse_rule("src-port/dst-port need protocol=tcp or udp");
    if (has_to_ports && protocol != 6 && protocol != 17)
        refuse_rule("to-ports needs protocol=tcp or udp");
    if (has_icmp && protocol != 1) refuse_rule("icmp-options needs protocol=icmp");
    if (has_flags && protocol != 6) refuse_rule("tcp-flags needs protocol=tcp");
    if (table == "mangle" && protocol != 6) refuse_rule("change-mss needs protocol=tcp");
    if (table == "mangle" && !c.prop("new-mss")) refuse_rule("change-mss needs new-mss=");
    if (has_out && (chain == "input" || chain == "dstnat"))
        refuse_rule("out-interface matchers are not valid in chain " + chain);
    if (has_state && chain == "input")
        refuse_rule("connection-state is not valid in the input chain (the appliance's own "
                    "connections are not tracked)");
    if (has_reject_with && action != "reject") refuse_rule("reject-with needs action=reject");
    bool adds = action == "add-src-to-address-list" || action == "add-dst-to-address-list";
    if (adds && !c.prop("address-list")) refuse_rule(action + " needs address-list=");
    if (!adds && table == "filter" && (c.prop("address-list") || c.prop("address-list-timeout")))
        refuse_rule("address-list= and address-list-timeout= need action=add-src-to-address-list "
                    "or add-dst-to-address-list");
    if (table == "nat" && has_to_addr && action == "masquerade")
        refuse_rule("to-addresses is not valid with masquerade (use action=src-nat)");
    if (table == "nat" && !has_to_addr && (action == "src-nat" || action == "dst-nat"))
        refuse_rule(action + " needs to-addresses=");
    std::vector<FirewallRule>& list = table == "filter" ? filter_ : table == "nat" ? nat_ : mangle_;
    // place-before counts the rules of the table as RouterOS numbers them, refused ones too.
    size_t at = place ? std::min(*place, list.size()) : list.size();
    list.insert(list.begin() + static_cast<std::ptrdiff_t>(at), std::move(r));
}

void FirewallImport::connection_tracking(const Command& c) {
    if (c.verb != "set")
        return report(c.line, "unsupported: /ip firewall connection tracking " + c.verb);
    static const std::pair<std::string_view, std::string_view> mapped[] = {
        {"max-entries", "max_connections"},
        {"tcp-established-timeout", "tcp_established_timeout"},
        {"tcp-syn-sent-timeout", "tcp_transitory_timeout"},
        {"udp-timeout", "udp_timeout"},
        {"udp-stream-timeout", "udp_stream_timeout"},
        {"icmp-timeout", "icmp_timeout"},
        {"generic-timeout", "generic_timeout"}};
    for (auto& p : c.props) {
        auto m = std::find_if(std::begin(mapped), std::end(mapped),
                              [&](auto& x) { return x.first == p.key; });
        if (m != std::end(mapped)) {
            std::string key(m->second);
            auto old = std::find_if(tracking_.begin(), tracking_.end(),
                                    [&](auto& f) { return f.first == key; });
            if (old != tracking_.end()) tracking_.erase(old);
            tracking_.emplace_back(key, number_or_string(p.value));
        } else if (p.key == "enabled") {
            if (p.value == "no")
                report(c.line, "refused: enabled=no: vpnplane tracks connections whenever there "
                               "are NAT rules or connection-state matchers");
        } else if (p.key.rfind("tcp-", 0) == 0 && p.key.size() > 8 &&
                   p.key.compare(p.key.size() - 8, 8, "-timeout") == 0) {
            report(c.line, "unsupported: " + p.key + "=" + p.value +
                               " (vpnplane has one tcp_transitory_timeout for the handshake and "
                               "the closing states)");
        } else if (!p.value.empty()) {
            report(c.line, "unsupported: /ip firewall connection tracking " + p.key + "=" +
                               p.value + " (no vpnplane counterpart)");
        }
    }
}

void FirewallImport::finish(
    const std::function<std::optional<std::string>(const std::string&)>& iface) {
    for (auto& r : filter_)
        if (r.ok && !r.fills.empty()) rule_lists_.insert(r.fills);
    size_t imported_lists = 0;
    for (auto& l : lists_) {
        for (auto& [line, member] : l.members) {
            if (auto found = iface(member)) {
                l.resolved.push_back(*found);
                continue;
            }
            report(line, "refused: interface=" + member + " of list " + l.name +
                             ": not an imported interface (the list is not imported)");
            l.ok = false;
        }
        if (l.ok && l.resolved.empty()) {
            report(l.line, "refused: /interface list " + l.name +
                               " has no member (the list is not imported)");
            l.ok = false;
        }
        if (l.ok && ++imported_lists > dp::fw::max_lists - 2) {
            report(l.line, "refused: /interface list " + l.name + ": vpnplane has at most " +
                               std::to_string(dp::fw::max_lists - 2) +
                               " lists besides ovpn and sstp (the list is not imported)");
            l.ok = false;
        }
    }
    for (auto* list : {&filter_, &nat_, &mangle_})
        for (auto& r : *list) {
            for (auto& [setting, name] : r.interfaces) {
                if (auto found = iface(name)) {
                    r.fields.emplace_back(setting, quote(*found));
                    continue;
                }
                std::string key = setting;
                std::replace(key.begin(), key.end(), '_', '-');
                report(r.line, "refused: " + key + "=" + name +
                                   ": not an imported interface (it needs an /ip address and "
                                   "--port " +
                                   name +
                                   "=DEVICE; tunnel sessions are matched with the ovpn "
                                   "and sstp interface lists)");
                r.ok = false;
            }
            for (auto& [setting, name] : r.lists) {
                bool builtin = name == "ovpn" || name == "sstp";
                const InterfaceList* l = builtin ? nullptr : find_list(name);
                if (builtin || (l && l->ok)) {
                    r.fields.emplace_back(setting, quote(name));
                    continue;
                }
                std::string key = setting;
                std::replace(key.begin(), key.end(), '_', '-');
                report(r.line,
                       "refused: " + key + "=" + name +
                           (l ? ": the list (line " + std::to_string(l->line) + ") is not imported"
                              : std::string(": no /interface list of that name (the "
                                            "built-in ones are ovpn and sstp)")));
                r.ok = false;
            }
            for (auto& [setting, value] : r.address_lists) {
                std::string name = value[0] == '!' ? value.substr(1) : value;
                std::string key = setting;
                std::replace(key.begin(), key.end(), '_', '-');
                size_t entries = 0, enabled = 0, refused_at = 0;
                for (auto& e : address_entries_)
                    if (e.list == name) {
                        ++entries;
                        enabled += e.enabled;
                        if (!e.ok && !refused_at) refused_at = e.line;
                    }
                std::string why;
                // A /ppp profile or an add-to-address-list rule fills it.
                bool dynamic = profile_lists_.count(name) != 0 || rule_lists_.count(name) != 0;
                if (refused_at)
                    why = "the list (entry at line " + std::to_string(refused_at) +
                          ") is not imported";
                else if (!entries && !dynamic)
                    why = "no /ip firewall address-list entries of that list (nor a /ppp "
                          "profile address-list=, nor an add-to-address-list rule)";
                else if (!enabled && !dynamic)
                    why = "every entry of the list is disabled (vpnplane refuses a rule on an "
                          "empty list)";
                if (why.empty()) {
                    r.fields.emplace_back(setting, quote(value));
                    continue;
                }
                report(r.line, "refused: " + key + "=" + value + ": " + why);
                r.ok = false;
            }
            if (!r.ok)
                report(r.line, "refused: this /ip firewall " + r.table + " rule is not imported");
        }
}

std::string FirewallImport::write_lists() const {
    std::string items;
    for (auto& l : lists_) {
        if (!l.ok) continue;
        std::string members;
        for (auto& m : l.resolved)
            members += (members.empty() ? "" : ",") + m;
        items += (items.empty() ? "  { name = " : ",\n  { name = ") + quote(l.name) +
                 "; interfaces = " + quote(members) + "; }";
    }
    return items.empty() ? std::string() : "interface_lists = (\n" + items + "\n);\n";
}

std::string FirewallImport::write() const {
    std::string body = write_address_lists();
    for (auto [name, list] :
         {std::pair{"filter", &filter_}, std::pair{"mangle", &mangle_}, std::pair{"nat", &nat_}}) {
        std::string items;
        for (auto& r : *list) {
            if (!r.ok) continue;
            items += items.empty() ? "    {" : ",\n    {";
            for (auto& [k, v] : r.fields)
                items += " " + k + " = " + v + ";";
            items += " }";
        }
        if (!items.empty()) body += "  " + std::string(name) + " = (\n" + items + "\n  );\n";
    }
    if (!tracking_.empty()) {
        body += "  connection_tracking = {";
        for (auto& [k, v] : tracking_)
            body += " " + k + " = " + v + ";";
        body += " };\n";
    }
    return body.empty() ? std::string() : "firewall = {\n" + body + "};\n";
}

} // namespace vp::tools::routeros::detail
