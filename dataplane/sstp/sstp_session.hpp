// An SSTP session as the workers see it: the protocol-neutral Session plus the TCP stream it
// rides on and, once the control plane has handed it over, the session's TLS record layer
// (docs/sstp.md: record layer hand-over). Without one (first stage, or a suite the worker does
// not run such as CBC) the control plane stays the record layer: it opens the client's records
// and injects the inner packets, and seals what the owner worker punts to it.
#pragma once

#include "dataplane/session/session.hpp"
#include "dataplane/sstp/record_layer.hpp"

#include <cstdint>
#include <memory>

namespace vp::dp {

struct SstpSession final : Session {
    SstpSession(SessionId id_, WorkerId owner_, uint64_t conn_)
        : Session(id_, SessionKind::Sstp, owner_), conn(conn_) {}

    const uint64_t conn; // the TCP stream (tcp::ConnHandle::pack()) on the owner worker
    // The record layer (nullptr: the control plane's). Built by the control plane before the
    // session is published, then used only by the owner worker.
    std::unique_ptr<sstp::RecordLayer> records;
    // Owner worker only: queued for the stage's input flush; the failure was reported.
    bool queued = false;
    bool failure_reported = false;
};

} // namespace vp::dp
