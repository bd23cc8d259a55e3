// An SSTP session as the workers see it: the protocol-neutral Session plus the TCP stream it
// rides on. First stage: the control plane is still the TLS record layer (it opens the client's
// records and injects the inner packets, and seals what the owner worker punts to it), so the
// session carries no keys yet; the stream handle names the session's connection for the
// control plane and for the record layer the workers will own.
#pragma once

#include "dataplane/session/session.hpp"

#include <cstdint>

namespace vp::dp {

struct SstpSession final : Session {
    SstpSession(SessionId id_, WorkerId owner_, uint64_t conn_)
        : Session(id_, SessionKind::Sstp, owner_), conn(conn_) {}

    const uint64_t conn; // the TCP stream (tcp::ConnHandle::pack()) on the owner worker
};

} // namespace vp::dp
