// Parsing the sstp_clients section, and a client link's TLS policy.
#include "control/sstp/client_config.hpp"

#include "control/config/client_link.hpp"

#include <algorithm>
#include <set>

namespace vp::sstp {

std::vector<ppp::AuthMethod> parse_authentication(config::Section& s) {
    auto listed = s.get_string_list("authentication");
    for (auto& a : listed)
        if (a != "pap" && a != "chap" && a != "mschap1" && a != "mschap2")
            s.error("authentication", "'" + a + "' is not one of: pap, chap, mschap1, mschap2");
    auto has = [&](const char* n) {
        return std::find(listed.begin(), listed.end(), n) != listed.end();
    };
    std::vector<ppp::AuthMethod> out;
    if (has("mschap2")) out.push_back(ppp::AuthMethod::MsChapV2);
    if (has("mschap1")) out.push_back(ppp::AuthMethod::MsChapV1);
    if (has("chap")) out.push_back(ppp::AuthMethod::ChapMd5);
    if (has("pap")) out.push_back(ppp::AuthMethod::Pap);
    return out;
}

std::vector<ClientLinkConfig> parse_client_links(std::vector<config::Section>& sections) {
    std::vector<ClientLinkConfig> out;
    std::set<std::string> names;
    for (auto& s : sections) {
        ClientLinkConfig c;
        c.where = s.where();
        config::parse_link_target(s, names, c.name, c.connect_to, &c.connect_host);
        c.port = static_cast<uint16_t>(s.get_int("port", 443, 1, 65535));
        c.user = s.get_string("user", "");
        c.password = s.get_string("password", "");
        if (c.user.empty()) s.error("user", "is required (the PPP user name)");
        c.certificate = s.get_string("certificate", "none");
        if (c.certificate == "none") c.certificate.clear();
        c.ca_certificate = s.get_string("ca_certificate", "");
        c.verify_server_certificate = s.get_bool("verify_server_certificate", false);
        if (!c.ca_certificate.empty() && !c.verify_server_certificate)
            s.error("ca_certificate", "is only used with verify_server_certificate = true");
        c.profile = s.get_string("profile", c.profile);
        if (c.profile != "default" && c.profile != "default-encryption")
            s.error("profile", "'" + c.profile +
                                   "': client links apply no profile settings yet; only "
                                   "\"default\" and \"default-encryption\" are accepted");
        if (s.has("authentication")) {
            c.authentication = parse_authentication(s);
            if (c.authentication.empty())
                s.error("authentication", "at least one method is needed");
        }
        c.max_mtu = static_cast<uint16_t>(s.get_int("max_mtu", 1500, 576, 1500));
        c.max_mru = static_cast<uint16_t>(s.get_int("max_mru", 1500, 576, 1500));
        if (s.get_bool("add_default_route", false))
            s.error("add_default_route", "a default route through a client link is not "
                                         "supported yet; add ip.routes entries naming the link");
        if (s.get_bool("dial_on_demand", false))
            s.error("dial_on_demand", "is not supported; client links dial at start");
        if (auto proxy = s.opt_string("http_proxy");
            proxy && *proxy != "0.0.0.0" && !proxy->empty())
            s.error("http_proxy", "connecting through an HTTP proxy is not supported");
        c.keepalive_timeout_s =
            static_cast<uint32_t>(s.get_seconds("keepalive_timeout", 60, 5, 86400, true));
        c.disabled = s.get_bool("disabled", false);
        c.tls_version = static_cast<TlsVersions>(
            s.get_enum<int>("tls_version", 0, {{"any", 0}, {"only-1.2", 1}, {"only-1.3", 2}}));
        c.pfs =
            static_cast<Pfs>(s.get_enum<int>("pfs", 0, {{"no", 0}, {"yes", 1}, {"required", 2}}));
        if (s.has("ciphers")) {
            c.ciphers = s.get_string_list("ciphers");
            for (auto& x : c.ciphers)
                if (x != "aes256-sha" && x != "aes256-gcm-sha384")
                    s.error("ciphers", "'" + x + "' is not one of: aes256-sha, aes256-gcm-sha384");
            if (c.ciphers.empty() && c.tls_version != TlsVersions::Only13)
                s.error("ciphers", "at least one cipher is needed for TLS 1.2");
        }
        s.finish();
        out.push_back(std::move(c));
    }
    if (out.size() > max_client_links && !sections.empty())
        sections.front().error("at most 256 client links");
    return out;
}

tls::Policy client_tls_policy(const ClientLinkConfig& link) {
    // The server's policy builder gives the same suites for the same RouterOS names; pfs
    // "yes" prefers ECDHE (as listed first), "required" offers nothing else.
    ServerConfig as_server;
    as_server.tls_version = link.tls_version;
    as_server.pfs = link.pfs;
    as_server.ciphers = link.ciphers;
    tls::Policy p = tls_policy(as_server);
    p.verify_peer = link.verify_server_certificate;
    return p;
}

} // namespace vp::sstp
