// What an SSTP session publishes to the workers (dataplane/session/publish.hpp): the client's
// tunnel address, the server side of the tunnel, the MTU the client takes, and from the grant
// the profile's change-tcp-mss, the secret's routes and the rate-limit as a per-session meter
// (the same conversion OpenVPN's sessions use).
#pragma once

#include "control/sstp/connection.hpp"
#include "dataplane/session/publish.hpp"

namespace vp::sstp {

// For a connection ready for data (Connection::ready_for_data()).
dp::SessionSpec session_spec(const Connection& c, dp::PortId wan_port);

} // namespace vp::sstp
