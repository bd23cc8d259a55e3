// Loading the protocol sections and the OpenVPN server's credentials.
#include "control/services.hpp"

#include "pki/store.hpp"

#include <ctime>

namespace vp::ctl {

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
        if (out.ovpn.enabled && !out.aaa.profile(out.ovpn.default_profile))
            s->error("default_profile", "no profile named '" + out.ovpn.default_profile + "'");
        if (out.ovpn.enabled && out.ovpn.protocol == ovpn::Transport::Tcp)
            s->error("protocol", "OpenVPN over TCP is not available yet (udp only)");
    }
    if (auto s = root.group("sstp_server")) {
        if (s->get_bool("enabled", false))
            s->error("enabled", "the SSTP server is not available in this version");
        // Nothing else of the section is read yet: no "unknown setting" for what will come.
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
    auto setup = ovpn::make_server_setup(services.ovpn, *creds);
    if (!setup.ok()) return make_error("ovpn_server: " + setup.message());
    return setup;
}

} // namespace vp::ctl
