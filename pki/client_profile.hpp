// Client onboarding files, as pure functions of their parameters: the OpenVPN `.ovpn` profile
// (everything inline, accepted unchanged by the stock OpenVPN 2.6 client) and the SSTP onboarding
// text (the CA to install, Windows' Add-VpnConnection line, an sstpc command line). `vpnctl ovpn
// profile USER` and `vpnctl sstp profile USER` fill the parameters from the server's config and
// the certificate store.
#pragma once

#include "base/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace vp::pki {

enum class OvpnProto : uint8_t { Udp, Tcp };

struct OvpnProfileParams {
    std::string comment; // first line, e.g. "vpnplane profile for alice" (no line breaks)
    std::string remote_host;
    uint16_t port = 1194;
    OvpnProto proto = OvpnProto::Udp;
    // Negotiable data ciphers (OpenVPN names, e.g. AES-256-GCM) when the server does NCP.
    bool ncp = true;
    std::vector<std::string> data_ciphers;
    // The server's fixed cipher: with ncp=false the only one (RouterOS-style servers); with
    // ncp=true the fallback for a server that does not negotiate (data-ciphers-fallback).
    std::string cipher;
    std::string auth = "SHA256"; // HMAC digest (data channel CBC and tls-auth)
    std::string ca_pem;          // the CA(s) that issued the server's certificate
    std::string cert_pem;        // client certificate; may be empty with auth_user_pass
    std::string key_pem;         // its private key, unencrypted
    // At most one of the control-channel protections:
    std::string tls_auth_key; // "OpenVPN Static key V1" text
    int key_direction = 1;    // with tls_auth: the client's direction (the server uses 0)
    std::string tls_crypt_key;
    std::string tls_crypt_v2_client_key; // "OpenVPN tls-crypt-v2 client key" text
    bool auth_user_pass = false;         // the server asks for a user name and password
};

// The .ovpn text, or an error naming the parameter that would make the client refuse it.
Result<std::string> build_ovpn_profile(const OvpnProfileParams& params);

struct SstpProfileParams {
    std::string connection_name = "vpnplane SSTP"; // Windows' connection name
    std::string server_host;                       // must match the server certificate's SAN/CN
    uint16_t port = 443;
    std::string user;
    // The CA to install (PEM). Empty: the server's certificate chains to a public CA.
    std::string ca_pem;
    std::string ca_file_name = "vpnplane-ca.crt";
    std::string encryption_level = "Required"; // Add-VpnConnection -EncryptionLevel
    // CRL distribution points in the server's certificate: Windows fetches them on every
    // connection and fails when it cannot, so the text warns about them.
    std::vector<std::string> crl_urls;
};

// The onboarding text a Windows or Linux user follows.
Result<std::string> build_sstp_onboarding(const SstpProfileParams& params);

} // namespace vp::pki
