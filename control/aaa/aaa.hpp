// The contract between the protocol servers (OpenVPN, SSTP) and AAA: who may connect, with which
// addresses, routes and limits. Modelled on RouterOS's /ppp secret, /ppp profile and /ip pool:
// a secret names a profile; the secret's settings override the profile's; addresses come from
// the secret (remote-address), else from the profile's pool, and go back to the pool when the
// session ends. Implemented in control/aaa (aaa.cpp and friends); used only on the control plane.
#pragma once

#include "control/base/ipv4.hpp"
#include "control/base/result.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace vp::config {
class Section;
}

namespace vp::aaa {

enum class Service : uint8_t { Any, Ovpn, Sstp };

// A route installed through the session while it is up (RouterOS secret `routes`:
// "dst-address [gateway] [metric]"). The gateway, when present, is informational: the route
// always points at the session.
struct Route {
    net::Ipv4Prefix destination;
    uint32_t metric = 1;
};

struct AuthRequest {
    Service service = Service::Ovpn;
    std::string user;
    std::string password;  // cleartext, as OpenVPN (and PAP) send it
    std::string caller_id; // "192.0.2.7:51234", for logs and `/ppp active`
    std::optional<std::string> certificate_common_name; // when a client certificate was verified
};

enum class RejectReason : uint8_t {
    UnknownUser,
    WrongPassword,
    SecretDisabled,
    ServiceNotAllowed, // the secret's service is neither `any` nor this service
    AlreadyConnected,  // the profile has only-one=yes and the user has a session
    NoAddress,         // pool exhausted or no address source
    CertificateMismatch,
};
const char* to_string(RejectReason reason);

struct Reject {
    RejectReason reason;
    std::string detail; // for the log; never sent to the client
};

// Everything a session is granted. Owned by the server; give it back with Aaa::release().
struct Grant {
    uint64_t id = 0; // unique per grant, for release() and `vpnctl` listings
    std::string user;
    std::string profile;
    Service service = Service::Ovpn;
    net::Ipv4 local_address = 0;  // the server side of the tunnel (profile/secret local-address)
    net::Ipv4 remote_address = 0; // the client's tunnel address
    uint8_t remote_prefix_length = 32; // netmask pushed with `topology subnet`
    std::vector<Route> routes;         // site-to-site routes through this session
    std::vector<net::Ipv4> dns_servers;
    bool change_tcp_mss = true;                // profile change-tcp-mss (yes/no/default -> yes)
    uint32_t session_timeout_s = 0;            // 0: unlimited
    uint32_t idle_timeout_s = 0;               // 0: unlimited
    std::optional<uint64_t> rate_limit_rx_bps; // profile rate-limit, client->server
    std::optional<uint64_t> rate_limit_tx_bps;
};

class Aaa {
public:
    virtual ~Aaa() = default;
    // Checks credentials, picks addresses, enforces only-one; on success the grant holds its
    // address until release().
    virtual std::variant<Grant, Reject> authenticate(const AuthRequest& request) = 0;
    virtual void release(const Grant& grant) = 0;
    // The cleartext password of an enabled secret for `service` (CHAP/MS-CHAP need it).
    virtual std::optional<std::string> secret_password(const std::string& user,
                                                       Service service) const = 0;
};

} // namespace vp::aaa
