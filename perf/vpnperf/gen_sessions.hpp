// `vpnperf gen-sessions`: a session file with N sessions, random keys (RAND_bytes) and distinct
// peer-ids, client endpoints and tunnel addresses.
#pragma once

#include "control/perf/session_file.hpp"
#include "perf/vpnperf/options.hpp"

namespace vp::perf {

// Client endpoints take the client network's host addresses in turn (the server's address
// excluded), then the next UDP port: session i uses host i % H, port client_port + i / H.
// Tunnel addresses are the tunnel network's hosts from the second on (the first, .1 in a /24, is
// left for the server's own tunnel address, as OpenVPN's topology subnet does).
Result<SessionFile> generate_sessions(const GenSessionsOptions& options);

} // namespace vp::perf
