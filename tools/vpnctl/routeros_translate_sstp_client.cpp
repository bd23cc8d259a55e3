// RouterOS /interface sstp-client: the properties only SSTP client links have (authentication,
// tls-version, pfs, ciphers, MTU/MRU, mrru, add-default-route, dial-on-demand, http-proxy,
// profile, verify-server-address-from-certificate). The rest of the menu is shared with
// ovpn-client (routeros_translate_client_link.cpp); an `add` without disabled= is written
// disabled, as RouterOS adds it.
#include "tools/vpnctl/routeros_translate_parts.hpp"

namespace vp::tools::routeros::detail {

namespace {

bool sstp_property(ClientLinkEdit& e, const Property& p) {
    const std::string& k = p.key;
    const std::string& v = p.value;
    if (k == "verify-server-address-from-certificate") {
        if (v == "no")
            e.report("unsupported: verify-server-address-from-certificate=no "
                     "(vpnplane checks the chain only; left out)");
    } else if (k == "authentication") {
        e.put("authentication", quote(v));
    } else if (k == "tls-version") {
        if (v == "any" || v == "only-1.2" || v == "only-1.3")
            e.put("tls_version", quote(v));
        else
            e.refuse(p, "is any, only-1.2 or only-1.3");
    } else if (k == "pfs") {
        if (v == "yes" || v == "no" || v == "required")
            e.put("pfs", quote(v));
        else
            e.refuse(p, "is no, yes or required");
    } else if (k == "ciphers") {
        e.put("ciphers", quote(v));
    } else if (k == "max-mtu" || k == "max-mru") {
        if (!all_digits(v) || std::stoul(v) < 576 || std::stoul(v) > 1500)
            e.refuse(p, "is 576..1500 in vpnplane");
        else
            e.put(k == "max-mtu" ? "max_mtu" : "max_mru", v);
    } else if (k == "mrru") {
        if (v != "disabled")
            e.refuse(p, "multilink PPP (mrru) is not implemented; leave it disabled");
    } else if (k == "add-default-route") {
        if (v == "yes")
            e.refuse(p, "a default route through a client link is not supported yet; add "
                        "/ip route entries naming the link");
    } else if (k == "default-route-distance") {
        // Only meaningful with add-default-route=yes, which is refused above.
    } else if (k == "dial-on-demand") {
        if (v == "yes") e.refuse(p, "client links dial at start");
    } else if (k == "http-proxy") {
        if (!v.empty() && v.rfind("0.0.0.0", 0) != 0)
            e.refuse(p, "connecting through an HTTP proxy is not supported");
    } else if (k == "profile") {
        if (v != "default" && v != "default-encryption" && !v.empty())
            e.refuse(p, "a client link applies no PPP profile settings; only default and "
                        "default-encryption");
    } else {
        return false;
    }
    return true;
}

} // namespace

const ClientLinkMenu sstp_client_menu{"sstp-client", "sstp-out", "sstp_clients", true,
                                      sstp_property};

} // namespace vp::tools::routeros::detail
