// ovpn_server section parser.
#include "control/ovpn/config.hpp"

#include <algorithm>
#include <cstdint>

namespace vp::ovpn {

std::vector<crypto::Cipher> default_ciphers() {
    using crypto::Cipher;
    return {Cipher::Aes256Gcm, Cipher::Aes128Gcm, Cipher::ChaCha20Poly1305, Cipher::Aes256Cbc,
            Cipher::Aes128Cbc};
}

namespace {

std::vector<crypto::Cipher> parse_ciphers(config::Section& s) {
    if (!s.has("cipher")) {
        s.get_string_list("cipher"); // mark as read
        return default_ciphers();
    }
    std::vector<crypto::Cipher> out;
    for (auto& name : s.get_string_list("cipher")) {
        auto c = crypto::cipher_from_routeros_name(name);
        if (!c) c = crypto::cipher_from_openvpn_name(name);
        if (!c) {
            s.error("cipher", "'" + name +
                                  "' is not one of: aes128-cbc, aes192-cbc, aes256-cbc, "
                                  "aes128-gcm, aes192-gcm, aes256-gcm, chacha20-poly1305, null");
            continue;
        }
        if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
    }
    if (out.empty()) s.error("cipher", "needs at least one cipher");
    return out;
}

std::optional<crypto::Digest> parse_digest(config::Section& s, const char* name) {
    auto text = s.opt_string(name);
    if (!text) return std::nullopt;
    auto d = crypto::digest_from_name(*text);
    if (!d) s.error(name, "'" + *text + "' is not one of: md5, sha1, sha256, sha512, null");
    return d;
}

void parse_tls_auth(config::Section& parent, ServerConfig& c) {
    auto g = parent.group("tls_auth");
    if (!g) return;
    TlsAuthConfig t;
    t.key_file = g->req_string("key");
    auto dir = g->get_string("direction", "0");
    if (dir == "0")
        t.direction = KeyDirection::Normal;
    else if (dir == "1")
        t.direction = KeyDirection::Inverse;
    else if (dir == "none" || dir == "bidirectional")
        t.direction = KeyDirection::Bidirectional;
    else
        g->error("direction", "'" + dir + "' is not one of: 0, 1, none");
    t.digest = parse_digest(*g, "digest");
    g->finish();
    c.tls_auth = t;
}

void parse_redirect_gateway(config::Section& s, ServerConfig& c) {
    for (auto& flag : s.get_string_list("redirect_gateway")) {
        if (flag == "def1")
            c.redirect_gateway = true;
        else if (flag == "ipv6")
            c.redirect_gateway_ipv6 = true;
        else if (flag != "disabled")
            s.error("redirect_gateway", "'" + flag + "' is not one of: def1, ipv6, disabled");
    }
    if (c.redirect_gateway_ipv6 && !c.redirect_gateway) c.redirect_gateway = true;
}

} // namespace

ServerConfig parse_server_config(config::Section& s) {
    ServerConfig c;
    c.enabled = s.get_bool("enabled", c.enabled);
    c.port = static_cast<uint16_t>(s.get_int("port", c.port, 1, 65535));
    c.protocol = s.get_enum(
        "protocol", Transport::Udp,
        {{"udp", Transport::Udp}, {"tcp", Transport::Tcp}, {"udp,tcp", Transport::UdpTcp}});
    c.mode = s.get_string("mode", c.mode);
    if (c.mode != "ip") s.error("mode", "only 'ip' (layer 3) is supported");

    c.certificate = s.get_string("certificate", "");
    c.certificate_file = s.get_string("certificate_file", "");
    c.private_key_file = s.get_string("private_key_file", "");
    c.ca_file = s.get_string("ca_file", "");
    c.crl_file = s.get_string("crl_file", "");
    c.require_client_certificate =
        s.get_bool("require_client_certificate", c.require_client_certificate);
    c.tls_version_min = s.get_enum("tls_version_min", tls::Version::Tls12,
                                   {{"1.2", tls::Version::Tls12}, {"1.3", tls::Version::Tls13}});
    if (c.certificate.empty() && c.certificate_file.empty())
        s.error("needs `certificate` (a certificate store entry) or `certificate_file`");
    if (c.require_client_certificate && c.ca_file.empty() && c.certificate.empty())
        s.error("require_client_certificate", "needs `ca_file` to check client certificates");

    if (auto d = parse_digest(s, "auth")) c.auth = *d;
    c.ciphers = parse_ciphers(s);
    if (auto name = s.opt_string("data_ciphers_fallback")) {
        auto f = crypto::cipher_from_routeros_name(*name);
        if (!f) f = crypto::cipher_from_openvpn_name(*name);
        if (!f) s.error("data_ciphers_fallback", "'" + *name + "' is not a known cipher");
        c.data_ciphers_fallback = f;
    }
    c.tls_ekm = s.get_bool("tls_ekm", c.tls_ekm);
    c.max_tcp_handshakes =
        static_cast<uint32_t>(s.get_int("max_tcp_handshakes", c.max_tcp_handshakes, 1, 1000000));
    c.max_tcp_handshakes_per_source = static_cast<uint32_t>(
        s.get_int("max_tcp_handshakes_per_source", c.max_tcp_handshakes_per_source, 1, 1000000));
    if (c.protocol == Transport::Udp) {
        // Accepted but without effect would mislead: they bound TCP connections only.
        for (const char* name : {"max_tcp_handshakes", "max_tcp_handshakes_per_source"})
            if (s.has(name))
                s.error(name, "bounds OpenVPN/TCP; needs protocol \"tcp\" or \"udp,tcp\"");
    }

    c.default_profile = s.get_string("default_profile", c.default_profile);
    c.keepalive_timeout_s =
        static_cast<uint32_t>(s.get_seconds("keepalive_timeout", 60, 2, 86400, true));
    c.max_mtu = static_cast<uint32_t>(s.get_int("max_mtu", c.max_mtu, 576, 9000));
    parse_redirect_gateway(s, c);
    for (auto& text : s.get_string_list("push_routes")) {
        auto p = net::parse_prefix(text);
        if (!p)
            s.error("push_routes", "'" + text + "' is not an IPv4 prefix");
        else
            c.push_routes.push_back(*p);
    }

    c.reneg_sec = static_cast<uint32_t>(s.get_seconds("reneg_sec", 3600, 5, 7 * 86400, true));
    c.reneg_bytes = static_cast<uint64_t>(s.get_int("reneg_bytes", 0, 0, INT64_MAX));
    c.reneg_packets = static_cast<uint64_t>(s.get_int("reneg_packets", 0, 0, INT64_MAX));
    c.handshake_window_s = static_cast<uint32_t>(s.get_seconds("handshake_window", 60, 5, 3600));
    c.transition_window_s =
        static_cast<uint32_t>(s.get_seconds("transition_window", 3600, 5, 86400));
    c.tls_timeout_s = static_cast<uint32_t>(s.get_seconds("tls_timeout", 2, 1, 60));

    parse_tls_auth(s, c);
    c.tls_crypt_key_file = s.get_string("tls_crypt", "");
    c.tls_crypt_v2_key_file = s.get_string("tls_crypt_v2", "");
    c.tls_crypt_v2_force_cookie = s.get_bool("tls_crypt_v2_force_cookie", false);
    if (c.tls_auth && !c.tls_crypt_key_file.empty())
        s.error("tls_crypt", "use either tls_auth or tls_crypt, not both");

    c.replay_window = static_cast<uint32_t>(s.get_int("replay_window", 64, 1, 64));
    c.initial_packet_limit =
        static_cast<uint32_t>(s.get_int("initial_packet_limit", 100, 1, 1000000));
    c.initial_packet_period_s =
        static_cast<uint32_t>(s.get_seconds("initial_packet_period", 10, 1, 3600));
    c.initial_packet_prefix_limit =
        static_cast<uint32_t>(s.get_int("initial_packet_prefix_limit", 10, 1, 1000000));
    c.max_sessions = static_cast<uint32_t>(s.get_int("max_sessions", 65536, 1, 0xFFFFFE));
    s.finish();
    return c;
}

} // namespace vp::ovpn
