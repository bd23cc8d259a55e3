// The SSTP stage's entry in the workers' protocol table.
//
// With the record layer handed over (SstpSession::records, docs/sstp.md): the stream's whole
// TLS records reach the stage (stream_input, tagged by TcpPuntRelease); a unit that is one whole
// record is opened in place, batched across sessions (up to 64 per engine call), and its IPv4
// packet forwarded from the same mbuf; other units go through the session's reassembly buffer,
// opened in one batch per session and burst. IPv4 data packets go to session_input_burst and
// everything else to the control plane as opened plaintext
// (SstpEvent::Control); packets routed into the session, and the control plane's own SSTP
// packets (InjectAction::SessionControl), are framed and sealed here, in one batch per loop
// iteration, and queued on the stream.
//
// Without it (first stage; suites the worker does not run): an inner packet routed into the
// session is counted and punted to the control plane (SstpEvent::Outbound), which seals it;
// the client's packets come back as InjectAction::SessionInput.
#pragma once

#include "dataplane/session/protocol.hpp"

namespace vp::dp::sstp {

// The table entry (dataplane/session/protocols.cpp lists it).
ProtocolStage protocol_stage();

} // namespace vp::dp::sstp
