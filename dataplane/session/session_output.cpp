// Output into a VPN session: handed to the session's owner worker, which runs the protocol's
// encapsulation stage.
#include "dataplane/ovpn/ovpn_session.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

namespace vp::dp {

void Worker::to_session(Session& session, rte_mbuf* m) {
    if (session.owner == id_)
        session_output(session, m);
    else
        handoff(session, m, HandoffKind::Encap);
}

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
