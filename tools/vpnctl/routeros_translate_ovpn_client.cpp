// RouterOS /interface ovpn-client: the properties only OpenVPN client links have (protocol,
// mode, auth, cipher, tls-version, route-nopull, add-default-route, profile). The rest of the
// menu is shared with sstp-client (routeros_translate_client_link.cpp).
#include "tools/vpnctl/routeros_translate_parts.hpp"

namespace vp::tools::routeros::detail {

namespace {

bool ovpn_property(ClientLinkEdit& e, const Property& p) {
    const std::string& k = p.key;
    const std::string& v = p.value;
    if (k == "protocol") {
        if (v == "udp" || v == "tcp")
            e.put("protocol", quote(v));
        else
            e.refuse(p, "is udp or tcp");
    } else if (k == "mode") {
        if (v == "ip")
            e.put("mode", quote(v));
        else
            e.refuse(p, "only layer-3 links (mode=ip) are supported");
    } else if (k == "auth" || k == "tls-version") {
        if (!v.empty()) e.put(k == "tls-version" ? "tls_version" : k, quote(v));
    } else if (k == "cipher") {
        std::string kept;
        size_t at = 0;
        while (at <= v.size()) {
            size_t comma = v.find(',', at);
            std::string one = v.substr(at, comma == std::string::npos ? comma : comma - at);
            if (one.rfind("blowfish", 0) == 0 || one == "null")
                e.report("refused: cipher " + one + ": not supported by vpnplane");
            else if (!one.empty())
                kept += (kept.empty() ? "" : ",") + one;
            if (comma == std::string::npos) break;
            at = comma + 1;
        }
        if (kept.empty())
            e.refuse(p, "no cipher vpnplane supports is left");
        else
            e.put("cipher", quote(kept));
    } else if (k == "add-default-route") {
        e.yes_no(p, "add_default_route");
    } else if (k == "route-nopull") {
        e.yes_no(p, "route_nopull");
    } else if (k == "profile") {
        if (v != "default" && v != "default-encryption" && !v.empty())
            e.report("unsupported: profile=" + v +
                     " (a client link uses no PPP profile; not imported)");
    } else {
        return false;
    }
    return true;
}

} // namespace

const ClientLinkMenu ovpn_client_menu{"ovpn-client", "ovpn-out", "ovpn_clients", false,
                                      ovpn_property};

} // namespace vp::tools::routeros::detail
