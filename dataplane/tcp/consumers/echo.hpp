// Echo consumer (RFC 862 in spirit): sends back every byte, zero-copy (the received mbufs are
// queued for sending as they are), as fast as the send buffer allows; closes after the peer
// does and everything has been echoed. For tests and benchmarks of both directions.
#pragma once

#include "dataplane/tcp/stream.hpp"

namespace vp::tcp {

struct EchoConsumer {
    static constexpr ConsumerKind kind = ConsumerKind::Echo;

    static void pump(Stream& s) {
        for (;;) {
            uint32_t n = s.rx_bytes();
            uint32_t room = s.tx_space();
            if (n == 0 || room == 0) break;
            rte_mbuf* chain = s.rx_take(n < room ? n : room);
            if (!chain) break;
            if (!s.send(chain)) { // cannot happen with room checked; never leak
                rte_pktmbuf_free(chain);
                s.abort();
                return;
            }
        }
        if (s.rx_bytes() > 0) s.want_writable();
        if (s.peer_closed() && s.rx_bytes() == 0) s.close();
    }
    static void on_opened(Stream&) {}
    static void on_readable(Stream& s) { pump(s); }
    static void on_peer_closed(Stream& s) { pump(s); }
    static void on_writable(Stream& s) { pump(s); }
    static void on_closed(Stream&, CloseReason) {}
};

} // namespace vp::tcp
