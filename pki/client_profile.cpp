// Builders of the OpenVPN .ovpn profile and the SSTP onboarding text (see client_profile.hpp).
#include "pki/client_profile.hpp"

#include <string_view>

namespace vp::pki {

namespace {

bool contains(std::string_view text, std::string_view what) {
    return text.find(what) != std::string_view::npos;
}

// A word that goes into a config line unquoted: host names, addresses, cipher and digest names.
bool plain_word(std::string_view s) {
    if (s.empty() || s.size() > 255) return false;
    for (unsigned char c : s)
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '#' || c == ';' || c == '\\' ||
            c == '`' || c == '$' || c == '<' || c == '>')
            return false;
    return true;
}

bool one_line(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

std::string with_newline(std::string text) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    return text;
}

// Inline blocks end at "</tag>": material that contains "</" would end its block early.
Status check_inline(const char* what, std::string_view text, std::string_view marker) {
    if (!contains(text, marker))
        return make_error(std::string(what) + " is not " + std::string(marker) + " PEM text");
    if (contains(text, "</")) return make_error(std::string(what) + " contains '</'");
    return {};
}

std::string block(const char* tag, const std::string& text) {
    return std::string("<") + tag + ">\n" + with_newline(text) + "</" + tag + ">\n";
}

} // namespace

Result<std::string> build_ovpn_profile(const OvpnProfileParams& p) {
    if (!one_line(p.comment)) return make_error("the profile comment must be one line");
    if (!plain_word(p.remote_host))
        return make_error("remote host '" + p.remote_host + "' is not a host name or address");
    if (p.port == 0) return make_error("port must be 1-65535");
    if (p.ncp && p.data_ciphers.empty()) return make_error("data-ciphers is empty");
    if (!p.ncp && p.cipher.empty()) return make_error("a server without NCP needs its cipher");
    for (auto& c : p.data_ciphers)
        if (!plain_word(c) || contains(c, ":")) return make_error("bad cipher name '" + c + "'");
    if (!p.cipher.empty() && (!plain_word(p.cipher) || contains(p.cipher, ":")))
        return make_error("bad cipher name '" + p.cipher + "'");
    if (!plain_word(p.auth)) return make_error("bad auth digest '" + p.auth + "'");
    if (auto s = check_inline("the CA", p.ca_pem, "-----BEGIN CERTIFICATE-----"); !s)
        return s.error();
    const bool has_cert = !p.cert_pem.empty() || !p.key_pem.empty();
    if (!has_cert && !p.auth_user_pass)
        return make_error("a profile needs a client certificate and key, or auth-user-pass");
    if (has_cert) {
        if (auto s =
                check_inline("the client certificate", p.cert_pem, "-----BEGIN CERTIFICATE-----");
            !s)
            return s.error();
        if (auto s = check_inline("the client key", p.key_pem, "PRIVATE KEY-----"); !s)
            return s.error();
        // The stock client would stop and ask for the passphrase.
        if (contains(p.key_pem, "ENCRYPTED"))
            return make_error("the client key is encrypted; the profile needs it in clear");
    }
    int protections =
        !p.tls_auth_key.empty() + !p.tls_crypt_key.empty() + !p.tls_crypt_v2_client_key.empty();
    if (protections > 1) return make_error("give only one of tls-auth, tls-crypt and tls-crypt-v2");
    if (!p.tls_auth_key.empty()) {
        if (auto s = check_inline("the tls-auth key", p.tls_auth_key,
                                  "-----BEGIN OpenVPN Static key V1-----");
            !s)
            return s.error();
        if (p.key_direction != 0 && p.key_direction != 1)
            return make_error("key-direction must be 0 or 1");
    }
    if (!p.tls_crypt_key.empty())
        if (auto s = check_inline("the tls-crypt key", p.tls_crypt_key,
                                  "-----BEGIN OpenVPN Static key V1-----");
            !s)
            return s.error();
    if (!p.tls_crypt_v2_client_key.empty())
        if (auto s = check_inline("the tls-crypt-v2 client key", p.tls_crypt_v2_client_key,
                                  "-----BEGIN OpenVPN tls-crypt-v2 client key-----");
            !s)
            return s.error();

    std::string out;
    if (!p.comment.empty()) out += "# " + p.comment + "\n";
    out += "client\n";
    out += "dev tun\n";
    out += std::string("proto ") + (p.proto == OvpnProto::Udp ? "udp" : "tcp-client") + "\n";
    out += "remote " + p.remote_host + " " + std::to_string(p.port) + "\n";
    out += "resolv-retry infinite\n";
    out += "nobind\n";
    out += "persist-key\n";
    out += "persist-tun\n";
    out += "remote-cert-tls server\n";
    if (p.ncp) {
        std::string list;
        for (auto& c : p.data_ciphers)
            list += (list.empty() ? "" : ":") + c;
        out += "data-ciphers " + list + "\n";
        if (!p.cipher.empty()) out += "data-ciphers-fallback " + p.cipher + "\n";
    } else {
        // A server that does not negotiate: the client must use exactly its cipher.
        out += "data-ciphers " + p.cipher + "\n";
        out += "data-ciphers-fallback " + p.cipher + "\n";
    }
    out += "auth " + p.auth + "\n";
    if (p.auth_user_pass) out += "auth-user-pass\n";
    if (!has_cert) out += "setenv CLIENT_CERT 0\n"; // OpenVPN Connect: no certificate expected
    if (!p.tls_auth_key.empty()) out += "key-direction " + std::to_string(p.key_direction) + "\n";
    out += "verb 3\n";
    out += block("ca", p.ca_pem);
    if (has_cert) {
        out += block("cert", p.cert_pem);
        out += block("key", p.key_pem);
    }
    if (!p.tls_auth_key.empty()) out += block("tls-auth", p.tls_auth_key);
    if (!p.tls_crypt_key.empty()) out += block("tls-crypt", p.tls_crypt_key);
    if (!p.tls_crypt_v2_client_key.empty()) out += block("tls-crypt-v2", p.tls_crypt_v2_client_key);
    return out;
}

Result<std::string> build_sstp_onboarding(const SstpProfileParams& p) {
    // Values go into PowerShell double quotes and shell words: refuse what would need escaping.
    if (p.connection_name.empty() || !one_line(p.connection_name) ||
        p.connection_name.find_first_of("\"`$") != std::string::npos)
        return make_error("connection name must be one line without \", ` or $");
    if (!plain_word(p.server_host))
        return make_error("server address '" + p.server_host + "' is not a host name or address");
    if (p.port == 0) return make_error("port must be 1-65535");
    if (!plain_word(p.user) || contains(p.user, "'"))
        return make_error("user '" + p.user + "' cannot be written on a command line as is");
    if (!plain_word(p.ca_file_name) || contains(p.ca_file_name, "/"))
        return make_error("bad CA file name '" + p.ca_file_name + "'");
    if (p.encryption_level != "Required" && p.encryption_level != "Maximum" &&
        p.encryption_level != "Optional" && p.encryption_level != "NoEncryption")
        return make_error("encryption level must be Required, Maximum, Optional or NoEncryption");
    if (!p.ca_pem.empty() && !contains(p.ca_pem, "-----BEGIN CERTIFICATE-----"))
        return make_error("the CA is not PEM certificate text");

    const std::string address =
        p.port == 443 ? p.server_host : p.server_host + ":" + std::to_string(p.port);
    std::string out;
    out += "SSTP connection for user " + p.user + " to " + address + "\n\n";
    int step = 1;
    if (!p.ca_pem.empty()) {
        out += std::to_string(step++) + ". Install the CA certificate (it signed the server's "
                                        "certificate)\n";
        out += "   Save the text between the lines as " + p.ca_file_name + ":\n";
        out += "----------------------------------------------------------------\n";
        out += with_newline(p.ca_pem);
        out += "----------------------------------------------------------------\n";
        out += "   Windows: it must go into the Local Machine's Trusted Root Certification\n"
               "   Authorities (not Current User). In an elevated PowerShell:\n";
        out += "     Import-Certificate -FilePath .\\" + p.ca_file_name +
               " -CertStoreLocation Cert:\\LocalMachine\\Root\n";
        out += "   or double-click the file > Install Certificate > Local Machine > Place all\n"
               "   certificates in: Trusted Root Certification Authorities.\n\n";
    }
    out += std::to_string(step++) + ". Windows (built-in client): in PowerShell\n";
    out += "     Add-VpnConnection -Name \"" + p.connection_name + "\" -ServerAddress \"" +
           address + "\" -TunnelType Sstp -AuthenticationMethod MSChapv2 -EncryptionLevel " +
           p.encryption_level + " -RememberCredential\n";
    out += "   Connect, and sign in as " + p.user +
           " with your password. The server address\n"
           "   must match the server certificate's subject-alt-name or common name exactly.\n\n";
    out += std::to_string(step++) + ". Linux (sstp-client):\n";
    out += "     sudo sstpc --log-stderr" +
           (p.ca_pem.empty() ? std::string() : " --ca-cert " + p.ca_file_name) + " --user '" +
           p.user + "' --password 'YOUR-PASSWORD' " + address +
           " require-mschap-v2 refuse-eap refuse-pap refuse-chap refuse-mschap noauth"
           " nodefaultroute noipdefault usepeerdns noccp\n";
    out += "   (noccp: the server offers no MPPE compression/encryption inside TLS; add\n"
           "   defaultroute or routes as your network needs.)\n";
    if (!p.crl_urls.empty()) {
        out += "\nNote: the server certificate names a CRL distribution point (";
        for (size_t i = 0; i < p.crl_urls.size(); ++i)
            out += (i ? ", " : "") + p.crl_urls[i];
        out += ").\nWindows fetches it on every SSTP connection and refuses to connect when it "
               "cannot;\nit must be reachable from every client, before the tunnel is up.\n";
    }
    return out;
}

} // namespace vp::pki
