// RouterOS /interface ovpn-client and sstp-client -> `ovpn_clients` / `sstp_clients`: what the
// two menus share (naming, add/set, connect-to, port, user, certificates, keepalive, disabled,
// the checks of an `add`, writing the list). The menu-specific properties are in
// routeros_translate_ovpn_client.cpp and routeros_translate_sstp_client.cpp. What the daemon
// refuses for a link is reported with the line and the link is not written; properties vpnplane
// lacks that do not change where or how the link connects are reported and left out.
#include "base/host_name.hpp"
#include "base/ipv4.hpp"
#include "tools/vpnctl/routeros_translate_parts.hpp"

#include <algorithm>

namespace vp::tools::routeros::detail {

void ClientLinkEdit::put(const std::string& key, const std::string& rendered) {
    auto old = std::find_if(link.fields.begin(), link.fields.end(),
                            [&](auto& f) { return f.first == key; });
    if (old != link.fields.end())
        old->second = rendered;
    else
        link.fields.emplace_back(key, rendered);
}

bool ClientLinkEdit::has(const std::string& key) const {
    return std::any_of(link.fields.begin(), link.fields.end(),
                       [&](auto& f) { return f.first == key; });
}

void ClientLinkEdit::refuse(const Property& p, const std::string& why) {
    report("refused: " + p.key + "=" + p.value + ": " + why + " (the link is not imported)");
    link.ok = false;
}

void ClientLinkEdit::yes_no(const Property& p, const char* setting) {
    if (p.value == "yes" || p.value == "no")
        put(setting, p.value == "yes" ? "true" : "false");
    else
        refuse(p, "is yes or no");
}

const ClientLink* ClientLinkImport::find(const std::string& name) const {
    for (auto& l : links_)
        if (l.name == name) return &l;
    return nullptr;
}

void ClientLinkImport::command(const Command& c) {
    const std::string menu = std::string("/interface ") + menu_.menu;
    ClientLink* link = nullptr;
    if (c.verb == "add") {
        ClientLink l;
        l.line = c.line;
        if (c.prop("name") && !c.prop("name")->empty()) {
            l.name = *c.prop("name");
        } else {
            for (size_t n = 1; l.name.empty() || find(l.name); ++n)
                l.name = menu_.name_prefix + std::to_string(n);
        }
        if (find(l.name))
            return report(c.line, "refused: " + menu + " '" + l.name + "' is added twice");
        links_.push_back(std::move(l));
        link = &links_.back();
    } else {
        std::string name;
        for (auto& f : c.find)
            if (f.key == "name") name = f.value;
        if (name.empty() && !c.words.empty()) name = c.words[0];
        for (auto& l : links_)
            if (l.name == name) link = &l;
        if (!link)
            return report(c.line,
                          "unsupported: " + menu + " set without the name of a link added above");
    }
    ClientLinkEdit e(c, *link, reports_);
    bool verify = false;
    std::string ca;
    for (auto& p : c.props) {
        const std::string& k = p.key;
        const std::string& v = p.value;
        if (menu_.property(e, p)) continue;
        if (k == "name") {
            if (c.verb == "set" && !v.empty()) link->name = v;
        } else if (k == "connect-to") {
            std::string host = v;
            // connect-to=ADDRESS:PORT (as some RouterOS versions print it).
            if (auto colon = host.find(':'); colon != std::string::npos) {
                if (all_digits(host.substr(colon + 1))) e.put("port", host.substr(colon + 1));
                host.resize(colon);
            }
            if (host.empty() || host == "0.0.0.0")
                e.refuse(p, "the server's address is required");
            else if (net::parse_ipv4(host) || net::is_dns_name(host)) // the daemon resolves names
                e.put("connect_to", quote(host));
            else
                e.refuse(p, "neither an IPv4 address nor a DNS host name");
        } else if (k == "port") {
            if (!all_digits(v) || std::stoul(v) < 1 || std::stoul(v) > 65535)
                e.refuse(p, "is 1..65535");
            else
                e.put("port", v);
        } else if (k == "user" || k == "password" || k == "certificate") {
            if (!v.empty() && !(k == "certificate" && v == "none")) e.put(k, quote(v));
        } else if (k == "ca-certificate") {
            if (!v.empty() && v != "none") ca = v;
        } else if (k == "verify-server-certificate") {
            verify = v == "yes";
            e.yes_no(p, "verify_server_certificate");
        } else if (k == "keepalive-timeout") {
            e.put("keepalive_timeout", all_digits(v) ? v : quote(v));
        } else if (k == "disabled") {
            e.yes_no(p, "disabled");
        } else if (!v.empty()) {
            e.report("unsupported: " + menu + " " + k + "=" + v +
                     " (no vpnplane counterpart; the link is imported without it)");
        }
    }
    if (!ca.empty()) {
        if (verify)
            e.put("ca_certificate", quote(ca));
        else
            e.report("refused: ca-certificate=" + ca +
                     ": vpnplane uses it only with verify-server-certificate=yes "
                     "(the link is imported without it)");
    }
    if (c.verb == "add") {
        ClientLink& l = *link;
        if (l.ok && !c.prop("connect-to")) {
            e.report("refused: " + menu + " " + l.name +
                     " has no connect-to= (the link is not imported)");
            l.ok = false;
        }
        if (l.ok && !e.has("user")) {
            e.report("refused: " + menu + " " + l.name +
                     " has no user= (the link is not imported)");
            l.ok = false;
        }
        // RouterOS adds client interfaces disabled unless the command says otherwise.
        if (menu_.added_disabled && l.ok && !e.has("disabled")) e.put("disabled", "true");
    }
}

std::string ClientLinkImport::write() const {
    std::string items;
    for (auto& l : links_) {
        if (!l.ok) continue;
        items += items.empty() ? "  {" : ",\n  {";
        items += " name = " + quote(l.name) + ";";
        for (auto& [k, v] : l.fields)
            items += " " + k + " = " + v + ";";
        items += " }";
    }
    return items.empty() ? std::string() : std::string(menu_.section) + " = (\n" + items + "\n);\n";
}

} // namespace vp::tools::routeros::detail
