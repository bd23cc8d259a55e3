// Output into a VPN session, on the session's owner worker: the protocol's encapsulation stage.
#include "dataplane/ovpn/ovpn_session.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

namespace vp::dp {

void Worker::session_output(Session& session, rte_mbuf* m) {
    switch (session.kind) {
    case SessionKind::Ovpn:
        ovpn_encap_add(static_cast<OvpnSession&>(session), m);
        break;
    default:
        session.counters.rx_dropped.inc();
        drop(m, DropReason::session_no_keys);
        break;
    }
}

} // namespace vp::dp
