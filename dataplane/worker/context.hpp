// What every stage of a worker shares, whatever protocol it serves: the worker's identity, the
// dataplane it belongs to, its ports, TX queues, punt ring, handoff queues, crypto engine,
// counters and the loop's current time. The IP stages (Worker) and the protocol stages
// (dataplane/<protocol>/) both work through it; nothing here names a protocol.
#pragma once

#include "crypto/engine.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/worker/counters.hpp"

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vp::dp {

struct Session;

class WorkerContext {
public:
    WorkerContext(Dataplane& dataplane, WorkerId id);
    WorkerContext(const WorkerContext&) = delete;
    WorkerContext& operator=(const WorkerContext&) = delete;

    WorkerId id() const { return id_; }
    Dataplane& dataplane() { return dp_; }
    bool has_crypto() const { return crypto_ != nullptr; }
    // The worker's crypto engine (used only by this worker; nullptr if it could not be made).
    crypto::CryptoEngine& crypto() { return *crypto_; }
    const std::string& setup_error() const { return setup_error_; }
    const WorkerStats& stats() const { return stats_; }
    // The TSC at the start of the current loop iteration.
    uint64_t now_tsc() const { return now_tsc_; }

    void drop(rte_mbuf* m, DropReason reason) {
        stats_.drop(reason).inc();
        rte_pktmbuf_free(m);
    }
    void count_drop(DropReason reason) { stats_.drop(reason).inc(); } // a drop without an mbuf
    void count(WorkerCounter c, uint64_t n = 1) { stats_[c].add(n); }
    // Stage cycle accounting is sampled: one loop iteration in stage_sample_every reads the TSC
    // around its stages and accounts their cycles times that factor (an unbiased estimate); the
    // other iterations read no TSC per stage or packet. Packet counts are exact.
    static constexpr uint64_t stage_sample_every = 16;
    // The start of a stage's work: the TSC in a sampled iteration, else 0.
    uint64_t stage_clock() const { return timing_ ? rte_rdtsc() : 0; }
    // Accounts `n` packets and (sampled) the cycles since `t0 = stage_clock()` to a stage.
    void stage_done(Stage s, uint64_t n, uint64_t t0) {
        stats_.stage_packets[static_cast<size_t>(s)].add(n);
        if (timing_)
            stats_.stage_cycles[static_cast<size_t>(s)].add((rte_rdtsc() - t0) *
                                                            stage_sample_every);
    }

    void punt(rte_mbuf* m, PuntReason reason, PortId port, const PuntPayload& payload = {});
    // Queues a packet for the worker that owns `session`; flushed once per loop iteration.
    void handoff(Session& session, rte_mbuf* m, HandoffKind kind);
    void flush_handoff();
    void tx(PortId port, rte_mbuf* m);
    void flush_tx();
    uint16_t next_ip_id() { return ip_id_++; }

protected:
    struct TxQueue {
        uint16_t n = 0;
        rte_mbuf* pkts[2 * max_burst];
    };
    struct HandoffQueue {
        uint16_t n = 0;
        HandoffEntry entries[max_burst];
    };
    struct PortView { // what the fast path reads of a port, copied at start
        uint16_t dpdk_id;
        rte_ether_addr mac;
        uint32_t address_be;
        uint16_t mtu;
    };

    Dataplane& dp_;
    const WorkerId id_;
    uint16_t burst_;
    uint16_t port_count_;
    uint64_t now_tsc_ = 0;
    bool timing_ = false;    // this iteration samples the stages' cycles (stage_clock)
    uint32_t iteration_ = 0; // loop iterations, for the sampling
    uint64_t tsc_hz_;
    std::array<PortView, max_ports> port_views_{};
    std::unique_ptr<crypto::CryptoEngine> crypto_;
    std::string setup_error_;
    uint16_t ip_id_ = 0;
    std::array<TxQueue, max_ports> tx_{};
    std::vector<HandoffQueue> handoff_out_;
    WorkerStats stats_;
};

} // namespace vp::dp
