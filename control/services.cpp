// Loading the protocol sections and the OpenVPN server's credentials.
#include "control/services.hpp"

#include "base/host_name.hpp"
#include "control/tls/key_export.hpp"
#include "pki/store.hpp"

#include <algorithm>
#include <ctime>

namespace vp::ctl {

namespace {

// sstp_server: RouterOS's `/interface sstp-server server` properties, read with their types and
// bounds so that a typo or a bad value is refused with file:line as in every other section.
// What the server does not implement yet is refused when it is enabled, not ignored.
sstp::ServerConfig check_sstp_server(config::Section& s, const aaa::AaaConfig& aaa) {
    sstp::ServerConfig c;
    c.enabled = s.get_bool("enabled", false);
    c.port = static_cast<uint16_t>(s.get_int("port", 443, 1, 65535));
    c.certificate = s.get_string("certificate", "none");
    c.default_profile = s.get_string("default_profile", "default");
    if (!aaa.profile(c.default_profile))
        s.error("default_profile", "no profile named '" + c.default_profile + "'");
    if (s.has("authentication")) c.authentication = sstp::parse_authentication(s);
    c.max_mtu = static_cast<uint16_t>(s.get_int("max_mtu", 1500, 64, 65535));
    c.max_mru = static_cast<uint16_t>(s.get_int("max_mru", 1500, 64, 65535));
    if (s.has("mrru") && s.setting()["mrru"].getType() == libconfig::Setting::TypeString)
        c.mrru = static_cast<uint32_t>(s.get_enum<int>("mrru", 0, {{"disabled", 0}}));
    else
        c.mrru = static_cast<uint32_t>(s.get_int("mrru", 0, 0, 65535));
    c.keepalive_timeout_s =
        static_cast<uint32_t>(s.get_seconds("keepalive_timeout", 60, 1, 86400, true));
    c.max_handshakes = static_cast<uint32_t>(s.get_int("max_handshakes", 1024, 1, 1000000));
    c.max_handshakes_per_source =
        static_cast<uint32_t>(s.get_int("max_handshakes_per_source", 64, 1, 1000000));
    c.verify_client_certificate = s.get_bool("verify_client_certificate", false);
    c.tls_version = static_cast<sstp::TlsVersions>(
        s.get_enum<int>("tls_version", 0, {{"any", 0}, {"only-1.2", 1}, {"only-1.3", 2}}));
    c.force_aes = s.get_bool("force_aes", false);
    c.pfs =
        static_cast<sstp::Pfs>(s.get_enum<int>("pfs", 0, {{"no", 0}, {"yes", 1}, {"required", 2}}));
    if (s.has("ciphers")) {
        c.ciphers = s.get_string_list("ciphers");
        for (auto& x : c.ciphers)
            if (x != "aes256-sha" && x != "aes256-gcm-sha384")
                s.error("ciphers", "'" + x + "' is not one of: aes256-sha, aes256-gcm-sha384");
    }
    if (c.enabled) {
        if (c.mrru != 0)
            s.error("mrru", "multilink PPP (mrru) is not implemented; leave it \"disabled\"");
        if (c.certificate == "none" || c.certificate.empty())
            s.error("certificate", "anonymous (ADH) SSTP is not implemented; name a certificate "
                                   "of the store");
        if (c.verify_client_certificate)
            s.error("verify_client_certificate", "client certificates are not implemented yet");
        if (c.authentication.empty()) s.error("authentication", "at least one method is needed");
        if (c.ciphers.empty() && c.tls_version != sstp::TlsVersions::Only13)
            s.error("ciphers", "at least one cipher is needed for TLS 1.2");
    }
    s.finish();
    return c;
}

} // namespace

Result<ServicesConfig> load_services(const config::ApplianceConfig& c) {
    ServicesConfig out;
    config::Diagnostics diag;
    config::Section root(c.raw->getRoot(), diag);
    if (auto a = aaa::parse_aaa_config(root)) out.aaa = std::move(*a);
    if (auto s = root.group("ovpn_server")) {
        // Settings beyond the OpenVPN control plane's own parser, read first.
        uint32_t bits = static_cast<uint32_t>(s->get_int("data_replay_window", 2048, 64, 65536));
        if (bits & (bits - 1))
            s->error("data_replay_window", "must be a power of two (64 .. 65536)");
        out.ovpn_data_replay_window = bits;
        out.ovpn = ovpn::parse_server_config(*s);
        // A reference to a profile that does not exist is wrong whether or not the server is on.
        if (!out.aaa.profile(out.ovpn.default_profile))
            s->error("default_profile", "no profile named '" + out.ovpn.default_profile + "'");
    }
    if (auto s = root.group("sstp_server")) out.sstp = check_sstp_server(*s, out.aaa);
    if (root.has("ovpn_clients")) {
        auto links = root.groups("ovpn_clients");
        out.ovpn_clients = ovpn::parse_client_links(links);
    }
    if (root.has("sstp_clients")) {
        auto links = root.groups("sstp_clients");
        out.sstp_clients = sstp::parse_client_links(links);
        // One link per section; the name's syntax is checked here, where the resolver's
        // library is (as ovpn_clients' parser does).
        for (size_t i = 0; i < out.sstp_clients.size() && i < links.size(); ++i) {
            const std::string& host = out.sstp_clients[i].connect_host;
            if (!host.empty() && !net::is_dns_name(host))
                links[i].error("connect_to",
                               "'" + host + "' is neither an IPv4 address nor a DNS host name");
        }
    }
    for (auto& r : c.ip.routes) {
        if (r.gateway_link.empty()) continue;
        bool known =
            std::any_of(
                out.ovpn_clients.begin(), out.ovpn_clients.end(),
                [&](const ovpn::ClientLinkConfig& l) { return l.name == r.gateway_link; }) ||
            std::any_of(out.sstp_clients.begin(), out.sstp_clients.end(),
                        [&](const sstp::ClientLinkConfig& l) { return l.name == r.gateway_link; });
        if (!known)
            root.error("ip", "routes: gateway '" + r.gateway_link + "' of " +
                                 net::to_string(r.destination) +
                                 " is neither an IPv4 address nor a client link name "
                                 "(ovpn_clients, sstp_clients)");
        out.link_routes.push_back({r.destination, r.gateway_link});
    }
    if (auto s = root.group("certificates")) {
        out.certificate_store = s->get_string("store", out.certificate_store);
        s->finish();
    }
    if (!diag.ok()) {
        std::string text = diag.text();
        if (!text.empty() && text.back() == '\n') text.pop_back();
        return make_error(text);
    }
    return out;
}

Result<ServicesConfig> validate_services(const config::ApplianceConfig& config) {
    auto services = load_services(config);
    if (!services.ok()) return services.error();
    if (services->ovpn.enabled)
        if (auto setup = ovpn_setup(*services); !setup.ok()) return setup.error();
    if (services->sstp.enabled)
        if (auto creds = sstp_credentials(*services); !creds.ok()) return creds.error();
    for (auto& link : services->ovpn_clients)
        if (!link.disabled)
            if (auto tls = client_link_tls(*services, link); !tls.ok())
                return make_error(link.where + ": ovpn_clients " + link.name + ": " +
                                  tls.message());
    for (auto& link : services->sstp_clients)
        if (!link.disabled)
            if (auto tls = sstp_client_tls(*services, link); !tls.ok())
                return make_error(link.where + ": sstp_clients " + link.name + ": " +
                                  tls.message());
    return services;
}

Result<tls::Credentials> store_credentials(const std::string& store_path, const std::string& name) {
    auto store = pki::Store::open(store_path);
    if (!store.ok()) return make_error("certificate store " + store_path + ": " + store.message());
    std::time_t now = std::time(nullptr);
    auto identity = store->load_identity(name, now);
    if (!identity.ok()) return make_error("certificate '" + name + "': " + identity.message());
    tls::Credentials creds;
    creds.certificate.reset(identity->certificate.release());
    creds.private_key.reset(identity->private_key.release());
    for (X509* x : identity->chain_without_root()) {
        X509_up_ref(x);
        creds.chain.emplace_back(x);
    }
    for (auto& ca : store->trusted_cas())
        creds.trusted.emplace_back(ca.release());
    // The CRL of every CA in the store that has one: revoked clients are refused.
    for (auto& crl_name : store->certificate_names())
        if (store->has_crl(crl_name))
            if (auto crl = store->load_crl(crl_name); crl.ok())
                creds.crls.emplace_back(crl->release());
    return creds;
}

Result<tls::Credentials> ovpn_credentials(const ServicesConfig& services) {
    const ovpn::ServerConfig& c = services.ovpn;
    if (c.certificate.empty()) return ovpn::load_config_credentials(c);
    return store_credentials(services.certificate_store, c.certificate);
}

Result<tls::Credentials> sstp_credentials(const ServicesConfig& services) {
    auto creds = store_credentials(services.certificate_store, services.sstp.certificate);
    if (!creds.ok()) return make_error("sstp_server: " + creds.message());
    return creds;
}

Result<std::shared_ptr<const ovpn::ServerSetup>> ovpn_setup(const ServicesConfig& services) {
    auto creds = ovpn_credentials(services);
    if (!creds.ok()) return make_error("ovpn_server: " + creds.message());
    // make_server_setup's errors already name their setting (ovpn_server.tls_auth: ...).
    auto setup = ovpn::make_server_setup(services.ovpn, *creds);
    if (!setup.ok()) return setup.error();
    return setup;
}

Result<std::shared_ptr<const tls::Context>> client_link_tls(const ServicesConfig& services,
                                                            const ovpn::ClientLinkConfig& link) {
    tls::Credentials creds;
    bool need_store = !link.certificate.empty() || link.verify_server_certificate;
    if (need_store) {
        auto store = pki::Store::open(services.certificate_store);
        if (!store.ok())
            return make_error("certificate store " + services.certificate_store + ": " +
                              store.message());
        if (!link.certificate.empty()) {
            auto id = store_credentials(services.certificate_store, link.certificate);
            if (!id.ok()) return id.error();
            creds = std::move(*id);
        }
        if (link.verify_server_certificate) {
            creds.trusted.clear();
            if (!link.ca_certificate.empty()) {
                auto ca = store->load_certificate(link.ca_certificate);
                if (!ca.ok())
                    return make_error("ca_certificate '" + link.ca_certificate +
                                      "': " + ca.message());
                creds.trusted.emplace_back(ca->release());
            } else {
                for (auto& ca : store->trusted_cas())
                    creds.trusted.emplace_back(ca.release());
            }
            if (creds.trusted.empty())
                return make_error("verify_server_certificate needs a trusted CA in the store");
        }
    }
    tls::Policy policy;
    policy.min_version = link.tls_min;
    policy.max_version = link.tls_max;
    policy.verify_peer = link.verify_server_certificate;
    return tls::Context::client(creds, policy);
}

namespace {
// The credentials of an SSTP client link: its certificate (optional) and the CAs it trusts
// (as client_link_tls reads them for an OpenVPN link).
Result<tls::Credentials> link_credentials(const ServicesConfig& services,
                                          const std::string& certificate, bool verify,
                                          const std::string& ca_certificate) {
    tls::Credentials creds;
    bool need_store = !certificate.empty() || verify;
    if (need_store) {
        auto store = pki::Store::open(services.certificate_store);
        if (!store.ok())
            return make_error("certificate store " + services.certificate_store + ": " +
                              store.message());
        if (!certificate.empty()) {
            auto id = store_credentials(services.certificate_store, certificate);
            if (!id.ok()) return id.error();
            creds = std::move(*id);
        }
        if (verify) {
            creds.trusted.clear();
            if (!ca_certificate.empty()) {
                auto ca = store->load_certificate(ca_certificate);
                if (!ca.ok())
                    return make_error("ca_certificate '" + ca_certificate + "': " + ca.message());
                creds.trusted.emplace_back(ca->release());
            } else {
                for (auto& ca : store->trusted_cas())
                    creds.trusted.emplace_back(ca.release());
            }
            if (creds.trusted.empty())
                return make_error("verify_server_certificate needs a trusted CA in the store");
        }
    }
    return creds;
}
} // namespace

Result<std::shared_ptr<const tls::Context>> sstp_client_tls(const ServicesConfig& services,
                                                            const sstp::ClientLinkConfig& link) {
    auto creds = link_credentials(services, link.certificate, link.verify_server_certificate,
                                  link.ca_certificate);
    if (!creds.ok()) return creds.error();
    auto ctx = tls::Context::client(*creds, sstp::client_tls_policy(link));
    if (!ctx.ok()) return ctx.error();
    // The link's record layer goes to a worker once the call is up (docs/sstp.md): no tickets,
    // no renegotiation, no encrypt-then-MAC, and the key-log capture the export needs.
    if (auto st = tls::configure_for_offload((*ctx)->native()); !st.ok()) return st.error();
    return ctx;
}

} // namespace vp::ctl
