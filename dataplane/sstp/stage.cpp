// The SSTP stage's output: count, then hand the inner packet to the control plane (first stage,
// see stage.hpp).
#include "dataplane/sstp/stage.hpp"

#include "dataplane/sstp/sstp_session.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ether.h>
#include <rte_mbuf.h>

namespace vp::dp::sstp {

namespace {

void output(void* state, Session& s, rte_mbuf* m) {
    auto& w = *static_cast<Worker*>(state);
    // Counted here, on the owner (the only writer of the session's counters): what reaches the
    // punt ring is sent unless the stream itself fails.
    s.counters.tx_packets.inc();
    s.counters.tx_bytes.add(rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr));
    s.last_tx_tsc.store(w.now_tsc(), std::memory_order_relaxed);
    w.count(WorkerCounter::sstp_punted_out);
    w.punt(m, PuntReason::SessionEvent, s.wan_port,
           {.session_event = {s.id, static_cast<uint32_t>(SstpEvent::Outbound)}});
}

} // namespace

ProtocolStage protocol_stage() {
    ProtocolStage p;
    // No per-worker state yet: the worker itself is the state.
    p.create = [](Worker& w, std::string&) -> void* { return &w; };
    p.destroy = [](void*) {};
    p.output = output;
    return p;
}

} // namespace vp::dp::sstp
