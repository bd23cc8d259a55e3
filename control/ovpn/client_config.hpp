// The `ovpn_clients = ( {...}, ... )` section: OpenVPN client links that the appliance dials out
// (RouterOS's /interface ovpn-client, properties underscored). Each link has a RouterOS-style
// interface name that `ip.routes` may use as a gateway. What is not implemented yet
// is refused with file:line, never ignored.
#pragma once

#include "base/ipv4.hpp"
#include "control/config/reader.hpp"
#include "control/ovpn/config.hpp"
#include "control/ovpn/tls_auth.hpp"
#include "control/ovpn/tls_crypt.hpp"
#include "control/tls/context.hpp"
#include "crypto/cipher.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vp::ovpn {

struct ClientLinkConfig {
    std::string name;         // the interface name (routes may name it as their gateway)
    net::Ipv4 connect_to = 0; // the server's address (0 while connect_host is resolved)
    // connect_to given as a DNS name: resolved at each (re)connect (control/ovpn/host_resolver.hpp)
    std::string connect_host;
    uint16_t port = 1194;
    bool tcp = false; // protocol = "tcp": a stream from the workers' TCP engine (active open)
    std::string user;
    std::string password;
    std::string certificate;    // client certificate (store entry); empty: none
    std::string ca_certificate; // store entry the server must chain to; empty: every trusted CA
    bool verify_server_certificate = false;
    std::vector<crypto::Cipher> ciphers; // offered in this order; the first is the OCC cipher
    crypto::Digest auth = crypto::Digest::Sha1;
    bool route_nopull = false;
    // The default through the link while it is up (control/ovpn/default_route.hpp).
    bool add_default_route = false;
    uint32_t keepalive_timeout_s = 60; // no packet from the server this long: reconnect
    bool disabled = false;
    // Control-channel wrapping like the server's (at most one): tls_auth's direction defaults to
    // 1, the client's side of OpenVPN's key-direction convention.
    std::optional<TlsAuthConfig> tls_auth;
    std::string tls_crypt_key_file;
    // A tls-crypt-v2 client key file (Kc || WKc, `openvpn --genkey tls-crypt-v2-client`).
    std::string tls_crypt_v2_key_file;
    tls::Version tls_min = tls::Version::Tls12;
    std::optional<tls::Version> tls_max;
    std::string where; // file:line of the entry, for messages
    bool operator==(const ClientLinkConfig&) const = default;
};

// The local UDP ports the links send from: link i (in configuration order) uses base + i.
constexpr uint16_t client_port_base = 61000;
constexpr size_t max_client_links = 256;

// Whether the configuration has an OpenVPN/TCP client link (the workers then need a TCP engine
// even without a listening port).
bool client_links_use_tcp(const libconfig::Config* raw);

// The link's tls-auth / tls-crypt / tls-crypt-v2 keys, read from their files (for each
// attempt's Client). tls-crypt-v2 is tls_crypt keyed by Kc plus the wrapped key WKc.
struct ClientWrapKeys {
    std::shared_ptr<const TlsAuth> tls_auth;
    std::shared_ptr<const TlsCrypt> tls_crypt;
    std::shared_ptr<const Bytes> tls_crypt_v2_wkc;
};
Result<ClientWrapKeys> load_client_wrap_keys(const ClientLinkConfig& c);

// Reads `ovpn_clients`; problems are recorded in the sections' diagnostics.
std::vector<ClientLinkConfig> parse_client_links(std::vector<config::Section>& sections);

} // namespace vp::ovpn
