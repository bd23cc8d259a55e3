// Punt consumer: the connection's events and bytes go to the owner worker, which forwards them
// to the control plane (SSTP's TLS handshake, OpenVPN-TCP's control channel, tests); the bytes
// the control plane sends come back through Engine::send() from the worker's inject ring. The
// callbacks only note what is pending; Engine::punt_poll() turns that into PuntEvents, framed
// as the connection's PuntMode says. The slot is held after Closed until punt_poll() has
// reported it, so the control plane always learns of the end.
#pragma once

#include "dataplane/tcp/stream.hpp"

namespace vp::tcp {

// Implemented in engine.cpp (they reach the engine's punt list).
void punt_note(Stream& s, uint8_t event_bits);

struct PuntConsumer {
    static constexpr ConsumerKind kind = ConsumerKind::Punt;
    static void on_opened(Stream& s) { punt_note(s, event::Opened); }
    static void on_readable(Stream& s) { punt_note(s, event::Readable); }
    static void on_peer_closed(Stream& s) { punt_note(s, event::PeerClosed); }
    static void on_writable(Stream& s) { punt_note(s, event::Writable); }
    static void on_closed(Stream& s, CloseReason) { punt_note(s, event::Closed); }
};

} // namespace vp::tcp
