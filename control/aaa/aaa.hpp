// The contract between the protocol servers (OpenVPN, SSTP) and AAA: who may connect, with which
// addresses, routes and limits. Modelled on RouterOS's /ppp secret, /ppp profile and /ip pool:
// a secret names a profile; the secret's settings override the profile's, the profile's override
// the server's default-profile; addresses come from the secret (remote-address), else from the
// profile's pool, and go back to the pool when the session ends. Implemented in control/aaa
// (local_aaa.cpp and friends; docs/aaa.md has the rules); used only on the control plane.
#pragma once

#include "base/ipv4.hpp"
#include "base/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vp::config {
class Section;
}

namespace vp::aaa {

enum class Service : uint8_t { Any, Ovpn, Sstp };
const char* to_string(Service service);

// A route installed through the session while it is up (RouterOS secret `routes`:
// "dst-address [gateway] [metric]"). The gateway, when present, is informational: the route
// always points at the session.
struct Route {
    net::Ipv4Prefix destination; // host bits are clear (the parser refuses 10.1.2.3/24)
    uint32_t metric = 1;
    std::optional<net::Ipv4> gateway;
    bool operator==(const Route&) const = default;
};

struct AuthRequest {
    Service service = Service::Ovpn; // Ovpn or Sstp: the server asking
    std::string user;
    std::string password;  // cleartext, as OpenVPN (and PAP) send it
    std::string caller_id; // "192.0.2.7:51234", for logs, `/ppp active` and the secret's caller-id
    std::optional<std::string> certificate_common_name; // when a client certificate was verified
    // The server's `default_profile` (RouterOS `/interface ovpn-server server default-profile`):
    // the lowest-priority source of profile settings; its `default` values mean "no".
    std::string default_profile = "default";
};

enum class RejectReason : uint8_t {
    UnknownUser,
    WrongPassword,
    SecretDisabled,
    ServiceNotAllowed, // the secret's service is neither `any` nor this service
    AlreadyConnected,  // the profile has only-one=yes and the user has a session
    NoAddress,         // pool exhausted, address in use, or no address source
    CertificateMismatch,
    CallerIdMismatch, // the secret's caller-id is set and the client connects from elsewhere
};
const char* to_string(RejectReason reason);

struct Reject {
    RejectReason reason;
    std::string detail; // for the log; never sent to the client
};

// PPP-level encryption (MPPE) policy of the profile (`use-encryption`). OpenVPN ignores it, as
// RouterOS does; SSTP carries PPP inside TLS, so it only matters to what the PPP layer offers.
enum class UseEncryption : uint8_t { No, Yes, Required };

// A `rate-limit` (parsed by control/aaa/values.hpp, which documents the syntax).
struct RateDirection {
    uint64_t rate_bps = 0;      // 0: unlimited
    uint64_t burst_bps = 0;     // 0: no burst
    uint64_t threshold_bps = 0; // with a burst: the average below which bursting is allowed
    uint32_t burst_time_s = 0;  // with a burst: the averaging window
    bool operator==(const RateDirection&) const = default;
};
struct RateLimit {
    uint64_t rx_bps = 0; // = rx.rate_bps, for the callers that only need the rates
    uint64_t tx_bps = 0;
    RateDirection rx; // client -> router
    RateDirection tx; // router -> client
    bool operator==(const RateLimit&) const = default;
};

// Everything a session is granted. Owned by the server; give it back with Aaa::release().
struct Grant {
    uint64_t id = 0; // unique per grant, for release() and `vpnctl` listings
    std::string user;
    std::string profile;
    Service service = Service::Ovpn;
    net::Ipv4 local_address = 0;       // the server side of the tunnel; 0: none configured
    net::Ipv4 remote_address = 0;      // the client's tunnel address (never 0 in a grant)
    uint8_t remote_prefix_length = 32; // point-to-point, as RouterOS PPP interfaces are
    std::vector<Route> routes;         // site-to-site routes through this session
    std::vector<net::Ipv4> dns_servers;
    bool change_tcp_mss = true;                // profile change-tcp-mss, resolved (docs/aaa.md)
    uint32_t session_timeout_s = 0;            // 0: unlimited
    uint32_t idle_timeout_s = 0;               // 0: unlimited
    std::optional<uint64_t> rate_limit_rx_bps; // profile rate-limit, client->server
    std::optional<uint64_t> rate_limit_tx_bps; // server->client
    // Added to the first contract (appended, so positional initialisers keep their meaning):
    std::vector<net::Ipv4> wins_servers; // profile wins-server (PPP IPCP NBNS)
    UseEncryption use_encryption = UseEncryption::No;
    std::optional<uint64_t> limit_bytes_in;  // secret limit-bytes-in (client upload per session)
    std::optional<uint64_t> limit_bytes_out; // secret limit-bytes-out
    std::string address_list; // profile address-list the remote address joins while up ("": none)
    // The whole rate-limit (secret, else profile), bursts included; unset or both rates 0: none.
    std::optional<RateLimit> rate_limit;
};

// For challenge-response methods (CHAP-MD5, MS-CHAPv1/v2): called with the secret's cleartext
// password; returns whether the peer's response was computed from it.
using PasswordCheck = std::function<bool(std::string_view secret_password)>;

class Aaa {
public:
    virtual ~Aaa() = default;
    // Checks credentials (request.password against the secret, in constant time), picks
    // addresses, enforces only-one; on success the grant holds its addresses until release().
    virtual std::variant<Grant, Reject> authenticate(const AuthRequest& request) = 0;
    // The same, but the password is checked by `check` (request.password is ignored). LocalAaa
    // runs the check and the grant under one lock, so a reload cannot come in between; the
    // default implementation composes secret_password() and authenticate().
    virtual std::variant<Grant, Reject> authenticate_challenge(const AuthRequest& request,
                                                               const PasswordCheck& check);
    // Gives the grant's addresses back. Releasing a grant twice (or one that was never granted)
    // is harmless and logged.
    virtual void release(const Grant& grant) = 0;
    // The cleartext password of an enabled secret for `service` (CHAP/MS-CHAP need it).
    virtual std::optional<std::string> secret_password(const std::string& user,
                                                       Service service) const = 0;
};

} // namespace vp::aaa
