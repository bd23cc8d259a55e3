// RouterOS /interface ovpn-client -> `ovpn_clients` (the OpenVPN links the appliance dials).
// What the daemon refuses for a link (TCP, layer 2, a DNS name to connect to, a default route
// through the link) is reported with the line and the link is not written; properties vpnplane
// lacks but that do not change where the link connects are reported and left out.
#include "base/ipv4.hpp"
#include "tools/vpnctl/routeros_translate_parts.hpp"

#include <algorithm>

namespace vp::tools::routeros::detail {

namespace {

bool all_digits(const std::string& v) {
    return !v.empty() && v.size() < 10 &&
           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

const ClientLink* OvpnClientImport::find(const std::string& name) const {
    for (auto& l : links_)
        if (l.name == name) return &l;
    return nullptr;
}

void OvpnClientImport::command(const Command& c) {
    ClientLink* link = nullptr;
    if (c.verb == "add") {
        ClientLink l;
        l.line = c.line;
        // RouterOS names unnamed client interfaces ovpn-out1, ovpn-out2, ...
        if (c.prop("name") && !c.prop("name")->empty()) {
            l.name = *c.prop("name");
        } else {
            for (size_t n = 1; l.name.empty() || find(l.name); ++n)
                l.name = "ovpn-out" + std::to_string(n);
        }
        if (find(l.name))
            return report(c.line,
                          "refused: /interface ovpn-client '" + l.name + "' is added twice");
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
            return report(c.line, "unsupported: /interface ovpn-client set without the name of "
                                  "a link added above");
    }
    ClientLink& l = *link;
    auto put = [&](const std::string& key, const std::string& rendered) {
        auto old =
            std::find_if(l.fields.begin(), l.fields.end(), [&](auto& f) { return f.first == key; });
        if (old != l.fields.end())
            old->second = rendered;
        else
            l.fields.emplace_back(key, rendered);
    };
    auto refuse_link = [&](const Property& p, const std::string& why) {
        report(c.line,
               "refused: " + p.key + "=" + p.value + ": " + why + " (the link is not imported)");
        l.ok = false;
    };
    auto yes_no = [&](const Property& p, const char* setting) {
        if (p.value == "yes" || p.value == "no")
            put(setting, p.value == "yes" ? "true" : "false");
        else
            refuse_link(p, "is yes or no");
    };
    bool verify = false;
    std::string ca;
    for (auto& p : c.props) {
        const std::string& k = p.key;
        const std::string& v = p.value;
        if (k == "name") {
            if (c.verb == "set" && !v.empty()) l.name = v;
        } else if (k == "connect-to") {
            std::string host = v;
            // RouterOS prints connect-to=ADDRESS:PORT in some versions.
            if (auto colon = host.find(':'); colon != std::string::npos) {
                if (all_digits(host.substr(colon + 1))) put("port", host.substr(colon + 1));
                host.resize(colon);
            }
            if (host.empty())
                refuse_link(p, "the server's address is required");
            else if (!net::parse_ipv4(host))
                refuse_link(p, "not an IPv4 address; DNS names are not supported yet");
            else
                put("connect_to", quote(host));
        } else if (k == "port") {
            if (!all_digits(v) || std::stoul(v) < 1 || std::stoul(v) > 65535)
                refuse_link(p, "is 1..65535");
            else
                put("port", v);
        } else if (k == "protocol") {
            if (v == "udp" || v == "tcp")
                put("protocol", quote(v));
            else
                refuse_link(p, "is udp or tcp");
        } else if (k == "mode") {
            if (v == "ip")
                put("mode", quote(v));
            else
                refuse_link(p, "only layer-3 links (mode=ip) are supported");
        } else if (k == "user" || k == "password" || k == "certificate" || k == "auth" ||
                   k == "tls-version") {
            std::string setting = k == "tls-version" ? "tls_version" : k;
            if (!v.empty()) put(setting, quote(v));
        } else if (k == "ca-certificate") {
            if (!v.empty() && v != "none") ca = v;
        } else if (k == "verify-server-certificate") {
            verify = v == "yes";
            yes_no(p, "verify_server_certificate");
        } else if (k == "cipher") {
            std::string kept;
            size_t at = 0;
            while (at <= v.size()) {
                size_t comma = v.find(',', at);
                std::string one = v.substr(at, comma == std::string::npos ? comma : comma - at);
                if (one.rfind("blowfish", 0) == 0 || one == "null")
                    report(c.line, "refused: cipher " + one + ": not supported by vpnplane");
                else if (!one.empty())
                    kept += (kept.empty() ? "" : ",") + one;
                if (comma == std::string::npos) break;
                at = comma + 1;
            }
            if (kept.empty())
                refuse_link(p, "no cipher vpnplane supports is left");
            else
                put("cipher", quote(kept));
        } else if (k == "add-default-route") {
            if (v == "yes")
                refuse_link(p, "a default route through a client link is not supported yet; add "
                               "/ip route entries naming the link");
            else
                yes_no(p, "add_default_route");
        } else if (k == "route-nopull") {
            yes_no(p, "route_nopull");
        } else if (k == "disabled") {
            yes_no(p, "disabled");
        } else if (k == "keepalive-timeout") {
            put("keepalive_timeout", all_digits(v) ? v : quote(v));
        } else if (k == "profile") {
            if (v != "default" && v != "default-encryption" && !v.empty())
                report(c.line, "unsupported: profile=" + v +
                                   " (a client link uses no PPP profile; not imported)");
        } else if (!v.empty()) {
            report(c.line, "unsupported: /interface ovpn-client " + k + "=" + v +
                               " (no vpnplane counterpart; the link is imported without it)");
        }
    }
    if (!ca.empty()) {
        if (verify)
            put("ca_certificate", quote(ca));
        else
            report(c.line, "refused: ca-certificate=" + ca +
                               ": vpnplane uses it only with verify-server-certificate=yes "
                               "(the link is imported without it)");
    }
    if (c.verb == "add") {
        auto has = [&](const char* key) {
            return std::any_of(l.fields.begin(), l.fields.end(),
                               [&](auto& f) { return f.first == key; });
        };
        if (l.ok && !c.prop("connect-to")) {
            report(c.line, "refused: /interface ovpn-client " + l.name +
                               " has no connect-to= (the link is not imported)");
            l.ok = false;
        }
        if (l.ok && !has("user")) {
            report(c.line, "refused: /interface ovpn-client " + l.name +
                               " has no user= (the link is not imported)");
            l.ok = false;
        }
    }
}

std::string OvpnClientImport::write() const {
    std::string items;
    for (auto& l : links_) {
        if (!l.ok) continue;
        items += items.empty() ? "  {" : ",\n  {";
        items += " name = " + quote(l.name) + ";";
        for (auto& [k, v] : l.fields)
            items += " " + k + " = " + v + ";";
        items += " }";
    }
    return items.empty() ? std::string() : "ovpn_clients = (\n" + items + "\n);\n";
}

} // namespace vp::tools::routeros::detail
