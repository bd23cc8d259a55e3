// The SSTP stage's entry in the workers' protocol table. First stage: an inner packet routed
// into an SSTP session is counted on the session and punted, on its owner worker, to the control
// plane (PuntReason::SessionEvent, SstpEvent::Outbound), which frames it (PPP, SSTP) and seals
// it into a TLS record on the session's stream; the client's packets come back the other way as
// InjectAction::SessionInput. The worker-owned record layer replaces this (docs/sstp.md).
#pragma once

#include "dataplane/session/protocol.hpp"

namespace vp::dp::sstp {

// The table entry (dataplane/session/protocols.cpp lists it).
ProtocolStage protocol_stage();

} // namespace vp::dp::sstp
