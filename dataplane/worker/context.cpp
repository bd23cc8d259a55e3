// The per-worker context: port views, the crypto engine, punting, handoff queues and TX queues.
#include "dataplane/worker/context.hpp"

#include "dataplane/session/session.hpp"

#include <rte_ethdev.h>

#include <algorithm>

namespace vp::dp {

WorkerContext::WorkerContext(Dataplane& dataplane, WorkerId id)
    : dp_(dataplane), id_(id), burst_(std::min<uint16_t>(dataplane.settings().burst, max_burst)),
      port_count_(static_cast<uint16_t>(dataplane.ports().size())), tsc_hz_(rte_get_tsc_hz()),
      handoff_out_(dataplane.worker_count()) {
    // The crypto engine is created on the control thread for this worker; it is used only by it.
    auto engine = crypto::CryptoEngine::create();
    if (engine.ok())
        crypto_ = std::move(*engine);
    else
        setup_error_ = "crypto engine: " + engine.message();
    for (size_t i = 0; i < dataplane.ports().size(); ++i) {
        const Port& p = dataplane.ports()[i];
        port_views_[i] = {p.dpdk_id, p.mac, p.settings.address_be, p.settings.mtu};
    }
}

void WorkerContext::punt(rte_mbuf* m, PuntReason reason, PortId port, const PuntPayload& payload) {
    PuntEntry e{m, reason, port, id_, payload};
    if (rte_ring_mp_enqueue_elem(dp_.punt_ring(), &e, sizeof e) != 0) {
        if (m)
            drop(m, DropReason::punt_ring_full);
        else
            stats_.drop(DropReason::punt_ring_full).inc();
        return;
    }
    count(WorkerCounter::punted);
}

void WorkerContext::handoff(Session& session, rte_mbuf* m, HandoffKind kind) {
    HandoffQueue& q = handoff_out_[session.owner];
    q.entries[q.n++] = HandoffEntry{m, session.id, kind};
    if (q.n == max_burst) flush_handoff();
}

void WorkerContext::flush_handoff() {
    for (WorkerId w = 0; w < handoff_out_.size(); ++w) {
        HandoffQueue& q = handoff_out_[w];
        if (q.n == 0) continue;
        unsigned sent = rte_ring_mp_enqueue_burst_elem(dp_.handoff_ring(w), q.entries,
                                                       sizeof(HandoffEntry), q.n, nullptr);
        count(WorkerCounter::handed_off, sent);
        for (unsigned i = sent; i < q.n; ++i)
            drop(q.entries[i].mbuf, DropReason::handoff_ring_full);
        q.n = 0;
    }
}

void WorkerContext::tx(PortId port, rte_mbuf* m) {
    TxQueue& q = tx_[port];
    q.pkts[q.n++] = m;
    if (q.n == 2 * max_burst) flush_tx();
}

void WorkerContext::flush_tx() {
    uint64_t t0 = stage_clock();
    uint32_t total = 0;
    for (PortId p = 0; p < port_count_; ++p) {
        TxQueue& q = tx_[p];
        if (q.n == 0) continue;
        uint64_t bytes = 0;
        for (uint16_t i = 0; i < q.n; ++i)
            bytes += rte_pktmbuf_pkt_len(q.pkts[i]);
        uint16_t sent = rte_eth_tx_burst(port_views_[p].dpdk_id, id_, q.pkts, q.n);
        for (uint16_t i = sent; i < q.n; ++i) {
            bytes -= rte_pktmbuf_pkt_len(q.pkts[i]);
            drop(q.pkts[i], DropReason::tx_full);
        }
        count(WorkerCounter::tx_packets, sent);
        count(WorkerCounter::tx_bytes, bytes);
        total += q.n;
        q.n = 0;
    }
    if (total) stage_done(Stage::tx, total, t0);
}

} // namespace vp::dp
