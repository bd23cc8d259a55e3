// RouterOS export -> vpnplane configuration. Each menu has a table of the properties vpnplane
// has (RouterOS name -> setting name) and of those it refuses with a reason; any other
// property or menu is reported as unsupported, so the operator sees every line that did not
// make it into the configuration.
#include "tools/vpnctl/routeros_translate.hpp"

#include "tools/vpnctl/routeros_translate_parts.hpp"

#include "base/ipv4.hpp"
#include "control/aaa/values.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace vp::tools::routeros {

// A libconfig string literal: `\"`, `\\` and `\xNN` for control characters.
std::string detail::quote(const std::string& v) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (char c : v) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

bool detail::all_digits(const std::string& v) {
    return !v.empty() && v.size() < 10 &&
           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

namespace {

using detail::all_digits;
using detail::quote;

using Fields = std::vector<std::pair<std::string, std::string>>; // setting -> value, in order

struct Entry {
    size_t line = 0;
    std::string name;
    Fields fields;
    void set(const std::string& key, const std::string& value) {
        for (auto& [k, v] : fields)
            if (k == key) {
                v = value;
                return;
            }
        fields.emplace_back(key, value);
    }
    const std::string* get(const std::string& key) const {
        for (auto& [k, v] : fields)
            if (k == key) return &v;
        return nullptr;
    }
};

// Entries in export order with a name index, so that large exports translate in n log n.
struct EntryList {
    std::vector<Entry> items;
    std::map<std::string, size_t> index;
    Entry* find(const std::string& name) {
        auto it = index.find(name);
        return it == index.end() ? nullptr : &items[it->second];
    }
    Entry& add(size_t line, const std::string& name) {
        index[name] = items.size();
        items.push_back({line, name, {}});
        return items.back();
    }
    void rename(Entry& e, const std::string& name) {
        if (name == e.name || index.count(name)) return;
        size_t at = index[e.name];
        index.erase(e.name);
        index[name] = at;
        e.name = name;
    }
    void drop_last() {
        index.erase(items.back().name);
        items.pop_back();
    }
};

struct Interface {
    size_t line = 0;
    std::string name, default_name;
    std::string address; // a.b.c.d/len
    size_t address_line = 0;
    Fields fields; // arp, mtu, mac_address
};

struct Route {
    size_t line = 0;
    std::string dst, gateway;
    bool blackhole = false;
};

// A property vpnplane takes under another name; `integer` values are written unquoted.
struct Mapping {
    std::string_view routeros;
    std::string_view setting;
    bool integer = false;
};

// Settings written as integers when the value is a plain number (the reader's get_int).
bool integer_setting(const std::string& key) {
    static const char* keys[] = {"port",           "max_mtu",         "mtu",
                                 "limit_bytes_in", "limit_bytes_out", "keepalive_timeout",
                                 "reneg_sec",      "session_timeout", "idle_timeout"};
    for (auto k : keys)
        if (key == k) return true;
    return false;
}

std::string value_text(const std::string& key, const std::string& value) {
    if (integer_setting(key) && all_digits(value)) return value;
    return quote(value);
}

class Translator {
public:
    explicit Translator(const ImportOptions& o) : options_(o) {}

    ImportResult run(const Export& parsed) {
        for (auto& e : parsed.errors)
            report(e.line, "error: " + e.message);
        for (auto& c : parsed.commands)
            command(c);
        finish();
        std::stable_sort(result_.reports.begin(), result_.reports.end(),
                         [](const Report& a, const Report& b) { return a.line < b.line; });
        result_.config = write();
        return std::move(result_);
    }

private:
    void report(size_t line, std::string text) {
        result_.reports.push_back({line, std::move(text)});
    }

    void unsupported_menu(const Command& c, std::string_view why) {
        report(c.line, "unsupported: " + c.menu + " (" + std::string(why) + ")");
    }

    void command(const Command& c) {
        const std::string& m = c.menu;
        static const char* passive[] = {
            "print",          "monitor",           "export", "find", "get", "ping", "traceroute",
            "reset-counters", "export-certificate"};
        for (auto v : passive)
            if (c.verb == v) return; // reads state; nothing to configure
        if (!c.verb.empty() && c.verb[0] == ':')
            return report(c.line, "unsupported: " + c.verb + " (script commands are not run)");
        if (m == "/certificate") return certificate(c);
        if (c.verb == "remove" || c.verb == "disable" || c.verb == "enable" || c.verb == "unset" ||
            c.verb == "move" || c.verb == "reset" || c.verb == "edit" || c.verb == "comment")
            return report(c.line, "unsupported: " + m + " " + c.verb +
                                      " (the importer translates add and set only)");
        if (c.verb != "add" && c.verb != "set")
            return report(c.line, "unsupported: " + m + " " + c.verb);
        if (m == "/ip pool") return pool(c);
        if (m == "/ppp profile") return profile(c);
        if (m == "/ppp secret") return secret(c);
        if (m == "/interface ovpn-server server") return ovpn_server(c);
        if (m == "/interface sstp-server server") return sstp_server(c);
        if (m == "/ip address") return address(c);
        if (m == "/ip route") return route(c);
        if (m == "/interface ethernet" || m == "/interface bridge") return interface(c);
        if (m == "/system identity") return identity(c);
        if (m.rfind("/ip firewall", 0) == 0) return firewall_.command(c);
        if (m == "/interface ovpn-client") return clients_.command(c);
        if (m == "/interface sstp-client") return sstp_clients_.command(c);
        if (m == "/interface list" || m == "/interface list member") return firewall_.command(c);
        if (m == "/interface bridge port")
            return unsupported_menu(c, "vpnplane does not bridge; each port is routed");
        unsupported_menu(c, "no vpnplane counterpart");
    }

    // Copies the mapped properties of `c` into `e`; reports the rest. `refused` gives reasons.
    void copy(const Command& c, Entry& e, std::initializer_list<Mapping> mapped,
              std::initializer_list<std::pair<std::string_view, std::string_view>> refused) {
        for (auto& p : c.props) {
            if (p.key == "name") continue;
            auto m = std::find_if(mapped.begin(), mapped.end(),
                                  [&](const Mapping& x) { return x.routeros == p.key; });
            if (m != mapped.end()) {
                e.set(std::string(m->setting), p.value);
                continue;
            }
            if (p.value.empty()) continue; // RouterOS prints unset properties as ""
            auto r = std::find_if(refused.begin(), refused.end(),
                                  [&](auto& x) { return x.first == p.key; });
            if (r != refused.end())
                report(c.line, "refused: " + p.key + "=" + p.value + ": " + std::string(r->second));
            else
                report(c.line, "unsupported: " + c.menu + " " + p.key + "=" + p.value +
                                   " (no vpnplane counterpart)");
        }
    }

    // The item a `set` addresses: `set NAME`, `set [ find name=NAME ]`; "" when none.
    static std::string target(const Command& c) {
        for (auto& f : c.find)
            if (f.key == "name" || f.key == "default-name") return f.value;
        if (!c.words.empty()) return c.words[0];
        return {};
    }

    // add: a new entry named by name=; set: the entry it addresses (created for built-ins).
    Entry* entry(const Command& c, EntryList& list, std::string name, bool builtin = false) {
        if (c.verb == "add") {
            const std::string* n = c.prop("name");
            if (!n || n->empty()) {
                report(c.line, "refused: " + c.menu + " add without name=");
                return nullptr;
            }
            if (list.find(*n)) {
                report(c.line, "refused: " + c.menu + " '" + *n + "' is added twice");
                return nullptr;
            }
            return &list.add(c.line, *n);
        }
        if (name.empty()) {
            report(c.line, "unsupported: " + c.menu + " set without a name or [ find name=... ]");
            return nullptr;
        }
        Entry* e = list.find(name);
        if (!e && builtin) e = &list.add(c.line, name);
        if (!e) report(c.line, "refused: " + c.menu + " set: no item named '" + name + "' above");
        if (e) {
            if (const std::string* n = c.prop("name"); n && !n->empty()) list.rename(*e, *n);
        }
        return e;
    }

    void pool(const Command& c) {
        if (Entry* e = entry(c, pools_, target(c)))
            copy(c, *e, {{"ranges", "ranges"}, {"next-pool", "next_pool"}, {"comment", "comment"}},
                 {});
    }

    void profile(const Command& c) {
        std::string name = target(c);
        for (auto& f : c.find)
            if (f.key == "default" && f.value == "yes") name = "default";
        if (name == "*0") name = "default";
        if (name == "*FFFFFFFE") name = "default-encryption";
        bool builtin = name == "default" || name == "default-encryption";
        Entry* e = entry(c, profiles_, name, builtin);
        if (!e) return;
        for (auto key : {"use-compression", "use-mpls", "use-upnp"})
            if (auto v = c.prop(key); v && *v != "no" && *v != "default" && !v->empty()) {
                report(c.line, std::string("refused: ") + key + "=" + *v +
                                   ": vpnplane implements none of compression, MPLS, UPnP");
            }
        Entry scratch;
        copy(c, scratch,
             {{"local-address", "local_address"},
              {"remote-address", "remote_address"},
              {"dns-server", "dns_server"},
              {"wins-server", "wins_server"},
              {"only-one", "only_one"},
              {"change-tcp-mss", "change_tcp_mss"},
              {"use-encryption", "use_encryption"},
              {"session-timeout", "session_timeout"},
              {"idle-timeout", "idle_timeout"},
              {"rate-limit", "rate_limit"},
              {"address-list", "address_list"},
              {"use-compression", "use_compression"},
              {"use-mpls", "use_mpls"},
              {"use-upnp", "use_upnp"},
              {"comment", "comment"}},
             {{"bridge", "vpnplane does not bridge PPP sessions"},
              {"incoming-filter", "jump chains are not implemented (use firewall.filter rules "
                                  "with in_interface_list = \"ovpn\" or \"sstp\")"},
              {"outgoing-filter", "jump chains are not implemented (use firewall.filter rules "
                                  "with out_interface_list = \"ovpn\" or \"sstp\")"},
              {"interface-list", "interface lists are not supported"},
              {"on-up", "scripts are not run"},
              {"on-down", "scripts are not run"},
              {"queue-type", "queues are not supported (rate-limit is)"},
              {"parent-queue", "queues are not supported (rate-limit is)"},
              {"insert-queue-before", "queues are not supported (rate-limit is)"},
              {"use-ipv6", "IPv6 is not supported yet"},
              {"remote-ipv6-prefix-pool", "IPv6 is not supported yet"},
              {"dhcpv6-pd-pool", "IPv6 is not supported yet"}});
        if (auto list = c.prop("address-list"); list && !list->empty())
            firewall_.add_profile_list(*list); // rules may name it without static entries
        for (auto& [k, v] : scratch.fields) {
            if ((k == "use_compression" || k == "use_mpls" || k == "use_upnp") && v != "no" &&
                v != "default" && !v.empty())
                continue; // reported above
            if (k == "rate_limit" && !v.empty()) {
                // Checked as the daemon checks it: a value it refuses is reported here, with its
                // line, and the rest of the profile still imported.
                if (auto r = aaa::parse_rate_limit(v); !r.ok()) {
                    report(c.line, "refused: rate-limit=" + v + ": " + r.message());
                    continue;
                }
            }
            e->set(k, v);
        }
    }

    void secret(const Command& c) {
        if (auto s = c.prop("service"); s && *s != "any" && *s != "ovpn" && *s != "sstp") {
            // The whole secret is refused: a user of a service vpnplane lacks must not become
            // a user of every service (the default `any`).
            report(c.line, "refused: service=" + *s + ": vpnplane serves only ovpn and sstp");
            return;
        }
        Entry* e = entry(c, secrets_, target(c));
        if (!e) return;
        copy(c, *e,
             {{"password", "password"},
              {"service", "service"},
              {"profile", "profile"},
              {"local-address", "local_address"},
              {"remote-address", "remote_address"},
              {"routes", "routes"},
              {"caller-id", "caller_id"},
              {"disabled", "disabled"},
              {"limit-bytes-in", "limit_bytes_in"},
              {"limit-bytes-out", "limit_bytes_out"},
              {"comment", "comment"}},
             {{"ipv6-routes", "IPv6 is not supported yet"},
              {"remote-ipv6-prefix", "IPv6 is not supported yet"}});
        if (c.verb == "add") {
            auto p = e->get("password");
            if (!p || p->empty()) {
                report(c.line, "refused: /ppp secret '" + e->name +
                                   "' has no password (CHAP and MS-CHAP need one)");
                secrets_.drop_last();
            }
        }
    }

    void ovpn_server(const Command& c) {
        if (c.verb == "add" && ovpn_added_) {
            report(c.line, "refused: a second OpenVPN server: vpnplane runs one");
            return;
        }
        ovpn_added_ = ovpn_added_ || c.verb == "add";
        if (!ovpn_.line) ovpn_.line = c.line;
        Entry scratch;
        copy(c, scratch,
             {{"enabled", "enabled"},
              {"disabled", "disabled"},
              {"port", "port"},
              {"protocol", "protocol"},
              {"mode", "mode"},
              {"certificate", "certificate"},
              {"require-client-certificate", "require_client_certificate"},
              {"auth", "auth"},
              {"cipher", "cipher"},
              {"default-profile", "default_profile"},
              {"keepalive-timeout", "keepalive_timeout"},
              {"max-mtu", "max_mtu"},
              {"redirect-gateway", "redirect_gateway"},
              {"reneg-sec", "reneg_sec"}},
             {{"netmask", "addresses come from the PPP profile"},
              {"mac-address", "vpnplane's OpenVPN server has no Ethernet mode"},
              {"max-mru", "vpnplane uses max-mtu in both directions"},
              {"mrru", "PPP multilink is not supported"},
              {"enable-tun-ipv6", "IPv6 is not supported yet"},
              {"ipv6-prefix-len", "IPv6 is not supported yet"},
              {"tun-server-ipv6", "IPv6 is not supported yet"},
              {"user-auth-method", "only PPP secrets (local) are supported"},
              {"vrf", "VRFs are not supported"}});
        for (auto& [k, v] : scratch.fields) {
            if (k == "mode" && v != "ip") {
                report(c.line, "refused: mode=" + v + ": only mode=ip (layer 3) is supported");
                continue;
            }
            if (k == "disabled") { // v7.17's `add ... disabled=no`
                ovpn_.set("enabled", v == "yes" ? "no" : "yes");
                continue;
            }
            if (k == "cipher") {
                std::string kept;
                size_t p = 0;
                while (p <= v.size()) {
                    size_t comma = v.find(',', p);
                    std::string one = v.substr(p, comma == std::string::npos ? comma : comma - p);
                    if (one.rfind("blowfish", 0) == 0)
                        report(c.line, "refused: cipher " + one + ": Blowfish is not supported");
                    else if (!one.empty())
                        kept += (kept.empty() ? "" : ",") + one;
                    if (comma == std::string::npos) break;
                    p = comma + 1;
                }
                if (!kept.empty()) ovpn_.set(k, kept);
                continue;
            }
            ovpn_.set(k, v);
        }
    }

    void sstp_server(const Command& c) {
        if (!sstp_.line) sstp_.line = c.line;
        Entry scratch;
        copy(c, scratch,
             {{"enabled", "enabled"},
              {"port", "port"},
              {"certificate", "certificate"},
              {"default-profile", "default_profile"},
              {"authentication", "authentication"},
              {"keepalive-timeout", "keepalive_timeout"},
              {"max-mtu", "max_mtu"},
              {"verify-client-certificate", "verify_client_certificate"},
              {"force-aes", "force_aes"},
              {"pfs", "pfs"},
              {"tls-version", "tls_version"}},
             {{"max-mru", "vpnplane uses max-mtu in both directions"},
              {"mrru", "PPP multilink is not supported"}});
        for (auto& [k, v] : scratch.fields) {
            if (k == "enabled" && v == "yes") {
                report(c.line, "refused: enabled=yes: the SSTP server is not available in this "
                               "version of vpnplaned (written as enabled = false)");
                continue;
            }
            sstp_.set(k, v);
        }
    }

    // By name or default-name (`set [ find default-name=ether1 ] name=wan`: both work).
    Interface* iface(const std::string& name) {
        auto it = interface_index_.find(name);
        return it == interface_index_.end() ? nullptr : &interfaces_[it->second];
    }

    Interface& iface_or_new(const std::string& name, size_t line) {
        if (Interface* i = iface(name)) return *i;
        interface_index_[name] = interfaces_.size();
        interfaces_.push_back({line, name, name, {}, 0, {}});
        return interfaces_.back();
    }

    void interface(const Command& c) {
        std::string name = c.verb == "add" ? (c.prop("name") ? *c.prop("name") : "") : target(c);
        if (name.empty()) {
            report(c.line, "unsupported: " + c.menu + " " + c.verb + " without a name");
            return;
        }
        Interface& i = iface_or_new(name, c.line);
        if (c.verb == "set")
            if (const std::string* n = c.prop("name"); n && !n->empty() && !iface(*n)) {
                interface_index_[*n] = interface_index_[name];
                i.name = *n;
            }
        Entry scratch;
        copy(c, scratch, {{"arp", "arp"}, {"mtu", "mtu"}, {"mac-address", "mac_address"}},
             {{"arp-timeout", "vpnplane has one ARP timeout (ip.arp_timeout)"}});
        for (auto& [k, v] : scratch.fields) {
            if (k == "arp" && v != "enabled" && v != "proxy-arp") {
                report(c.line, "refused: arp=" + v + ": only enabled and proxy-arp");
                continue;
            }
            Entry e{0, {}, std::move(i.fields)};
            e.set(k, v);
            i.fields = std::move(e.fields);
        }
    }

    void address(const Command& c) {
        if (c.verb != "add") return report(c.line, "unsupported: /ip address set");
        const std::string* a = c.prop("address");
        const std::string* n = c.prop("interface");
        if (!a || !n || a->empty() || n->empty())
            return report(c.line, "refused: /ip address add needs address= and interface=");
        if (auto d = c.prop("disabled"); d && *d == "yes")
            return report(c.line, "refused: disabled=yes: a disabled address is not imported");
        std::string addr = *a;
        if (addr.find('/') == std::string::npos) addr += "/32";
        if (!net::parse_prefix(addr))
            return report(c.line, "refused: address=" + *a + ": not an IPv4 address/prefix");
        Interface& i = iface_or_new(*n, c.line);
        if (!i.address.empty())
            return report(c.line, "refused: a second address on " + *n +
                                      ": vpnplane ports have one address each");
        i.address = addr;
        i.address_line = c.line;
        for (auto& p : c.props)
            if (p.key != "address" && p.key != "interface" && p.key != "network" &&
                p.key != "disabled" && !p.value.empty())
                report(c.line, "unsupported: /ip address " + p.key + "=" + p.value +
                                   " (no vpnplane counterpart)");
    }

    void route(const Command& c) {
        if (c.verb != "add") return report(c.line, "unsupported: /ip route set");
        Route r;
        r.line = c.line;
        r.dst = c.prop("dst-address") ? *c.prop("dst-address") : "0.0.0.0/0";
        r.gateway = c.prop("gateway") ? *c.prop("gateway") : "";
        r.blackhole = std::find(c.words.begin(), c.words.end(), "blackhole") != c.words.end() ||
                      (c.prop("type") && *c.prop("type") == "blackhole");
        if (auto t = c.prop("type"); t && *t != "unicast" && *t != "blackhole")
            return report(c.line, "refused: type=" + *t + ": only unicast and blackhole routes");
        if (auto d = c.prop("disabled"); d && *d == "yes")
            return report(c.line, "refused: disabled=yes: a disabled route is not imported");
        for (auto& p : c.props)
            if (p.key != "dst-address" && p.key != "gateway" && p.key != "type" &&
                p.key != "disabled" && !(p.key == "distance" && p.value == "1") && !p.value.empty())
                return report(c.line, "refused: /ip route " + p.key + "=" + p.value +
                                          ": vpnplane's static routes have a destination and a "
                                          "gateway only");
        if (!net::parse_prefix(r.dst))
            return report(c.line, "refused: dst-address=" + r.dst + ": not an IPv4 prefix");
        if (!r.blackhole && r.gateway.empty())
            return report(c.line, "refused: /ip route add needs gateway= (or type=blackhole)");
        routes_.push_back(r); // a gateway that is no address must name a client link (finish)
    }

    void identity(const Command& c) {
        if (auto n = c.prop("name")) identity_ = *n;
        for (auto& p : c.props)
            if (p.key != "name")
                report(c.line, "unsupported: /system identity " + p.key + "=" + p.value);
    }

    void certificate(const Command& c) {
        std::string name;
        if (auto n = c.prop("name"))
            name = *n;
        else if (c.verb == "sign" && !c.words.empty())
            name = c.words[0];
        else if (c.verb == "import" && c.prop("file-name"))
            name = "(file " + *c.prop("file-name") + ")";
        if (c.verb != "add" && c.verb != "sign" && c.verb != "import" && c.verb != "set")
            return report(c.line, "unsupported: /certificate " + c.verb);
        if (!name.empty() &&
            std::find(certificates_.begin(), certificates_.end(), name) == certificates_.end())
            certificates_.push_back(name);
    }

    // Cross-item work: ports, default routes, checks the daemon would refuse.
    void finish() {
        for (auto& [name, device] : options_.ports) {
            Interface* i = iface(name);
            if (!i) {
                report(0, "refused: --port " + name + "=" + device +
                              ": the export has no interface named " + name);
                continue;
            }
            ports_[i->name] = device;
        }
        for (auto& i : interfaces_) {
            bool mapped = ports_.count(i.name) != 0;
            if (i.address.empty()) {
                if (mapped || !i.fields.empty())
                    report(i.line, "refused: interface " + i.name +
                                       " has no /ip address; a vpnplane port needs one");
                continue;
            }
            if (!mapped)
                report(i.address_line, "refused: interface " + i.name + " (" + i.address +
                                           ") has no --port " + i.name + "=DEVICE");
        }
        firewall_.finish([&](const std::string& name) -> std::optional<std::string> {
            Interface* i = iface(name);
            if (!i || i->address.empty() || !ports_.count(i->name)) return std::nullopt;
            return i->name;
        });
        for (auto& r : routes_) {
            auto dst = net::parse_prefix(r.dst);
            if (!r.blackhole && !net::parse_ipv4(r.gateway)) {
                if (link_route(r)) static_routes_.push_back(r);
                continue;
            }
            if (!r.blackhole && dst && dst->length == 0) {
                if (default_gateway_) {
                    report(r.line, "refused: a second default route");
                    continue;
                }
                auto gw = net::parse_ipv4(r.gateway);
                Interface* on = nullptr;
                for (auto& i : interfaces_)
                    if (ports_.count(i.name))
                        if (auto p = net::parse_prefix(i.address); p && p->contains(*gw)) on = &i;
                if (!on) {
                    report(r.line, "refused: default route via " + r.gateway +
                                       ": no imported interface has it on its subnet");
                } else {
                    default_gateway_ = true;
                    on->fields.emplace_back("gateway", r.gateway);
                    on->fields.emplace_back("role", "wan");
                }
                continue;
            }
            static_routes_.push_back(r);
        }
        if (ovpn_.line && !ovpn_.get("certificate")) {
            report(ovpn_.line, "refused: /interface ovpn-server server has no certificate=; "
                               "the section is not written (vpnplane needs the server's "
                               "certificate)");
            ovpn_written_ = false;
        }
        if (ports_.empty())
            report(0, "refused: no interface was imported; vpnplaned needs at least one "
                      "(an /ip address and --port NAME=DEVICE)");
    }

    // A route whose gateway names a client link: kept when the link was imported.
    bool link_route(const Route& r) {
        const detail::ClientLink* link = clients_.find(r.gateway);
        const char* kind = "ovpn-client";
        if (!link) {
            link = sstp_clients_.find(r.gateway);
            kind = "sstp-client";
        }
        if (link && link->ok) return true;
        if (link)
            report(r.line, "refused: gateway=" + r.gateway + ": the " + kind + " link (line " +
                               std::to_string(link->line) + ") is not imported");
        else
            report(r.line, "refused: gateway=" + r.gateway +
                               ": neither a next-hop address nor an /interface ovpn-client or "
                               "sstp-client of the export");
        return false;
    }

    static void write_fields(std::string& out, const Fields& fields) {
        for (auto& [k, v] : fields)
            out += " " + k + " = " + value_text(k, v) + ";";
    }

    void write_list(std::string& out, const char* section, const EntryList& entries) {
        const std::vector<Entry>& list = entries.items;
        if (list.empty()) return;
        out += std::string(section) + " = (\n";
        for (size_t n = 0; n < list.size(); ++n) {
            out += "  { name = " + quote(list[n].name) + ";";
            write_fields(out, list[n].fields);
            out += n + 1 < list.size() ? " },\n" : " }\n";
        }
        out += ");\n";
    }

    std::string write() {
        std::string out =
            "# vpnplane configuration imported from " +
            (options_.source_name.empty() ? "a RouterOS export" : options_.source_name) +
            " by `vpnctl import-routeros`.\n"
            "# docs/configuration.md describes every setting.\n";
        if (!certificates_.empty()) {
            out += "# Certificates: only their names are imported. Import the key material "
                   "with `vpnctl certificate import`:\n";
            for (auto& c : certificates_)
                out += "#   " + c + "\n";
        }
        if (!identity_.empty()) out += "system = { identity = " + quote(identity_) + "; };\n";
        std::vector<const Interface*> written;
        for (auto& i : interfaces_)
            if (!i.address.empty() && ports_.count(i.name)) written.push_back(&i);
        if (!written.empty()) {
            out += "interfaces = (\n";
            for (size_t n = 0; n < written.size(); ++n) {
                const Interface& i = *written[n];
                out += "  { name = " + quote(i.name) + "; device = " + quote(ports_[i.name]) +
                       "; address = " + quote(i.address) + ";";
                write_fields(out, i.fields);
                out += n + 1 < written.size() ? " },\n" : " }\n";
            }
            out += ");\n";
        }
        if (!static_routes_.empty()) {
            out += "ip = {\n  routes = (\n";
            for (size_t n = 0; n < static_routes_.size(); ++n) {
                auto& r = static_routes_[n];
                out += "    { dst_address = " + quote(r.dst) + "; " +
                       (r.blackhole ? "type = \"blackhole\";"
                                    : "gateway = " + quote(r.gateway) + ";") +
                       (n + 1 < static_routes_.size() ? " },\n" : " }\n");
            }
            out += "  );\n};\n";
        }
        write_list(out, "ip_pools", pools_);
        write_list(out, "ppp_profiles", profiles_);
        write_list(out, "ppp_secrets", secrets_);
        if (ovpn_.line && ovpn_written_) {
            out += "ovpn_server = {";
            write_fields(out, ovpn_.fields);
            out += " };\n";
        }
        if (sstp_.line) {
            out += "sstp_server = {";
            if (!sstp_.get("enabled")) sstp_.set("enabled", "no");
            write_fields(out, sstp_.fields);
            out += " };\n";
        }
        out += clients_.write();
        out += sstp_clients_.write();
        out += firewall_.write_lists();
        out += firewall_.write();
        return out;
    }

    const ImportOptions& options_;
    ImportResult result_;
    detail::FirewallImport firewall_{result_.reports};
    detail::ClientLinkImport clients_{result_.reports, detail::ovpn_client_menu};
    detail::ClientLinkImport sstp_clients_{result_.reports, detail::sstp_client_menu};
    EntryList pools_, profiles_, secrets_;
    Entry ovpn_, sstp_;
    bool ovpn_added_ = false, ovpn_written_ = true, default_gateway_ = false;
    std::vector<Interface> interfaces_;
    std::map<std::string, size_t> interface_index_; // names and default-names -> interfaces_
    std::map<std::string, std::string> ports_;      // final interface name -> device
    std::vector<Route> routes_, static_routes_;
    std::vector<std::string> certificates_;
    std::string identity_;
};

} // namespace

ImportResult translate(const Export& parsed, const ImportOptions& options) {
    return Translator(options).run(parsed);
}

std::string format_report(const Report& report) {
    if (report.line == 0) return report.text;
    return "line " + std::to_string(report.line) + ": " + report.text;
}

} // namespace vp::tools::routeros
