// The `sstp_clients = ( {...}, ... )` section: SSTP client links that the appliance dials out
// (RouterOS's /interface sstp-client, properties underscored). Each link has a RouterOS-style
// interface name that `ip.routes` may use as a gateway. What is not implemented
// (add_default_route, http_proxy, dial_on_demand) is refused with
// file:line, never ignored.
#pragma once

#include "base/ipv4.hpp"
#include "control/config/reader.hpp"
#include "control/ppp/types.hpp"
#include "control/sstp/server_config.hpp"
#include "control/tls/context.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace vp::sstp {

struct ClientLinkConfig {
    std::string name;         // the interface name (routes may name it as their gateway)
    net::Ipv4 connect_to = 0; // the server's address (0 while connect_host is resolved)
    // connect_to given as a DNS name: resolved at each attempt (control/ovpn/host_resolver.hpp;
    // control/services.cpp checks the name's syntax).
    std::string connect_host;
    uint16_t port = 443;
    std::string user;
    std::string password;
    std::string certificate;    // client certificate (store entry); empty: none
    std::string ca_certificate; // store entry the server must chain to; empty: every trusted CA
    bool verify_server_certificate = false;
    // RouterOS's stock client profiles only ("default", "default-encryption"): SSTP always
    // encrypts, and the addresses come from the server; other profiles are refused.
    std::string profile = "default-encryption";
    // The methods the client accepts when the server asks, strongest first.
    std::vector<ppp::AuthMethod> authentication = {ppp::AuthMethod::MsChapV2,
                                                   ppp::AuthMethod::MsChapV1,
                                                   ppp::AuthMethod::ChapMd5, ppp::AuthMethod::Pap};
    uint16_t max_mtu = 1500;
    uint16_t max_mru = 1500;
    uint32_t keepalive_timeout_s = 60; // silent this long: Echo Request; again: reconnect
    bool disabled = false;
    TlsVersions tls_version = TlsVersions::Any;
    Pfs pfs = Pfs::No;
    std::vector<std::string> ciphers = {"aes256-gcm-sha384", "aes256-sha"}; // RouterOS names
    std::string where; // file:line of the entry, for messages
    bool operator==(const ClientLinkConfig&) const = default;
};

inline constexpr size_t max_client_links = 256;

// `authentication = "mschap2,pap"` (RouterOS names) as methods, strongest first; unknown names
// are errors. Shared by sstp_server and sstp_clients.
std::vector<ppp::AuthMethod> parse_authentication(config::Section& s);

// Reads `sstp_clients`; problems are recorded in the sections' diagnostics.
std::vector<ClientLinkConfig> parse_client_links(std::vector<config::Section>& sections);

// The TLS policy of a client link: versions, and the TLS 1.2 suites it offers (pfs).
tls::Policy client_tls_policy(const ClientLinkConfig& link);

} // namespace vp::sstp
