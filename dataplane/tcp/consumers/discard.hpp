// Discard consumer (RFC 863 in spirit): reads and drops every byte; closes when the peer does.
// For tests and benchmarks of the receive path.
#pragma once

#include "dataplane/tcp/stream.hpp"

namespace vp::tcp {

struct DiscardConsumer {
    static constexpr ConsumerKind kind = ConsumerKind::Discard;
    static void on_opened(Stream&) {}
    static void on_readable(Stream& s) { s.rx_consume(s.rx_bytes()); }
    static void on_peer_closed(Stream& s) {
        s.rx_consume(s.rx_bytes());
        s.close();
    }
    static void on_writable(Stream&) {}
    static void on_closed(Stream&, CloseReason) {}
};

} // namespace vp::tcp
