// vpnperf's per-lcore packet loops: transmit jobs replay pre-built frames (reference-counted
// clones of template mbufs, so a packet costs no copy and no crypto) at a target rate with a
// latency probe every N packets (built and sealed on the fly with the TSC inside); receive jobs
// attribute each frame to its session, count it, open sampled encrypted frames to prove them
// right, read probe stamps, and turn ARP requests for the addresses vpnperf impersonates into
// replies. Each port has exactly one transmitting lcore: replies travel to it on a ring.
//
// Hot path rules as in the dataplane: no heap, locks, exceptions or logging per packet;
// counters are per job, written by one lcore.
#pragma once

#include "dataplane/worker/counters.hpp"
#include "perf/vpnperf/frame_factory.hpp"
#include "perf/vpnperf/latency.hpp"
#include "perf/vpnperf/traffic_model.hpp"

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <memory>
#include <vector>

namespace vp::perf {

inline constexpr uint16_t kBurst = 32;

struct PortContext {
    const char* role = "";
    uint16_t port_id = 0;
    Mac mac{};
    Mac peer_mac{};                       // the appliance's port (loopback: our other port)
    std::vector<net::Ipv4> own_addresses; // sorted: ARP requests for these are answered
    rte_ring* replies = nullptr;          // ARP replies, receive lcore -> transmit lcore
    dp::Counter other;                    // frames neither ARP nor this run's traffic
    dp::Counter arp_replies;

    bool owns(net::Ipv4 address) const;
};

struct alignas(64) TxCounters {
    dp::Counter packets;
    dp::Counter frame_bytes;
    dp::Counter inner_bytes;
    dp::Counter rejected; // not accepted by the port's TX queue
    dp::Counter probes;
    dp::Counter build_failed; // probes that could not be allocated or sealed
};

struct alignas(64) RxCounters {
    dp::Counter packets;
    dp::Counter frame_bytes;
    dp::Counter inner_bytes;
    dp::Counter unmatched;
    dp::Counter probes;
    dp::Counter verified;
    dp::Counter verify_failed;
};

// What a receive job expects on its port.
enum class RxKind : uint8_t {
    DecapPlain,  // LAN: decrypted inner packets, tunnel address -> LAN host
    DecapSealed, // LAN, loopback: our own DATA_V2 frames, client -> server
    EncapSealed, // WAN: DATA_V2 frames from the appliance, server -> client
    EncapPlain,  // WAN, loopback: our own plaintext, LAN host -> tunnel address
};

struct TxJob {
    TrafficDirection direction = TrafficDirection::Decap;
    PortContext* port = nullptr;
    std::vector<rte_mbuf*> templates;     // replay order
    std::vector<uint16_t> template_inner; // inner bytes of each template
    rte_mempool* probe_pool = nullptr;
    uint64_t rate_pps = 0;     // 0: as fast as the port takes them
    uint64_t packet_limit = 0; // packets to attempt in all (0: until the run's time is up)
    uint32_t probe_every = 0;
    uint32_t probe_bytes = 0;
    // Owned by the transmitting lcore.
    uint64_t start_tsc = 0;
    uint64_t attempted = 0;
    size_t cursor = 0;
    uint64_t sequence = 0;
    uint32_t probe_seq = 0;
    TxCounters counters;
    std::atomic<bool> finished{false}; // packet_limit reached (read by the driver)
};

struct RxJob {
    RxKind kind = RxKind::DecapPlain;
    TrafficDirection direction = TrafficDirection::Decap;
    bool counting = true; // false when the direction is not sent: only ARP is handled
    PortContext* port = nullptr;
    uint32_t probe_bytes = 0;        // probes' inner size
    uint32_t probe_packet_bytes = 0; // probes' sealed size (sealed kinds)
    InnerSizeTable sizes;            // sealed kinds: packet length -> inner size
    uint32_t verify_every = 1024;
    uint64_t seen = 0;
    std::vector<uint8_t> scratch; // kBurst copies of packets to open (templates may be shared)
    RxCounters counters;
    LatencyHistogram latency;
};

enum Phase : int { kWaiting = 0, kRunning = 1, kDraining = 2, kStopped = 3 };

struct RunControl {
    std::atomic<int> phase{kWaiting};
    uint64_t start_tsc = 0; // written before phase becomes kRunning
};

// Read-only during the run.
struct EngineShared {
    const TrafficModel* model = nullptr;
    uint64_t tsc_hz = 0;
    double ns_per_tsc = 0;
};

struct LcoreWork {
    std::vector<TxJob*> tx;
    std::vector<RxJob*> rx;
    std::vector<PortContext*> drains; // ports whose TX queue this lcore owns
    std::unique_ptr<crypto::CryptoEngine> engine;
};

struct LcoreArgs {
    LcoreWork* work = nullptr;
    const EngineShared* shared = nullptr;
    RunControl* control = nullptr;
};

void tx_poll(TxJob& job, const EngineShared& shared, crypto::CryptoEngine& engine, uint64_t now);
void rx_poll(RxJob& job, const EngineShared& shared, crypto::CryptoEngine& engine);
void drain_replies(PortContext& port);
// One pass over an lcore's jobs for the given phase.
void lcore_iteration(LcoreWork& work, const EngineShared& shared, int phase);
// Worker lcore entry (rte_eal_remote_launch): waits for kRunning, loops until kStopped.
int lcore_main(void* lcore_args);

// ARP request for an owned address: rewritten into the reply and queued for the port's
// transmitting lcore. Returns true when the mbuf was consumed.
bool answer_arp(PortContext& port, rte_mbuf* m);

} // namespace vp::perf
