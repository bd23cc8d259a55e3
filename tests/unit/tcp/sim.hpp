// Test-side tools for the TCP engine: a builder of IPv4/TCP packets as a scripted peer sends
// them, a parser of what the engine emits, an engine with a virtual clock, and a simulated
// network between two engines with deterministic loss, duplication, reordering and delay.
#pragma once

#include "dataplane/tcp/engine.hpp"
#include "dataplane/tcp/stream.hpp"

#include <rte_mbuf.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace vp::tcp::test {

inline constexpr uint32_t kServerIp = 0x0a000002; // 10.0.0.2, the engine under test
inline constexpr uint32_t kClientIp = 0x0a000001; // 10.0.0.1, the peer

rte_mempool* test_pool();
// Mbufs of the test pool not in the pool right now (leak checks).
unsigned pool_in_use();

struct SegSpec {
    uint32_t src_ip = kClientIp;
    uint32_t dst_ip = kServerIp;
    uint16_t sport = 40000;
    uint16_t dport = 80;
    uint32_t seq = 0;
    uint32_t ack = 0;
    uint8_t flags = 0;
    uint16_t window = 65535;
    OptionsOut opt;
    std::vector<uint8_t> payload;
    bool bad_checksum = false;
};

rte_mbuf* build_packet(const SegSpec& s);

struct OutSeg {
    TcpSegment h;
    std::vector<uint8_t> payload;
    bool has(uint8_t f) const { return h.has(f); }
};
// Parses (and checks the checksum of) an emitted packet; does not free it.
OutSeg parse_packet(const rte_mbuf* m);
// Copies a packet into one fresh mbuf, as a wire would; frees the original.
rte_mbuf* wire_copy(rte_mbuf* m);

EngineConfig test_config();

// An engine with its own output batch and a virtual clock (microseconds).
class EngineBox {
public:
    explicit EngineBox(const EngineConfig& cfg = test_config(), uint64_t start_us = 1000000000);
    ~EngineBox();
    Engine& e() { return *engine_; }
    uint64_t now() const { return now_; }
    // Feeds a packet and returns what the engine emitted (parsed, freed).
    std::vector<OutSeg> feed(rte_mbuf* m);
    std::vector<OutSeg> feed(const SegSpec& s) { return feed(build_packet(s)); }
    // Advances the clock (polling every tick on the way) and returns what was emitted.
    std::vector<OutSeg> advance(uint64_t us);
    std::vector<OutSeg> flush();
    // Raw outputs, left in the batch for the caller (SimNet).
    TxBatch& batch() { return out_; }
    void set_now(uint64_t t) { now_ = t; }

private:
    std::vector<OutSeg> drain();
    std::unique_ptr<Engine> engine_;
    TxBatchArray<1024> out_;
    uint64_t now_;
};

// A scripted peer talking to an EngineBox: keeps the peer's sequence numbers.
struct ScriptedPeer {
    EngineBox& box;
    uint16_t sport = 40000;
    uint16_t dport = 80;
    uint32_t seq = 1000;    // next sequence number the peer sends
    uint32_t rcv_nxt = 0;   // what the peer acknowledges
    uint32_t ts = 5000;     // the peer's timestamp clock
    uint32_t ts_recent = 0; // the engine's last TSval
    bool use_ts = true;
    bool use_sack = true;
    int wscale = 7;
    uint16_t mss = 1460;
    uint16_t window = 65535; // unscaled field the peer sends

    SegSpec spec(uint8_t flags) const;
    // SYN, expect SYN-ACK, ACK. Returns the SYN-ACK.
    OutSeg handshake();
    // Sends a segment from the peer's current sequence number (advancing it) and returns
    // what the engine emitted; notes the engine's data, TSval and FIN.
    std::vector<OutSeg> send(uint8_t flags, std::vector<uint8_t> payload = {});
    std::vector<OutSeg> ack(); // a pure ACK of everything seen
    void learn(const std::vector<OutSeg>& segs);
};

struct LinkParams {
    double loss = 0;    // probability a packet is dropped
    double dup = 0;     // probability it is delivered twice
    double reorder = 0; // probability it is held back by reorder_us
    uint64_t delay_us = 1000;
    uint64_t reorder_us = 3000;
    uint64_t seed = 1;
};

// Two engines joined by a simulated link with one clock.
class SimNet {
public:
    SimNet(EngineBox& a, EngineBox& b, LinkParams p);
    ~SimNet();
    // Runs until pred() holds or the simulated time limit passes; returns pred().
    template <class Pred>
    bool run_until(Pred pred, uint64_t limit_us);
    void step(); // one tick
    uint64_t now() const { return now_; }
    LinkParams& params() { return p_; }
    uint64_t dropped = 0;

private:
    void collect(EngineBox& from, bool to_b);
    EngineBox& a_;
    EngineBox& b_;
    LinkParams p_;
    std::mt19937_64 rng_;
    uint64_t now_;
    std::multimap<uint64_t, std::pair<bool, rte_mbuf*>> queue_;
};

template <class Pred>
bool SimNet::run_until(Pred pred, uint64_t limit_us) {
    uint64_t end = now_ + limit_us;
    while (!pred()) {
        if (now_ >= end) return false;
        step();
    }
    return true;
}

// A bulk application on one punt-consumer connection: sends `to_send` (a deterministic
// pattern) as room allows and collects what it receives.
struct PuntApp {
    ConnHandle h;
    std::vector<uint8_t> to_send;
    size_t sent = 0;
    std::vector<uint8_t> received;
    bool opened = false, peer_closed = false, closed = false;
    CloseReason reason = CloseReason::Normal;
    bool close_when_done = false; // close() once everything is sent
    bool close_on_peer_close = true;
    bool close_called = false;
};

// Routes an engine's punt events to PuntApps by handle; passive opens get a new app (made
// with `on_accept` defaults).
class PuntHub {
public:
    explicit PuntHub(Engine& e) : e_(&e) {}
    PuntApp& add(ConnHandle h);
    PuntApp* find(ConnHandle h);
    // Polls events, then lets every app send; returns the number of events.
    size_t pump();
    bool paused = false; // stop taking data (the receive window fills)
    PuntApp accept_template;
    std::map<uint64_t, PuntApp>& apps() { return apps_; }
    size_t closed_count() const;

private:
    Engine* e_;
    std::map<uint64_t, PuntApp> apps_;
};

std::vector<uint8_t> pattern(size_t n, uint32_t seed);

} // namespace vp::tcp::test
