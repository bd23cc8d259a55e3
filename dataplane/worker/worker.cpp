// The worker loop: RX, classification, handoff and inject rings, protocol flushes, RCU
// quiescence, busy/idle accounting.
#include "dataplane/worker/worker.hpp"

#include "dataplane/session/session.hpp"

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include <atomic>
#include <string>

namespace vp::dp {

Worker::Worker(Dataplane& dataplane, WorkerId id) : WorkerContext(dataplane, id) {
    if (const auto& tcp_settings = dataplane.settings().tcp;
        tcp_settings) { // listeners, or active opens only (client links)
        static std::atomic<uint32_t> engines{0};
        std::string name = "vp_tcp" + std::to_string(engines.fetch_add(1));
        auto t = tcp::Engine::create(tcp_settings->engine, dataplane.pool(), SOCKET_ID_ANY,
                                     name.c_str(), rte_rdtsc() * 1000000 / tsc_hz_);
        if (!t.ok()) {
            setup_error_ = "TCP engine: " + t.message();
            return;
        }
        tcp_ = std::move(*t);
        uint8_t secret[16];
        for (auto& b : secret)
            b = static_cast<uint8_t>(rte_rand());
        if (auto st = tcp_->set_syn_cookie_secret(secret); !st.ok()) setup_error_ = st.message();
        for (auto& l : tcp_settings->listeners)
            if (auto st = tcp_->listen({l.port, l.consumer, l.punt, l.port}); !st.ok())
                setup_error_ = "TCP port " + std::to_string(l.port) + ": " + st.message();
    }
    const ProtocolTable& table = protocol_table();
    for (size_t k = 0; k < table.size(); ++k) {
        if (!table[k].create) continue;
        std::string error;
        void* state = table[k].create(*this, error);
        if (!state) {
            setup_error_ = error;
            return;
        }
        protocols_[k] = {&table[k], state};
    }
}

Worker::~Worker() {
    for (auto& p : protocols_)
        if (p.state) p.stage->destroy(p.state);
}

void Worker::run() {
    dp_.rcu().reader_online(id_);
    uint32_t idle_sleep_us = dp_.settings().idle_sleep_us;
    uint32_t empty_polls = 0;
    while (dp_.run_flag().load(std::memory_order_relaxed)) {
        if (poll_once() != 0) {
            empty_polls = 0;
        } else if (idle_sleep_us && ++empty_polls >= 64) {
            // Offline while asleep, so that the control plane's grace periods need not wait.
            dp_.rcu().reader_offline(id_);
            rte_delay_us_sleep(idle_sleep_us);
            dp_.rcu().reader_online(id_);
        }
    }
    flush_tx();
    dp_.rcu().reader_offline(id_);
}

uint32_t Worker::poll_once() {
    uint64_t start = rte_rdtsc();
    now_tsc_ = start;
    timing_ = ++iteration_ % stage_sample_every == 0;
    neighbor_cache_ = {}; // read in this iteration's RCU read-side section only
    policy_ = dp_.policy();
    filter_ = dp_.filter();
    ct_ = dp_.conntrack();
    tracking_ = ct_ && filter_ && filter_->tracking();
    uint32_t work = 0;
    rte_mbuf* pkts[max_burst];
    for (PortId p = 0; p < port_count_; ++p) {
        uint16_t n = rte_eth_rx_burst(port_views_[p].dpdk_id, id_, pkts, burst_);
        if (n == 0) continue;
        work += n;
        process_rx(p, pkts, n);
        filter_flush();         // input-chain verdicts before the protocols' batches go out
        flush_protocol_input(); // one crypto submission per burst
        filter_flush();         // the inner packets that came out of sessions
    }
    work += drain_handoff();
    filter_flush();
    flush_protocol_input();
    filter_flush();
    work += drain_inject();
    if (tcp_) tcp_poll();
    filter_flush(); // nothing held across the quiescent state (held next hops are RCU-protected)
    flush_protocol_output(); // everything routed into sessions during this iteration
    flush_handoff();
    flush_tx();
    dp_.rcu().quiescent(id_);
    uint64_t cycles = rte_rdtsc() - start;
    if (work) {
        count(WorkerCounter::busy_polls);
        count(WorkerCounter::busy_cycles, cycles);
    } else {
        count(WorkerCounter::idle_polls);
        count(WorkerCounter::idle_cycles, cycles);
    }
    return work;
}

void Worker::process_rx(PortId port, rte_mbuf** pkts, uint16_t n) {
    uint64_t t0 = stage_clock();
    rte_mbuf* arp[max_burst];
    rte_mbuf* ipv4[max_burst];
    uint16_t n_arp = 0, n_ipv4 = 0;
    uint64_t bytes = 0;
    const rte_ether_addr& own_mac = port_views_[port].mac;
    for (uint16_t i = 0; i < n; ++i) {
        if (i + 2 < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void*));
        rte_mbuf* m = pkts[i];
        bytes += rte_pktmbuf_pkt_len(m);
        if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0) {
            drop(m, DropReason::mbuf_exhausted);
            continue;
        }
        if (rte_pktmbuf_data_len(m) < sizeof(rte_ether_hdr)) {
            drop(m, DropReason::eth_runt);
            continue;
        }
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        if (rte_is_unicast_ether_addr(&eth->dst_addr) &&
            !rte_is_same_ether_addr(&eth->dst_addr, &own_mac)) {
            drop(m, DropReason::eth_not_for_us);
            continue;
        }
        switch (eth->ether_type) {
        case RTE_BE16(RTE_ETHER_TYPE_IPV4):
            ipv4[n_ipv4++] = m;
            break;
        case RTE_BE16(RTE_ETHER_TYPE_ARP):
            arp[n_arp++] = m;
            break;
        default:
            drop(m, DropReason::eth_unsupported);
            break;
        }
    }
    count(WorkerCounter::rx_packets, n);
    count(WorkerCounter::rx_bytes, bytes);
    stage_done(Stage::rx, n, t0);
    if (n_arp) arp_input(port, arp, n_arp);
    if (n_ipv4) ipv4_input(port, ipv4, n_ipv4);
}

uint32_t Worker::drain_handoff() {
    HandoffEntry entries[max_burst];
    unsigned n = rte_ring_sc_dequeue_burst_elem(dp_.handoff_ring(id_), entries,
                                                sizeof(HandoffEntry), burst_, nullptr);
    if (n == 0) return 0;
    uint64_t t0 = stage_clock();
    for (unsigned i = 0; i < n; ++i) {
        Session* s = dp_.sessions().get(entries[i].session);
        if (!s || s->owner != id_) {
            drop(entries[i].mbuf, DropReason::session_gone);
            continue;
        }
        if (entries[i].kind == HandoffKind::Encap) {
            session_output(*s, entries[i].mbuf);
            continue;
        }
        const ProtocolSlot& proto = protocols_[static_cast<size_t>(s->kind)];
        if (proto.stage && proto.stage->input)
            proto.stage->input(proto.state, *s, entries[i].mbuf);
        else
            drop(entries[i].mbuf, DropReason::session_gone);
    }
    stage_done(Stage::handoff, n, t0);
    return n;
}

uint32_t Worker::drain_inject() {
    InjectEntry entries[max_burst];
    unsigned n = rte_ring_sc_dequeue_burst_elem(dp_.inject_ring(id_), entries, sizeof(InjectEntry),
                                                burst_, nullptr);
    if (n == 0) return 0;
    uint64_t t0 = stage_clock();
    count(WorkerCounter::injected, n);
    for (unsigned i = 0; i < n; ++i) {
        const InjectEntry& e = entries[i];
        switch (e.action) {
        case InjectAction::TxPort:
            if (e.port < port_count_)
                tx(e.port, e.mbuf);
            else
                drop(e.mbuf, DropReason::inject_invalid);
            break;
        case InjectAction::Route:
            if (rte_pktmbuf_data_len(e.mbuf) < sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr))
                drop(e.mbuf, DropReason::inject_invalid);
            else
                route_originated(e.mbuf);
            break;
        case InjectAction::SessionPing:
            session_keepalive(e.payload.session);
            break;
        case InjectAction::SessionInput:
            if (rte_pktmbuf_data_len(e.mbuf) < sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr))
                drop(e.mbuf, DropReason::inject_invalid);
            else
                session_injected(e.payload.session, e.mbuf);
            break;
        case InjectAction::TcpSend:
        case InjectAction::TcpClose:
        case InjectAction::TcpAbort:
        case InjectAction::TcpCookieSecret:
        case InjectAction::TcpPuntResume:
        case InjectAction::TcpPuntRelease:
        case InjectAction::TcpConnect:
            tcp_inject(e);
            break;
        case InjectAction::SessionControl:
            session_control(e.payload.session, e.mbuf);
            break;
        default:
            if (e.mbuf)
                drop(e.mbuf, DropReason::inject_invalid);
            else
                stats_.drop(DropReason::inject_invalid).inc();
            break;
        }
    }
    stage_done(Stage::inject, n, t0);
    return n;
}

bool Worker::icmp_token() {
    uint32_t rate = policy_->icmp_errors_per_s;
    if (rate == 0) return false;
    double elapsed_s =
        static_cast<double>(now_tsc_ - icmp_refill_tsc_) / static_cast<double>(tsc_hz_);
    icmp_refill_tsc_ = now_tsc_;
    icmp_tokens_ = std::min<double>(rate, icmp_tokens_ + elapsed_s * rate);
    if (icmp_tokens_ < 1.0) return false;
    icmp_tokens_ -= 1.0;
    return true;
}

} // namespace vp::dp
