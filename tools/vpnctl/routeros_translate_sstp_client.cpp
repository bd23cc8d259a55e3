// RouterOS /interface sstp-client -> `sstp_clients` (the SSTP links the appliance dials). What
// the daemon refuses for a link (a DNS name or no address in connect-to, add-default-route,
// dial-on-demand, an HTTP proxy, a profile with settings, no user) is reported with the line and
// the link is not written; properties vpnplane lacks that do not change where or how the link
// connects are reported and left out.
#include "base/ipv4.hpp"
#include "tools/vpnctl/routeros_translate_parts.hpp"

#include <algorithm>

namespace vp::tools::routeros::detail {

namespace {

bool digits(const std::string& v) {
    return !v.empty() && v.size() < 10 &&
           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

const ClientLink* SstpClientImport::find(const std::string& name) const {
    for (auto& l : links_)
        if (l.name == name) return &l;
    return nullptr;
}

void SstpClientImport::command(const Command& c) {
    ClientLink* link = nullptr;
    if (c.verb == "add") {
        ClientLink l;
        l.line = c.line;
        // RouterOS names unnamed client interfaces sstp-out1, sstp-out2, ...
        if (c.prop("name") && !c.prop("name")->empty()) {
            l.name = *c.prop("name");
        } else {
            for (size_t n = 1; l.name.empty() || find(l.name); ++n)
                l.name = "sstp-out" + std::to_string(n);
        }
        if (find(l.name))
            return report(c.line,
                          "refused: /interface sstp-client '" + l.name + "' is added twice");
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
            return report(c.line, "unsupported: /interface sstp-client set without the name of "
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
            // connect-to=ADDRESS:PORT (as RouterOS prints it).
            if (auto colon = host.find(':'); colon != std::string::npos) {
                if (digits(host.substr(colon + 1))) put("port", host.substr(colon + 1));
                host.resize(colon);
            }
            if (host.empty() || host == "0.0.0.0")
                refuse_link(p, "the server's address is required");
            else if (!net::parse_ipv4(host))
                refuse_link(p, "not an IPv4 address; DNS names are not supported yet");
            else
                put("connect_to", quote(host));
        } else if (k == "port") {
            if (!digits(v) || std::stoul(v) < 1 || std::stoul(v) > 65535)
                refuse_link(p, "is 1..65535");
            else
                put("port", v);
        } else if (k == "user" || k == "password" || k == "certificate") {
            if (!v.empty() && !(k == "certificate" && v == "none")) put(k, quote(v));
        } else if (k == "ca-certificate") {
            if (!v.empty() && v != "none") ca = v;
        } else if (k == "verify-server-certificate") {
            verify = v == "yes";
            yes_no(p, "verify_server_certificate");
        } else if (k == "verify-server-address-from-certificate") {
            if (v == "no")
                report(c.line, "unsupported: verify-server-address-from-certificate=no "
                               "(vpnplane checks the chain only; left out)");
        } else if (k == "authentication") {
            put("authentication", quote(v));
        } else if (k == "tls-version") {
            if (v == "any" || v == "only-1.2" || v == "only-1.3")
                put("tls_version", quote(v));
            else
                refuse_link(p, "is any, only-1.2 or only-1.3");
        } else if (k == "pfs") {
            if (v == "yes" || v == "no" || v == "required")
                put("pfs", quote(v));
            else
                refuse_link(p, "is no, yes or required");
        } else if (k == "ciphers") {
            put("ciphers", quote(v));
        } else if (k == "max-mtu" || k == "max-mru") {
            if (!digits(v) || std::stoul(v) < 576 || std::stoul(v) > 1500)
                refuse_link(p, "is 576..1500 in vpnplane");
            else
                put(k == "max-mtu" ? "max_mtu" : "max_mru", v);
        } else if (k == "mrru") {
            if (v != "disabled")
                refuse_link(p, "multilink PPP (mrru) is not implemented; leave it disabled");
        } else if (k == "keepalive-timeout") {
            put("keepalive_timeout", digits(v) ? v : quote(v));
        } else if (k == "add-default-route") {
            if (v == "yes")
                refuse_link(p, "a default route through a client link is not supported yet; add "
                               "/ip route entries naming the link");
        } else if (k == "default-route-distance") {
            // Only meaningful with add-default-route=yes, which is refused above.
        } else if (k == "dial-on-demand") {
            if (v == "yes") refuse_link(p, "client links dial at start");
        } else if (k == "http-proxy") {
            if (!v.empty() && v.rfind("0.0.0.0", 0) != 0)
                refuse_link(p, "connecting through an HTTP proxy is not supported");
        } else if (k == "disabled") {
            yes_no(p, "disabled");
        } else if (k == "profile") {
            if (v != "default" && v != "default-encryption" && !v.empty())
                refuse_link(p, "a client link applies no PPP profile settings; only default "
                               "and default-encryption");
        } else if (!v.empty()) {
            report(c.line, "unsupported: /interface sstp-client " + k + "=" + v +
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
            report(c.line, "refused: /interface sstp-client " + l.name +
                               " has no connect-to= (the link is not imported)");
            l.ok = false;
        }
        if (l.ok && !has("user")) {
            report(c.line, "refused: /interface sstp-client " + l.name +
                               " has no user= (the link is not imported)");
            l.ok = false;
        }
        // RouterOS adds client interfaces disabled unless the command says otherwise.
        if (l.ok && !has("disabled")) put("disabled", "true");
    }
}

std::string SstpClientImport::write() const {
    std::string items;
    for (auto& l : links_) {
        if (!l.ok) continue;
        items += items.empty() ? "  {" : ",\n  {";
        items += " name = " + quote(l.name) + ";";
        for (auto& [k, v] : l.fields)
            items += " " + k + " = " + v + ";";
        items += " }";
    }
    return items.empty() ? std::string() : "sstp_clients = (\n" + items + "\n);\n";
}

} // namespace vp::tools::routeros::detail
