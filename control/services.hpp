// The protocol sections of the configuration — ip_pools/ppp_profiles/ppp_secrets (AAA),
// ovpn_server, sstp_server, certificates — parsed with the same strict reader as the rest, and
// what the servers build from them: the OpenVPN server's setup, with its TLS identity from the
// certificate store (RouterOS style: `certificate = "server-certificate"`) or from PEM files.
#pragma once

#include "base/result.hpp"
#include "control/aaa/aaa_config.hpp"
#include "control/config/appliance_config.hpp"
#include "control/ovpn/client_config.hpp"
#include "control/ovpn/config.hpp"
#include "control/ovpn/setup.hpp"
#include "control/sstp/client_config.hpp"
#include "control/sstp/server_config.hpp"
#include "control/tls/credentials.hpp"

#include <memory>
#include <string>

namespace vp::ctl {

struct ServicesConfig {
    aaa::AaaConfig aaa;
    ovpn::ServerConfig ovpn;
    uint32_t ovpn_data_replay_window = 2048; // ovpn_server.data_replay_window
    sstp::ServerConfig sstp;
    std::string certificate_store = "/var/lib/vpnplane/certificates";
    // OpenVPN client links (ovpn_clients) and the ip.routes entries that name one as gateway.
    std::vector<ovpn::ClientLinkConfig> ovpn_clients;
    struct LinkRoute {
        net::Ipv4Prefix destination;
        std::string link;
        bool operator==(const LinkRoute&) const = default;
    };
    std::vector<LinkRoute> link_routes;
    std::vector<sstp::ClientLinkConfig> sstp_clients; // SSTP client links (sstp_clients)
};

// A client link's TLS context: its certificate (optional) and the CAs it trusts, from the
// certificate store.
Result<std::shared_ptr<const tls::Context>> client_link_tls(const ServicesConfig& services,
                                                            const ovpn::ClientLinkConfig& link);

// An SSTP client link's TLS context: its certificate (optional), the CAs it trusts (all of the
// store's, or ca_certificate, when verify_server_certificate), its TLS policy.
Result<std::shared_ptr<const tls::Context>> sstp_client_tls(const ServicesConfig& services,
                                                            const sstp::ClientLinkConfig& link);

// Parses the protocol sections of an already loaded configuration; errors as
// "file:line: setting: what is wrong", one per line.
Result<ServicesConfig> load_services(const config::ApplianceConfig& config);

// Everything start-up and reload check before they touch the dataplane, and what
// `vpnplaned --check` runs, so that all three say the same thing in the same words: the protocol
// sections (load_services), then, for an enabled OpenVPN server, its credentials and keys
// (certificate store entry or PEM files, tls-auth/tls-crypt keys), and for an enabled SSTP
// server its certificate.
Result<ServicesConfig> validate_services(const config::ApplianceConfig& config);

// The OpenVPN server's TLS credentials: from the certificate store when `certificate` names an
// entry (its key, the issuers above it, every trusted CA of the store and their CRLs), otherwise
// from the PEM files the section names.
Result<tls::Credentials> ovpn_credentials(const ServicesConfig& services);

// A certificate store entry as TLS credentials: its key, the issuers above it, every trusted CA
// of the store and their CRLs.
Result<tls::Credentials> store_credentials(const std::string& store_path, const std::string& name);

// The SSTP server's TLS identity (sstp_server.certificate in the store).
Result<tls::Credentials> sstp_credentials(const ServicesConfig& services);

// Credentials and wrapping keys, ready for ovpn::Server.
Result<std::shared_ptr<const ovpn::ServerSetup>> ovpn_setup(const ServicesConfig& services);

} // namespace vp::ctl
