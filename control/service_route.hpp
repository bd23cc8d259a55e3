// Decoding a punt entry into the registry's PuntTarget: the one place that knows which punt
// reasons carry a UDP datagram, a TCP stream event or a session event, and where their port or
// session id sits (the packet's UDP header, `port`, `aux`).
#pragma once

#include "control/service_registry.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/session/session_table.hpp"

namespace vp::ctl {

// ARP and neighbour misses are the appliance's own (NeighborManager) and decode to Via::None,
// as do reasons no service can take. `sessions` gives a session event's kind: it is read on the
// control thread, the tables' only writer, so the session cannot go away meanwhile.
PuntTarget punt_target(const dp::PuntEntry& e, const dp::SessionTable& sessions);

} // namespace vp::ctl
