// Output into a VPN session, on the session's owner worker: the protocol's encapsulation stage.
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

namespace vp::dp {

void Worker::session_output(Session& session, rte_mbuf* m) {
    switch (session.kind) {
    case SessionKind::Ovpn:
    case SessionKind::Sstp:
    default:
        session.counters.rx_dropped.inc();
        drop(m, DropReason::session_no_keys);
        break;
    }
}

} // namespace vp::dp
