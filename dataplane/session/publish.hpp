// The control plane's protocol-neutral side of publishing a VPN session: the session object
// into the session table, then the routes that point at it (the client's tunnel address and the
// site-to-site networks behind it), the proxy-ARP entry for the tunnel address, and the server
// side of the tunnel as a local address; retiring reverses it and RCU frees the session. A
// protocol's publisher (dataplane/ovpn/publish.hpp) builds its own Session subclass and adds its
// specifics (keys, endpoints) on top. Control thread only (one writer).
#pragma once

#include "base/result.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/session/session.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace vp::dp {

struct SessionRoute {
    uint32_t prefix; // host order
    uint8_t length;
};

// What every session publishes, whatever its protocol.
struct SessionSpec {
    PortId wan_port = 0;
    uint32_t tunnel_ip_be = 0;       // the client's tunnel address
    uint32_t tunnel_local_ip_be = 0; // the server side of the tunnel (0: none)
    uint16_t mtu = 1500;
    bool clamp_mss = true;
    std::vector<SessionRoute> routes;           // site-to-site networks behind the client
    std::optional<SessionRateLimit> rate_limit; // none: unlimited (session_meter.hpp)
};

class SessionPublisher {
public:
    explicit SessionPublisher(Dataplane& dataplane) : dp_(dataplane) {}
    ~SessionPublisher();
    SessionPublisher(const SessionPublisher&) = delete;
    SessionPublisher& operator=(const SessionPublisher&) = delete;

    Dataplane& dataplane() { return dp_; }
    // Reserves a session id (for OpenVPN, the peer-id).
    Result<SessionId> allocate_id() { return dp_.sessions().allocate_id(); }
    bool reserve_id(SessionId id) { return dp_.sessions().reserve_id(id); }
    void release_id(SessionId id) { dp_.sessions().release_id(id); }

    // Fills `session`'s common fields from `spec`, publishes it, then its routes, proxy-ARP
    // entry and tunnel-local address. On failure everything published is retired again.
    Status publish(std::unique_ptr<Session> session, const SessionSpec& spec);
    void retire(SessionId id);

    Session* find(SessionId id) const;
    size_t size() const { return sessions_.size(); }

private:
    Status add_route(uint32_t prefix, uint8_t length, const NextHop& nh, SessionId owner);

    Dataplane& dp_;
    std::map<SessionId, SessionSpec> sessions_;
    std::map<uint32_t, int> tunnel_local_refs_; // server tunnel addresses made local, by users
};

} // namespace vp::dp
