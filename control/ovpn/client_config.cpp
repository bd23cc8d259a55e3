// Parsing the ovpn_clients section.
#include "control/ovpn/client_config.hpp"

#include "base/host_name.hpp"
#include "control/config/client_link.hpp"
#include "control/ovpn/static_key.hpp"

#include <algorithm>
#include <set>

namespace vp::ovpn {

namespace {

std::vector<crypto::Cipher> client_ciphers(config::Section& s) {
    using crypto::Cipher;
    if (!s.has("cipher"))
        return {Cipher::Aes256Gcm, Cipher::Aes128Gcm, Cipher::ChaCha20Poly1305, Cipher::Aes256Cbc,
                Cipher::Aes128Cbc};
    std::vector<Cipher> out;
    for (auto& name : s.get_string_list("cipher")) {
        auto c = crypto::cipher_from_routeros_name(name);
        if (!c) c = crypto::cipher_from_openvpn_name(name);
        if (!c || *c == Cipher::None) {
            s.error("cipher", "'" + name +
                                  "' is not one of: aes128-cbc, aes192-cbc, aes256-cbc, "
                                  "aes128-gcm, aes192-gcm, aes256-gcm, chacha20-poly1305");
            continue;
        }
        if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
    }
    if (out.empty()) s.error("cipher", "needs at least one cipher");
    return out;
}

void parse_client_wrap(config::Section& s, ClientLinkConfig& c) {
    if (auto g = s.group("tls_auth")) {
        TlsAuthConfig t;
        t.key_file = g->req_string("key");
        auto dir = g->get_string("direction", "1");
        if (dir == "0")
            t.direction = KeyDirection::Normal;
        else if (dir == "1")
            t.direction = KeyDirection::Inverse;
        else if (dir == "none" || dir == "bidirectional")
            t.direction = KeyDirection::Bidirectional;
        else
            g->error("direction", "'" + dir + "' is not one of: 0, 1, none");
        if (auto text = g->opt_string("digest")) {
            auto d = crypto::digest_from_name(*text);
            if (!d || *d == crypto::Digest::None)
                g->error("digest", "'" + *text + "' is not one of: md5, sha1, sha256, sha512");
            else
                t.digest = *d;
        }
        g->finish();
        c.tls_auth = t;
    }
    c.tls_crypt_key_file = s.get_string("tls_crypt", "");
    c.tls_crypt_v2_key_file = s.get_string("tls_crypt_v2", "");
    int wraps = (c.tls_auth ? 1 : 0) + (c.tls_crypt_key_file.empty() ? 0 : 1) +
                (c.tls_crypt_v2_key_file.empty() ? 0 : 1);
    if (wraps > 1)
        s.error(c.tls_crypt_v2_key_file.empty() ? "tls_crypt" : "tls_crypt_v2",
                "use either tls_auth or tls_crypt (or tls_crypt_v2), not two of them");
}

} // namespace

Result<ClientWrapKeys> load_client_wrap_keys(const ClientLinkConfig& c) {
    ClientWrapKeys k;
    auto load = [](const std::string& file, const char* what) -> Result<StaticKey> {
        auto text = read_key_file(file);
        if (!text) return make_error(std::string(what) + ": " + text.message());
        auto key = parse_static_key(*text);
        if (!key) return make_error(std::string(what) + ": " + file + ": " + key.message());
        return *key;
    };
    if (c.tls_auth) {
        auto key = load(c.tls_auth->key_file, "tls_auth");
        if (!key) return key.error();
        crypto::Digest digest = c.tls_auth->digest.value_or(
            c.auth == crypto::Digest::None ? crypto::Digest::Sha1 : c.auth);
        k.tls_auth = std::make_shared<TlsAuth>(*key, c.tls_auth->direction, digest);
    }
    if (!c.tls_crypt_key_file.empty()) {
        auto key = load(c.tls_crypt_key_file, "tls_crypt");
        if (!key) return key.error();
        k.tls_crypt = std::make_shared<TlsCrypt>(*key, TlsCrypt::Role::Client);
    }
    if (!c.tls_crypt_v2_key_file.empty()) {
        auto text = read_key_file(c.tls_crypt_v2_key_file);
        if (!text) return make_error("tls_crypt_v2: " + text.message());
        auto key = parse_tls_crypt_v2_client_key(*text);
        if (!key)
            return make_error("tls_crypt_v2: " + c.tls_crypt_v2_key_file + ": " + key.message());
        k.tls_crypt = std::make_shared<TlsCrypt>(key->key, TlsCrypt::Role::Client);
        k.tls_crypt_v2_wkc = std::make_shared<const Bytes>(std::move(key->wrapped));
    }
    return k;
}

bool client_links_use_tcp(const libconfig::Config* raw) {
    if (!raw || !raw->exists("ovpn_clients")) return false;
    const libconfig::Setting& links = raw->lookup("ovpn_clients");
    for (int i = 0; i < links.getLength(); ++i) {
        std::string protocol;
        if (links[i].isGroup() && links[i].lookupValue("protocol", protocol) && protocol == "tcp")
            return true;
    }
    return false;
}

std::vector<ClientLinkConfig> parse_client_links(std::vector<config::Section>& sections) {
    std::vector<ClientLinkConfig> out;
    std::set<std::string> names;
    for (auto& s : sections) {
        ClientLinkConfig c;
        c.where = s.where();
        config::parse_link_target(s, names, c.name, c.connect_to, &c.connect_host);
        if (!c.connect_host.empty() && !net::is_dns_name(c.connect_host))
            s.error("connect_to",
                    "'" + c.connect_host + "' is neither an IPv4 address nor a DNS host name");
        c.port = static_cast<uint16_t>(s.get_int("port", 1194, 1, 65535));
        std::string protocol =
            s.get_enum<std::string>("protocol", "udp", {{"udp", "udp"}, {"tcp", "tcp"}});
        c.tcp = protocol == "tcp";
        std::string mode =
            s.get_enum<std::string>("mode", "ip", {{"ip", "ip"}, {"ethernet", "ethernet"}});
        if (mode != "ip") s.error("mode", "only \"ip\" (layer 3) links are supported");
        c.user = s.get_string("user", "");
        c.password = s.get_string("password", "");
        if (c.user.empty()) s.error("user", "is required (key method 2 username)");
        c.certificate = s.get_string("certificate", "none");
        if (c.certificate == "none") c.certificate.clear();
        c.ca_certificate = s.get_string("ca_certificate", "");
        c.verify_server_certificate = s.get_bool("verify_server_certificate", false);
        if (!c.ca_certificate.empty() && !c.verify_server_certificate)
            s.error("ca_certificate", "is only used with verify_server_certificate = true");
        c.ciphers = client_ciphers(s);
        if (auto text = s.opt_string("auth")) {
            auto d = crypto::digest_from_name(*text);
            if (!d)
                s.error("auth", "'" + *text + "' is not one of: md5, sha1, sha256, sha512, null");
            else
                c.auth = *d;
        }
        c.add_default_route = s.get_bool("add_default_route", false);
        parse_client_wrap(s, c);
        c.route_nopull = s.get_bool("route_nopull", false);
        c.keepalive_timeout_s =
            static_cast<uint32_t>(s.get_seconds("keepalive_timeout", 60, 5, 86400, true));
        c.disabled = s.get_bool("disabled", false);
        auto tls =
            s.get_enum<int>("tls_version", 0, {{"any", 0}, {"only-1.2", 1}, {"only-1.3", 2}});
        if (tls == 1) c.tls_max = tls::Version::Tls12;
        if (tls == 2) c.tls_min = tls::Version::Tls13;
        s.finish();
        out.push_back(std::move(c));
    }
    if (out.size() > max_client_links && !sections.empty())
        sections.front().error("at most 256 client links");
    return out;
}

} // namespace vp::ovpn
