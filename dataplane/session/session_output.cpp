// Output into a VPN session and the dispatch to the protocols' stages: an inner packet is handed
// to the session's owner worker, which runs the protocol's encapsulation stage, found in the
// protocol table by the session's kind. The session's rate limit towards the client is applied
// here, before the protocol spends any crypto on a packet it would drop.
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ether.h>

namespace vp::dp {

void Worker::to_session(Session& session, rte_mbuf* m) {
    if (session.owner == id_)
        session_output(session, m);
    else
        handoff(session, m, HandoffKind::Encap);
}

void Worker::session_output(Session& session, rte_mbuf* m) {
    // The rate limit towards the client, on the owner (the meter is its state alone).
    if (session.meter &&
        !session.meter->tx.admit(now_tsc(), rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr))) {
        session.meter->tx_dropped.inc();
        drop(m, DropReason::session_rate_limited);
        return;
    }
    const ProtocolSlot& proto = protocols_[static_cast<size_t>(session.kind)];
    if (proto.stage && proto.stage->output) {
        proto.stage->output(proto.state, session, m);
        return;
    }
    session.counters.rx_dropped.inc();
    drop(m, DropReason::session_no_keys);
}

const Worker::ProtocolSlot* Worker::udp_protocol(uint16_t dst_port) const {
    for (const ProtocolSlot& proto : protocols_) {
        if (!proto.stage || !proto.stage->udp_port) continue;
        uint16_t listening = policy_->*proto.stage->udp_port;
        // The OpenVPN client links' ports go to the same stage as the server's port.
        // So does a port a reload replaced, while its sessions last.
        bool also = proto.stage->udp_port == &WorkerPolicy::ovpn_udp_port &&
                    (policy_->ovpn_client_port(dst_port) ||
                     (dst_port != 0 && dst_port == policy_->ovpn_udp_old_port));
        if (!also && (listening == 0 || listening != dst_port)) continue;
        return &proto;
    }
    return nullptr;
}

bool Worker::protocol_udp_input(PortId port, uint16_t dst_port, rte_mbuf* m) {
    const ProtocolSlot* proto = udp_protocol(dst_port);
    if (!proto) return false;
    count(WorkerCounter::local_delivered);
    proto->stage->udp_input(proto->state, port, m);
    return true;
}

void Worker::protocol_udp_burst(PortId port, const ProtocolSlot& proto, rte_mbuf* const* pkts,
                                uint16_t n) {
    uint64_t t0 = stage_clock();
    count(WorkerCounter::local_delivered, n);
    if (proto.stage->udp_input_burst) {
        proto.stage->udp_input_burst(proto.state, port, pkts, n);
    } else {
        for (uint16_t i = 0; i < n; ++i)
            proto.stage->udp_input(proto.state, port, pkts[i]);
    }
    stage_done(Stage::local, n, t0);
}

void Worker::session_keepalive(SessionId id) {
    Session* s = dp_.sessions().get(id);
    const ProtocolSlot* proto = s ? &protocols_[static_cast<size_t>(s->kind)] : nullptr;
    if (!s || s->owner != id_ || !proto->stage || !proto->stage->keepalive) {
        count_drop(DropReason::session_gone);
        return;
    }
    proto->stage->keepalive(proto->state, *s);
}

void Worker::session_control(SessionId id, rte_mbuf* m) {
    Session* s = dp_.sessions().get(id);
    const ProtocolSlot* proto = s ? &protocols_[static_cast<size_t>(s->kind)] : nullptr;
    if (!m) {
        count_drop(DropReason::inject_invalid);
        return;
    }
    if (!s || s->owner != id_ || !proto->stage || !proto->stage->control) {
        drop(m, DropReason::session_gone);
        return;
    }
    proto->stage->control(proto->state, *s, m);
}

void Worker::flush_protocol_input() {
    for (const ProtocolSlot& proto : protocols_)
        if (proto.state && proto.stage->flush_input) proto.stage->flush_input(proto.state);
}

void Worker::flush_protocol_output() {
    for (const ProtocolSlot& proto : protocols_)
        if (proto.state && proto.stage->flush_output) proto.stage->flush_output(proto.state);
}

} // namespace vp::dp
