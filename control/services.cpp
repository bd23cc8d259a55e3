// Loading the protocol sections and the OpenVPN server's credentials.
#include "control/services.hpp"

#include "pki/store.hpp"

#include <ctime>

namespace vp::ctl {

namespace {

// sstp_server: RouterOS's `/interface sstp-server server` properties, read with their types and
// bounds so that a typo or a bad value is refused with file:line as in every other section. The
// server itself is not in this version, so `enabled = true` is refused rather than ignored.
void check_sstp_server(config::Section& s, const aaa::AaaConfig& aaa) {
    if (s.get_bool("enabled", false))
        s.error("enabled", "the SSTP server is not available in this version");
    s.get_int("port", 443, 1, 65535);
    s.get_string("certificate", "none");
    auto profile = s.get_string("default_profile", "default");
    if (!aaa.profile(profile)) s.error("default_profile", "no profile named '" + profile + "'");
    for (auto& a : s.get_string_list("authentication"))
        if (a != "pap" && a != "chap" && a != "mschap1" && a != "mschap2")
            s.error("authentication", "'" + a + "' is not one of: pap, chap, mschap1, mschap2");
    s.get_int("max_mtu", 1500, 64, 65535);
    s.get_int("max_mru", 1500, 64, 65535);
    if (s.has("mrru") && s.setting()["mrru"].getType() == libconfig::Setting::TypeString)
        s.get_enum<int>("mrru", 0, {{"disabled", 0}});
    else
        s.get_int("mrru", 0, 0, 65535);
    s.get_seconds("keepalive_timeout", 60, 1, 86400, true);
    s.get_bool("verify_client_certificate", false);
    s.get_enum<int>("tls_version", 0, {{"any", 0}, {"only-1.2", 1}, {"only-1.3", 2}});
    s.get_bool("force_aes", false);
    s.get_enum<int>("pfs", 0, {{"no", 0}, {"yes", 1}, {"required", 2}});
    for (auto& c : s.get_string_list("ciphers"))
        if (c != "aes256-sha" && c != "aes256-gcm-sha384")
            s.error("ciphers", "'" + c + "' is not one of: aes256-sha, aes256-gcm-sha384");
    s.finish();
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
        // parse_server_config refuses protocol = "tcp" itself: one message, not two.
        out.ovpn = ovpn::parse_server_config(*s);
        // A reference to a profile that does not exist is wrong whether or not the server is on.
        if (!out.aaa.profile(out.ovpn.default_profile))
            s->error("default_profile", "no profile named '" + out.ovpn.default_profile + "'");
    }
    if (auto s = root.group("sstp_server")) check_sstp_server(*s, out.aaa);
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
    return services;
}

Result<tls::Credentials> ovpn_credentials(const ServicesConfig& services) {
    const ovpn::ServerConfig& c = services.ovpn;
    if (c.certificate.empty()) return ovpn::load_config_credentials(c);
    auto store = pki::Store::open(services.certificate_store);
    if (!store.ok())
        return make_error("certificate store " + services.certificate_store + ": " +
                          store.message());
    std::time_t now = std::time(nullptr);
    auto identity = store->load_identity(c.certificate, now);
    if (!identity.ok())
        return make_error("certificate '" + c.certificate + "': " + identity.message());
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
    for (auto& name : store->certificate_names())
        if (store->has_crl(name))
            if (auto crl = store->load_crl(name); crl.ok()) creds.crls.emplace_back(crl->release());
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

} // namespace vp::ctl
