// Client onboarding: `vpnctl ovpn profile USER` writes a complete .ovpn for a user that matches
// the server's configuration (remote, port, ciphers, auth, the CA, the client's certificate and
// key from the store, the control-channel key), and `vpnctl sstp profile USER` prints what a
// Windows or Linux SSTP user needs. `vpnctl ovpn genkey ...` makes OpenVPN's key files.
#include "tools/vpnctl/args.hpp"
#include "tools/vpnctl/command.hpp"

#include "control/config/appliance_config.hpp"
#include "control/ovpn/static_key.hpp"
#include "control/services.hpp"
#include "pki/atomic_file.hpp"
#include "pki/client_profile.hpp"
#include "pki/store.hpp"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace vp::tools {

namespace {

constexpr int kFailed = 1, kMisuse = 2;

int fail(const std::string& what) {
    std::fprintf(stderr, "vpnctl: %s\n", what.c_str());
    return kFailed;
}

struct Loaded {
    config::ApplianceConfig config;
    ctl::ServicesConfig services;
};

Result<Loaded> load(const GlobalOptions& o) {
    auto config = config::load_config_file(o.config_path);
    if (!config.ok()) return config.error();
    auto services = ctl::load_services(*config);
    if (!services.ok()) return services.error();
    Loaded l{std::move(*config), std::move(*services)};
    if (!o.store_dir.empty()) l.services.certificate_store = o.store_dir;
    return l;
}

std::string default_remote(const config::ApplianceConfig& c) {
    for (auto& i : c.interfaces)
        if (i.role == config::InterfaceRole::Wan) return net::to_string(i.address.address);
    return c.interfaces.empty() ? "" : net::to_string(c.interfaces.front().address.address);
}

Result<std::string> read_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error("cannot read " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Writes `text` to `file` (mode 0600: it may hold a private key; never over an existing file),
// or to standard output when `file` is empty.
int emit(const std::string& text, const std::string& file, const char* what) {
    if (file.empty()) {
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    if (auto st = pki::write_file_atomic(file, text, 0600, pki::WriteMode::CreateNew); !st.ok())
        return fail(st.message());
    std::fprintf(stderr, "vpnctl: wrote %s %s\n", what, file.c_str());
    return 0;
}

int ovpn_profile(const std::vector<std::string>& args, const GlobalOptions& o) {
    auto a = split_args(args, 1);
    if (!a.ok() || a->words.size() != 1) {
        std::fprintf(stderr, "usage: vpnctl ovpn profile USER [certificate=NAME] [remote=HOST] "
                             "[protocol=udp|tcp] [file-name=PATH]\n");
        return kMisuse;
    }
    std::string user = a->words[0];
    auto l = load(o);
    if (!l.ok()) return fail(l.message());
    const ovpn::ServerConfig& server = l->services.ovpn;
    if (!server.enabled) return fail("the OpenVPN server is not enabled in " + o.config_path);
    if (!l->services.aaa.secret(user))
        std::fprintf(stderr, "vpnctl: warning: no ppp secret named '%s' in %s\n", user.c_str(),
                     o.config_path.c_str());
    std::string cert_name = a->props.take_or("certificate", "");
    std::string remote = a->props.take_or("remote", default_remote(l->config));
    std::string file = a->props.take_or("file-name", "");
    // The transport: what the server offers (UDP first when it offers both), or the one asked.
    std::string proto =
        a->props.take_or("protocol", ovpn::serves_udp(server.protocol) ? "udp" : "tcp");
    if (auto st = a->props.finish("ovpn profile"); !st.ok()) return fail(st.message());
    if (proto != "udp" && proto != "tcp") return fail("protocol= is udp or tcp");
    if (proto == "udp" ? !ovpn::serves_udp(server.protocol) : !ovpn::serves_tcp(server.protocol))
        return fail("the OpenVPN server does not serve " + proto + " (ovpn_server.protocol)");

    pki::OvpnProfileParams p;
    p.comment = "vpnplane OpenVPN profile for " + user;
    p.remote_host = remote;
    p.port = server.port;
    p.proto = proto == "tcp" ? pki::OvpnProto::Tcp : pki::OvpnProto::Udp;
    p.ncp = true;
    for (auto c : server.ciphers)
        p.data_ciphers.emplace_back(crypto::openvpn_name(c));
    if (server.data_ciphers_fallback)
        p.cipher = crypto::openvpn_name(*server.data_ciphers_fallback);
    p.auth = std::string(crypto::openvpn_name(server.auth));
    p.auth_user_pass = true; // RouterOS-style servers always ask for the user's password

    // The CA the server's certificate chains to, and the user's certificate and key.
    if (!server.certificate.empty()) {
        auto store = pki::Store::open(l->services.certificate_store);
        if (!store.ok()) return fail(store.message());
        auto ca = store->ca_pem(server.certificate);
        if (!ca.ok())
            return fail("the CA of certificate '" + server.certificate + "': " + ca.message());
        p.ca_pem = *ca;
        if (cert_name.empty() && store->has_certificate(user) && store->has_private_key(user))
            cert_name = user;
        if (!cert_name.empty()) {
            auto cert = store->certificate_pem(cert_name);
            if (!cert.ok()) return fail(cert.message());
            auto key = store->private_key_pem(cert_name);
            if (!key.ok()) return fail(key.message());
            p.cert_pem = *cert;
            p.key_pem = *key;
        }
    } else {
        auto ca = read_text(server.ca_file);
        if (!ca.ok()) return fail(ca.message());
        p.ca_pem = *ca;
        if (!cert_name.empty())
            return fail("certificate= needs the server to use the certificate store");
    }
    if (server.require_client_certificate && p.cert_pem.empty())
        return fail("the server requires a client certificate: sign one named '" + user +
                    "' (vpnctl certificate sign ... name=" + user + ") or give certificate=NAME");

    if (server.tls_auth) {
        auto key = ovpn::read_key_file(server.tls_auth->key_file);
        if (!key.ok()) return fail(key.message());
        p.tls_auth_key = *key;
        p.key_direction = server.tls_auth->direction == ovpn::KeyDirection::Inverse ? 0 : 1;
    } else if (!server.tls_crypt_key_file.empty()) {
        auto key = ovpn::read_key_file(server.tls_crypt_key_file);
        if (!key.ok()) return fail(key.message());
        p.tls_crypt_key = *key;
    } else if (!server.tls_crypt_v2_key_file.empty()) {
        auto text = ovpn::read_key_file(server.tls_crypt_v2_key_file);
        if (!text.ok()) return fail(text.message());
        auto server_key = ovpn::parse_tls_crypt_v2_server_key(*text);
        if (!server_key.ok())
            return fail(server.tls_crypt_v2_key_file + ": " + server_key.message());
        auto client_key = ovpn::generate_tls_crypt_v2_client_key(
            *server_key, static_cast<uint64_t>(std::time(nullptr)));
        if (!client_key.ok()) return fail(client_key.message());
        p.tls_crypt_v2_client_key = ovpn::format_tls_crypt_v2_client_key(*client_key);
    }
    auto text = pki::build_ovpn_profile(p);
    if (!text.ok()) return fail(text.message());
    return emit(*text, file, "OpenVPN profile");
}

int ovpn_genkey(const std::vector<std::string>& args) {
    if (args.size() != 2 || (args[0] != "secret" && args[0] != "tls-crypt-v2-server")) {
        std::fprintf(stderr, "usage: vpnctl ovpn genkey secret|tls-crypt-v2-server FILE\n"
                             "  secret: a tls-auth or tls-crypt key (openvpn --genkey secret)\n");
        return kMisuse;
    }
    std::string text =
        args[0] == "secret"
            ? ovpn::format_static_key(ovpn::generate_static_key())
            : ovpn::format_tls_crypt_v2_server_key(ovpn::generate_tls_crypt_v2_server_key());
    return emit(text, args[1], "key");
}

int sstp_profile(const std::vector<std::string>& args, const GlobalOptions& o) {
    auto a = split_args(args, 1);
    if (!a.ok() || a->words.size() != 1) {
        std::fprintf(stderr,
                     "usage: vpnctl sstp profile USER certificate=SERVER-CERT [remote=HOST]\n");
        return kMisuse;
    }
    auto l = load(o);
    if (!l.ok()) return fail(l.message());
    pki::SstpProfileParams p;
    p.user = a->words[0];
    std::string cert = a->props.take_or("certificate", "");
    p.server_host = a->props.take_or("remote", default_remote(l->config));
    if (auto st = a->props.finish("sstp profile"); !st.ok()) return fail(st.message());
    if (cert.empty())
        return fail("certificate= names the server certificate the clients must trust");
    auto store = pki::Store::open(l->services.certificate_store);
    if (!store.ok()) return fail(store.message());
    auto ca = store->ca_pem(cert);
    if (!ca.ok()) return fail(ca.message());
    p.ca_pem = *ca;
    auto text = pki::build_sstp_onboarding(p);
    if (!text.ok()) return fail(text.message());
    std::fputs(text->c_str(), stdout);
    return 0;
}

} // namespace

int run_profile_command(const std::string& family, const std::vector<std::string>& args,
                        const GlobalOptions& options) {
    std::string verb = args.empty() ? "" : args.front();
    std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
    if (family == "ovpn" && verb == "profile") return ovpn_profile(rest, options);
    if (family == "ovpn" && verb == "genkey") return ovpn_genkey(rest);
    if (family == "sstp" && verb == "profile") return sstp_profile(rest, options);
    std::fprintf(stderr, "usage: vpnctl ovpn profile USER ... | vpnctl ovpn genkey ... | "
                         "vpnctl sstp profile USER ...\n");
    return kMisuse;
}

} // namespace vp::tools
