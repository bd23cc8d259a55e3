// Fuzz target: segment handling of the engine in every state. The first byte picks a state that
// a scripted peer drives one connection into; the rest is a sequence of segments, each
//   [1 byte: fix-ups][1 byte: time step][2 bytes: length][length bytes: TCP header + payload]
// wrapped in an IPv4 header. Fix-ups optionally make the segment belong to the connection
// (its ports), put its SEQ/ACK near the connection's (so deep paths are reached) and correct
// the checksum. After the sequence, the connection is aborted and time runs past every timer;
// the engine must then hold no connection and no mbuf (leaks abort the run).
#include "base/bytes.hpp"
#include "dataplane/tcp/engine.hpp"
#include "dataplane/tcp/stream.hpp"

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

using namespace vp::tcp;

namespace {

constexpr uint32_t kUs = 0x0a000002;   // the engine
constexpr uint32_t kPeer = 0x0a000001; // the scripted peer
constexpr uint16_t kPeerPort = 40000;
constexpr uint16_t kPort = 80;

rte_mempool* pool() {
    static rte_mempool* p = [] {
        std::string prefix = "--file-prefix=tcpfz" + std::to_string(getpid());
        const char* argv[] = {"fuzz",        "--no-huge",   "-m",           "256",
                              "--no-pci",    "--no-shconf", prefix.c_str(), "--no-telemetry",
                              "--log-level", "lib.*:error", "-l",           "0"};
        if (rte_eal_init(static_cast<int>(sizeof argv / sizeof argv[0]), const_cast<char**>(argv)) <
            0)
            abort();
        return rte_pktmbuf_pool_create("fuzz_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                       SOCKET_ID_ANY);
    }();
    return p;
}

// Wraps TCP bytes in an IPv4 header from the peer to us.
rte_mbuf* packet(const uint8_t* tcp, size_t len, bool fix_checksum) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool());
    if (!m) return nullptr;
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(20 + len)));
    if (!p) {
        rte_pktmbuf_free(m);
        return nullptr;
    }
    memset(p, 0, 20);
    p[0] = 0x45;
    vp::store_be16(p + 2, static_cast<uint16_t>(20 + len));
    p[8] = 64;
    p[9] = IPPROTO_TCP;
    vp::store_be32(p + 12, kPeer);
    vp::store_be32(p + 16, kUs);
    if (len) memcpy(p + 20, tcp, len);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    if (fix_checksum && len >= 20) {
        p[20 + 16] = p[20 + 17] = 0;
        uint32_t sum = rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(p + 20, len);
        uint16_t ck = static_cast<uint16_t>(~fold_checksum(sum));
        memcpy(p + 20 + 16, &ck, 2);
    }
    return m;
}

// A TCP header (no payload) from the scripted peer.
std::vector<uint8_t> tcp_bytes(uint32_t seq, uint32_t ack, uint8_t flags, size_t payload = 0,
                               bool syn_options = false) {
    std::vector<uint8_t> t(20 + (syn_options ? 20 : 12) + payload, 0x5a);
    vp::store_be16(t.data(), kPeerPort);
    vp::store_be16(t.data() + 2, kPort);
    vp::store_be32(t.data() + 4, seq);
    vp::store_be32(t.data() + 8, ack);
    OptionsOut o;
    o.timestamps = true;
    o.ts_val = 1000;
    if (syn_options) {
        o.mss = 1460;
        o.wscale = 7;
        o.sack_permitted = true;
    }
    size_t n = write_options(o, t.data() + 20);
    t.resize(20 + n + payload);
    t[12] = static_cast<uint8_t>(((20 + n) / 4) << 4);
    t[13] = flags;
    vp::store_be16(t.data() + 14, 65535);
    return t;
}

struct Run {
    Engine& e;
    TxBatchArray<256> out;
    uint64_t now = 1000000000;
    uint32_t peer_seq = 1000;
    uint32_t our_nxt = 0; // the engine's sequence numbers as the peer has seen them
    bool seen = false;

    void drain() {
        for (uint16_t i = 0; i < out.count; ++i) {
            rte_mbuf* m = out.pkts[i];
            const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
            if (m->data_len >= 40 && !(p[20 + 13] & flag::Rst)) {
                uint32_t seq = vp::load_be32(p + 20 + 4);
                uint32_t len = m->pkt_len - 20 - (p[20 + 12] >> 4) * 4u;
                uint32_t end = seq + len + ((p[20 + 13] & (flag::Syn | flag::Fin)) ? 1 : 0);
                if (!seen || static_cast<int32_t>(end - our_nxt) > 0) our_nxt = end;
                seen = true;
            }
            rte_pktmbuf_free(m);
        }
        out.count = 0;
    }
    void send(const std::vector<uint8_t>& t) {
        if (rte_mbuf* m = packet(t.data(), t.size(), true)) e.input(m, now, out);
        drain();
    }
    void advance(uint64_t us) {
        uint64_t end = now + us;
        while (now < end) {
            now += e.config().tick_us * 10;
            e.poll(now, out);
            drain();
        }
    }
    ConnHandle conn() { return e.lookup({kPeer, kUs, kPeerPort, kPort}); }
};

void drive_to_state(Run& r, uint8_t which) {
    if (which == 0) return; // LISTEN only
    r.send(tcp_bytes(r.peer_seq, 0, flag::Syn, 0, true));
    ++r.peer_seq;
    if (which == 1) return; // SYN-RECEIVED
    r.send(tcp_bytes(r.peer_seq, r.our_nxt, flag::Ack));
    ConnHandle h = r.conn();
    r.e.send_copy(h, std::vector<uint8_t>(3000, 1));
    r.e.flush(r.out);
    r.drain();
    switch (which) {
    case 2:
        break; // ESTABLISHED with data in flight
    case 3:
        r.e.close(h);
        r.e.flush(r.out);
        r.drain();
        break; // FIN-WAIT-1
    case 4:    // FIN-WAIT-2
        r.e.close(h);
        r.e.flush(r.out);
        r.drain();
        r.send(tcp_bytes(r.peer_seq, r.our_nxt, flag::Ack));
        break;
    case 5: // CLOSE-WAIT
        r.send(tcp_bytes(r.peer_seq, r.our_nxt, flag::Ack | flag::Fin));
        ++r.peer_seq;
        break;
    case 6: // LAST-ACK
        r.send(tcp_bytes(r.peer_seq, r.our_nxt, flag::Ack | flag::Fin));
        ++r.peer_seq;
        r.e.close(h);
        r.e.flush(r.out);
        r.drain();
        break;
    case 7: // TIME-WAIT
        r.e.close(h);
        r.e.flush(r.out);
        r.drain();
        r.send(tcp_bytes(r.peer_seq, r.our_nxt, flag::Ack | flag::Fin));
        ++r.peer_seq;
        break;
    default: // zero window from the peer, probes running
    {
        auto t = tcp_bytes(r.peer_seq, r.our_nxt, flag::Ack);
        vp::store_be16(t.data() + 14, 0);
        r.send(t);
        r.advance(500000);
        break;
    }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    rte_mempool* mp = pool();
    unsigned baseline = rte_mempool_in_use_count(mp);
    EngineConfig cfg;
    cfg.max_connections = 16;
    cfg.syn_backlog = 4;
    cfg.time_wait_max = 4;
    cfg.snd_buf_bytes = 16384;
    cfg.rcv_buf_bytes = 16384;
    cfg.wheel_slots = 256;
    cfg.time_wait_ms = 2000;
    cfg.fin_wait2_ms = 2000;
    cfg.keepalive_idle_ms = 3000;
    cfg.keepalive_interval_ms = 500;
    cfg.max_retransmits = 4;
    cfg.rto_max_ms = 2000;
    auto created = Engine::create(cfg, mp, SOCKET_ID_ANY, "fuzz", 1000000000);
    if (!created) abort();
    {
        Engine& e = *created.value();
        uint8_t key[16] = {7};
        (void)e.set_syn_cookie_secret(key);
        (void)e.listen(
            {kPort, size > 1 && (data[1] & 1) ? ConsumerKind::Echo : ConsumerKind::Punt});
        Run r{e};
        drive_to_state(r, size ? data[0] % 9 : 0);
        size_t at = 2;
        while (at + 4 <= size) {
            uint8_t fix = data[at];
            uint8_t step = data[at + 1];
            size_t len = (size_t{data[at + 2]} << 8 | data[at + 3]) % 1600;
            at += 4;
            if (len > size - at) len = size - at;
            std::vector<uint8_t> t(data + at, data + at + len);
            at += len;
            if (t.size() >= 20) {
                if (fix & 1) {
                    vp::store_be16(t.data(), kPeerPort);
                    vp::store_be16(t.data() + 2, kPort);
                }
                if (fix & 2)
                    vp::store_be32(t.data() + 4,
                                   r.peer_seq + (vp::load_be32(t.data() + 4) % 4096) - 2048);
                if (fix & 4)
                    vp::store_be32(t.data() + 8,
                                   r.our_nxt + (vp::load_be32(t.data() + 8) % 4096) - 2048);
            }
            rte_mbuf* m = packet(t.data(), t.size(), fix & 8);
            if (m) e.input(m, r.now, r.out);
            r.drain();
            // Punt events are taken (and their data freed) as a worker would.
            PuntEvent ev[8];
            size_t n;
            while ((n = e.punt_poll(ev, 8)) > 0)
                for (size_t i = 0; i < n; ++i)
                    if (ev[i].data) rte_pktmbuf_free(ev[i].data);
            if (step) r.advance(uint64_t{step} * 1000);
        }
        ConnHandle h = r.conn();
        if (h.valid()) e.abort(h);
        r.advance(30000000); // past TIME-WAIT, every retry and keepalive
        PuntEvent ev[8];
        size_t n;
        while ((n = e.punt_poll(ev, 8)) > 0)
            for (size_t i = 0; i < n; ++i)
                if (ev[i].data) rte_pktmbuf_free(ev[i].data);
        r.advance(1000000);
        if (e.gauges().connections != 0) {
            fprintf(stderr, "fuzz_tcp_input: %u connections left\n", e.gauges().connections.get());
            abort();
        }
    }
    created.value().reset();
    if (rte_mempool_in_use_count(mp) != baseline) {
        fprintf(stderr, "fuzz_tcp_input: %u mbufs leaked\n",
                rte_mempool_in_use_count(mp) - baseline);
        abort();
    }
    return 0;
}
