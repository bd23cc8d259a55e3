// Test-side tools for the TCP engine. See sim.hpp.
#include "tests/unit/tcp/sim.hpp"

#include "base/bytes.hpp"

#include <gtest/gtest.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include <cstring>

namespace vp::tcp::test {

rte_mempool* test_pool() {
    static rte_mempool* pool = rte_pktmbuf_pool_create("tcp_test_pool", 65535, 256, 0,
                                                       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    return pool;
}

unsigned pool_in_use() {
    return rte_mempool_in_use_count(test_pool());
}

rte_mbuf* build_packet(const SegSpec& s) {
    rte_mbuf* m = rte_pktmbuf_alloc(test_pool());
    if (!m) return nullptr;
    uint8_t opts[40];
    size_t optlen = write_options(s.opt, opts);
    size_t total = 20 + 20 + optlen + s.payload.size();
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(total)));
    if (!p) {
        rte_pktmbuf_free(m);
        return nullptr;
    }
    memset(p, 0, 40);
    p[0] = 0x45;
    store_be16(p + 2, static_cast<uint16_t>(total));
    store_be16(p + 6, 0x4000);
    p[8] = 64;
    p[9] = IPPROTO_TCP;
    store_be32(p + 12, s.src_ip);
    store_be32(p + 16, s.dst_ip);
    uint8_t* t = p + 20;
    store_be16(t, s.sport);
    store_be16(t + 2, s.dport);
    store_be32(t + 4, s.seq);
    store_be32(t + 8, s.ack);
    t[12] = static_cast<uint8_t>(((20 + optlen) / 4) << 4);
    t[13] = s.flags;
    store_be16(t + 14, s.window);
    memcpy(t + 20, opts, optlen);
    if (!s.payload.empty()) memcpy(t + 20 + optlen, s.payload.data(), s.payload.size());
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);
    sum += rte_raw_cksum(t, total - 20);
    uint16_t ck = static_cast<uint16_t>(~fold_checksum(sum));
    if (s.bad_checksum) ck ^= 0x5555;
    memcpy(t + 16, &ck, 2); // DPDK's sums are in memory order: stored as they are
    return m;
}

OutSeg parse_packet(const rte_mbuf* m) {
    std::vector<uint8_t> bytes(m->pkt_len);
    const uint8_t* p =
        static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, m->pkt_len, bytes.data()));
    if (p != bytes.data()) memcpy(bytes.data(), p, m->pkt_len);
    OutSeg o;
    EXPECT_EQ(parse_segment(bytes, bytes.size(), o.h), ParseError::None);
    EXPECT_TRUE(tcp_checksum_ok(bytes, o.h)) << "engine emitted a bad checksum";
    EXPECT_EQ(o.h.ip_total_len, m->pkt_len);
    o.payload.assign(bytes.begin() + o.h.payload_offset,
                     bytes.begin() + o.h.payload_offset + o.h.payload_len);
    return o;
}

rte_mbuf* wire_copy(rte_mbuf* m) {
    rte_mbuf* c = rte_pktmbuf_alloc(test_pool());
    if (c) {
        auto* d =
            reinterpret_cast<uint8_t*>(rte_pktmbuf_append(c, static_cast<uint16_t>(m->pkt_len)));
        if (d) {
            const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, d);
            if (p != d) memcpy(d, p, m->pkt_len);
        } else {
            rte_pktmbuf_free(c);
            c = nullptr;
        }
    }
    rte_pktmbuf_free(m);
    return c;
}

EngineConfig test_config() {
    EngineConfig c;
    c.max_connections = 2048;
    c.syn_backlog = 256;
    c.time_wait_max = 256;
    c.snd_buf_bytes = 64 * 1024;
    c.rcv_buf_bytes = 64 * 1024;
    c.keepalive_idle_ms = 0;
    c.wheel_slots = 1024;
    return c;
}

static uint64_t next_engine_id = 0;

EngineBox::EngineBox(const EngineConfig& cfg, uint64_t start_us) : now_(start_us) {
    std::string name = "t" + std::to_string(next_engine_id++);
    auto r = Engine::create(cfg, test_pool(), SOCKET_ID_ANY, name.c_str(), now_);
    if (!r) {
        ADD_FAILURE() << r.message();
        return;
    }
    engine_ = std::move(r.value());
    uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    EXPECT_TRUE(engine_->set_syn_cookie_secret(key).ok());
}

EngineBox::~EngineBox() {
    for (uint16_t i = 0; i < out_.count; ++i)
        rte_pktmbuf_free(out_.pkts[i]);
    out_.count = 0;
}

std::vector<OutSeg> EngineBox::drain() {
    std::vector<OutSeg> v;
    for (uint16_t i = 0; i < out_.count; ++i) {
        v.push_back(parse_packet(out_.pkts[i]));
        rte_pktmbuf_free(out_.pkts[i]);
    }
    out_.count = 0;
    return v;
}

std::vector<OutSeg> EngineBox::feed(rte_mbuf* m) {
    if (!m) {
        ADD_FAILURE() << "no packet to feed (too large for one mbuf, or pool empty)";
        return {};
    }
    engine_->input(m, now_, out_);
    return drain();
}

std::vector<OutSeg> EngineBox::flush() {
    engine_->flush(out_);
    return drain();
}

std::vector<OutSeg> EngineBox::advance(uint64_t us) {
    std::vector<OutSeg> all;
    uint64_t end = now_ + us;
    uint64_t tick = engine_->config().tick_us;
    while (now_ < end) {
        now_ = std::min(end, now_ + tick);
        engine_->poll(now_, out_);
        auto v = drain();
        all.insert(all.end(), v.begin(), v.end());
    }
    return all;
}

// ---- ScriptedPeer ----

SegSpec ScriptedPeer::spec(uint8_t flags) const {
    SegSpec s;
    s.sport = sport;
    s.dport = dport;
    s.seq = seq;
    s.ack = (flags & flag::Ack) ? rcv_nxt : 0;
    s.flags = flags;
    s.window = window;
    if (use_ts) {
        s.opt.timestamps = true;
        s.opt.ts_val = ts;
        s.opt.ts_ecr = ts_recent;
    }
    return s;
}

void ScriptedPeer::learn(const std::vector<OutSeg>& segs) {
    for (const auto& o : segs) {
        if (o.h.dst_port != sport) continue;
        if (o.has(flag::Rst)) continue;
        if (o.h.opt.has_timestamps) ts_recent = o.h.opt.ts_val;
        uint32_t end = o.h.seq + o.h.seq_len();
        if (o.has(flag::Syn)) rcv_nxt = end;
        // Only in-order data moves RCV.NXT (the scripted peer keeps no reassembly queue).
        else if (o.h.seq == rcv_nxt)
            rcv_nxt = end;
    }
}

OutSeg ScriptedPeer::handshake() {
    SegSpec s = spec(flag::Syn);
    s.opt.mss = mss;
    s.opt.wscale = static_cast<int8_t>(wscale);
    s.opt.sack_permitted = use_sack;
    auto out = box.feed(s);
    ++seq;
    EXPECT_EQ(out.size(), 1u);
    if (out.empty()) return {};
    EXPECT_TRUE(out[0].has(flag::Syn) && out[0].has(flag::Ack));
    learn(out);
    ++ts;
    auto rest = send(flag::Ack);
    EXPECT_TRUE(rest.empty());
    return out[0];
}

std::vector<OutSeg> ScriptedPeer::send(uint8_t flags, std::vector<uint8_t> payload) {
    SegSpec s = spec(flags);
    s.payload = std::move(payload);
    seq += static_cast<uint32_t>(s.payload.size()) + ((flags & (flag::Syn | flag::Fin)) ? 1 : 0);
    auto out = box.feed(s);
    learn(out);
    return out;
}

std::vector<OutSeg> ScriptedPeer::ack() {
    return send(flag::Ack);
}

// ---- SimNet ----

SimNet::SimNet(EngineBox& a, EngineBox& b, LinkParams p)
    : a_(a), b_(b), p_(p), rng_(p.seed), now_(std::max(a.now(), b.now())) {
    a_.set_now(now_);
    b_.set_now(now_);
}

SimNet::~SimNet() {
    for (auto& [t, v] : queue_)
        rte_pktmbuf_free(v.second);
}

void SimNet::collect(EngineBox& from, bool to_b) {
    TxBatch& out = from.batch();
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (uint16_t i = 0; i < out.count; ++i) {
        rte_mbuf* m = wire_copy(out.pkts[i]);
        if (!m) continue;
        if (u(rng_) < p_.loss) {
            ++dropped;
            rte_pktmbuf_free(m);
            continue;
        }
        uint64_t at = now_ + p_.delay_us;
        if (u(rng_) < p_.reorder) at += p_.reorder_us;
        if (u(rng_) < p_.dup) {
            rte_mbuf* d = rte_pktmbuf_copy(m, test_pool(), 0, UINT32_MAX);
            if (d) queue_.emplace(at + 100, std::make_pair(to_b, d));
        }
        queue_.emplace(at, std::make_pair(to_b, m));
    }
    out.count = 0;
}

void SimNet::step() {
    uint64_t tick = a_.e().config().tick_us;
    now_ += tick;
    a_.set_now(now_);
    b_.set_now(now_);
    while (!queue_.empty() && queue_.begin()->first <= now_) {
        auto [to_b, m] = queue_.begin()->second;
        queue_.erase(queue_.begin());
        EngineBox& dst = to_b ? b_ : a_;
        dst.e().input(m, now_, dst.batch());
        collect(dst, !to_b);
    }
    a_.e().poll(now_, a_.batch());
    collect(a_, true);
    b_.e().poll(now_, b_.batch());
    collect(b_, false);
}

// ---- PuntHub ----

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
    std::vector<uint8_t> v(n);
    std::mt19937 r(seed);
    for (auto& b : v)
        b = static_cast<uint8_t>(r());
    return v;
}

PuntApp& PuntHub::add(ConnHandle h) {
    PuntApp& a = apps_[h.pack()];
    a.h = h;
    return a;
}

PuntApp* PuntHub::find(ConnHandle h) {
    auto it = apps_.find(h.pack());
    return it == apps_.end() ? nullptr : &it->second;
}

size_t PuntHub::closed_count() const {
    size_t n = 0;
    for (auto& [k, a] : apps_)
        n += a.closed;
    return n;
}

size_t PuntHub::pump() {
    size_t total = 0;
    if (!paused) {
        PuntEvent ev[64];
        size_t n;
        while ((n = e_->punt_poll(ev, 64)) > 0) {
            total += n;
            for (size_t i = 0; i < n; ++i) {
                PuntApp* a = find(ev[i].conn);
                if (!a) {
                    PuntApp& na = apps_[ev[i].conn.pack()];
                    na = accept_template;
                    na.h = ev[i].conn;
                    a = &na;
                }
                switch (ev[i].kind) {
                case PuntEvent::Kind::Opened:
                    a->opened = true;
                    break;
                case PuntEvent::Kind::Data: {
                    rte_mbuf* m = ev[i].data;
                    size_t at = a->received.size();
                    a->received.resize(at + m->pkt_len);
                    const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, a->received.data() + at);
                    if (p != a->received.data() + at)
                        memcpy(a->received.data() + at, p, m->pkt_len);
                    rte_pktmbuf_free(m);
                    break;
                }
                case PuntEvent::Kind::Writable:
                    break; // the loop below sends what fits
                case PuntEvent::Kind::PeerClosed:
                    a->peer_closed = true;
                    break;
                case PuntEvent::Kind::Closed:
                    a->closed = true;
                    a->reason = ev[i].reason;
                    break;
                }
            }
        }
    }
    for (auto& [k, a] : apps_) {
        if (a.closed || !e_->valid(a.h)) continue;
        if (a.sent < a.to_send.size()) {
            a.sent += e_->send_copy(a.h, std::span<const uint8_t>(a.to_send).subspan(a.sent));
        }
        bool done = a.sent == a.to_send.size();
        if (!a.close_called &&
            ((a.close_when_done && done) || (a.close_on_peer_close && a.peer_closed && done))) {
            a.close_called = true;
            e_->close(a.h);
        }
    }
    return total;
}

} // namespace vp::tcp::test
