// `vpnperf run`'s orchestration (see runner.hpp): resources, ARP resolution, replay pools, lcore
// launch, the timing driver on the main lcore, and the results.
#include "perf/vpnperf/runner.hpp"

#include "perf/vpnperf/arp.hpp"
#include "perf/vpnperf/frame_factory.hpp"
#include "perf/vpnperf/lcore_plan.hpp"
#include "perf/vpnperf/ports.hpp"
#include "perf/vpnperf/traffic_engine.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <algorithm>
#include <cstdio>

namespace vp::perf {

namespace {

std::atomic<unsigned> g_serial{0};
constexpr Mac kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct MempoolFree {
    void operator()(rte_mempool* p) const { rte_mempool_free(p); }
};
using MempoolPtr = std::unique_ptr<rte_mempool, MempoolFree>;

// Everything a run holds, released in a safe order whatever path the run leaves by.
struct RunResources {
    MempoolPtr rx_pool;
    MempoolPtr template_pool;
    PerfPorts ports;
    bool ports_open = false;
    std::vector<rte_ring*> rings;
    std::vector<rte_mbuf*> templates; // our own reference to every template

    ~RunResources() {
        if (!templates.empty())
            rte_pktmbuf_free_bulk(templates.data(), static_cast<unsigned>(templates.size()));
        if (ports_open) close_perf_ports(ports);
        for (rte_ring* r : rings) {
            void* objs[64];
            unsigned n;
            while ((n = rte_ring_dequeue_burst(r, objs, 64, nullptr)) > 0)
                rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
            rte_ring_free(r);
        }
    }
};

struct ArpTarget {
    PortContext* port = nullptr;
    net::Ipv4 sender = 0;
    net::Ipv4 target = 0;
    bool resolved = false;
};

uint64_t seconds_to_tsc(double s, uint64_t hz) {
    return static_cast<uint64_t>(s * static_cast<double>(hz));
}

// Asks for each target's MAC address until all answered, answering requests for our own
// addresses meanwhile. Runs on the main lcore before any worker starts (it owns every queue).
Status resolve_peers(std::vector<ArpTarget>& targets, std::initializer_list<PortContext*> ports,
                     rte_mempool* pool, double timeout_s, const std::atomic<bool>* interrupted,
                     uint64_t& replies_sent) {
    const uint64_t hz = rte_get_tsc_hz();
    const uint64_t deadline = rte_rdtsc() + seconds_to_tsc(timeout_s, hz);
    uint64_t next_request = 0;
    auto pending = [&] {
        return std::any_of(targets.begin(), targets.end(), [](auto& t) { return !t.resolved; });
    };
    while (pending()) {
        const uint64_t now = rte_rdtsc();
        if (interrupted != nullptr && interrupted->load()) return make_error("interrupted");
        if (now > deadline) {
            for (auto& t : targets)
                if (!t.resolved)
                    return make_error(std::string(t.port->role) + ": no ARP reply from " +
                                      net::to_string(t.target) + " within " +
                                      std::to_string(timeout_s) +
                                      " s (is the appliance up with this session file? or give "
                                      "--" +
                                      t.port->role + "-peer-mac)");
        }
        if (now >= next_request) {
            for (auto& t : targets) {
                if (t.resolved) continue;
                rte_mbuf* m = rte_pktmbuf_alloc(pool);
                if (m == nullptr) continue;
                const uint32_t len = write_arp_request(rte_pktmbuf_mtod(m, uint8_t*), t.port->mac,
                                                       t.sender, t.target);
                m->data_len = static_cast<uint16_t>(len);
                m->pkt_len = len;
                if (rte_eth_tx_burst(t.port->port_id, 0, &m, 1) != 1) rte_pktmbuf_free(m);
            }
            next_request = now + hz / 5;
        }
        for (PortContext* p : ports) {
            rte_mbuf* ms[kBurst];
            const uint16_t n = rte_eth_rx_burst(p->port_id, 0, ms, kBurst);
            for (uint16_t i = 0; i < n; ++i) {
                ArpPacket arp;
                uint8_t* frame = rte_pktmbuf_mtod(ms[i], uint8_t*);
                if (parse_arp(frame, rte_pktmbuf_data_len(ms[i]), arp)) {
                    for (auto& t : targets)
                        if (t.port == p && arp.sender_ip == t.target && !t.resolved) {
                            p->peer_mac = arp.sender_mac;
                            t.resolved = true;
                        }
                    if (answer_arp(*p, ms[i])) {
                        drain_replies(*p);
                        ++replies_sent;
                        continue;
                    }
                }
                rte_pktmbuf_free(ms[i]);
            }
        }
        rte_delay_us_sleep(200);
    }
    return {};
}

// Pre-builds `per_session` frames per session for `job` in replay order.
Status build_templates(TxJob& job, const TrafficModel& model, const SizeMix& mix,
                       size_t per_session, rte_mempool* pool, crypto::CryptoEngine& engine,
                       std::vector<rte_mbuf*>& all) {
    const size_t total = model.sessions() * per_session;
    const L2Addresses l2{job.port->mac, job.port->peer_mac};
    constexpr size_t kBatch = crypto::CryptoEngine::kMaxChunk;
    job.templates.reserve(total);
    job.template_inner.reserve(total);
    for (size_t base = 0; base < total; base += kBatch) {
        const size_t n = std::min(kBatch, total - base);
        rte_mbuf* ms[kBatch];
        if (rte_pktmbuf_alloc_bulk(pool, ms, static_cast<unsigned>(n)) != 0)
            return make_error("out of template mbufs");
        all.insert(all.end(), ms, ms + n);
        FrameSpec specs[kBatch];
        uint8_t* frames[kBatch];
        uint32_t lengths[kBatch];
        for (size_t i = 0; i < n; ++i) {
            specs[i] = replay_frame_spec(model, mix, base + i);
            frames[i] = rte_pktmbuf_mtod(ms[i], uint8_t*);
        }
        if (job.direction == TrafficDirection::Decap) {
            build_decap_frames(model, l2, std::span(specs, n), std::span(frames, n),
                               std::span(lengths, n), engine);
        } else {
            for (size_t i = 0; i < n; ++i)
                lengths[i] = build_encap_frame(model, l2, specs[i], frames[i]);
        }
        for (size_t i = 0; i < n; ++i) {
            if (lengths[i] == 0) return make_error("sealing a template packet failed");
            ms[i]->data_len = static_cast<uint16_t>(lengths[i]);
            ms[i]->pkt_len = lengths[i];
            job.templates.push_back(ms[i]);
            job.template_inner.push_back(static_cast<uint16_t>(specs[i].inner_bytes));
        }
    }
    return {};
}

void print_progress(double t, const std::vector<TxJob*>& tx, const std::vector<RxJob*>& rx,
                    std::vector<uint64_t>& last, double interval_s) {
    std::string line = "[" + std::to_string(static_cast<int>(t + 0.5)) + " s]";
    size_t k = 0;
    for (TxJob* j : tx) {
        const RxJob* r = nullptr;
        for (RxJob* x : rx)
            if (x->direction == j->direction) r = x;
        const uint64_t txp = j->counters.packets.get();
        const uint64_t rxp = r ? r->counters.packets.get() : 0;
        char buf[160];
        std::snprintf(buf, sizeof buf, " %s tx %.3f Mpps rx %.3f Mpps",
                      std::string(to_string(j->direction)).c_str(),
                      static_cast<double>(txp - last[k]) / interval_s / 1e6,
                      static_cast<double>(rxp - last[k + 1]) / interval_s / 1e6);
        line += buf;
        last[k] = txp;
        last[k + 1] = rxp;
        k += 2;
    }
    std::fprintf(stderr, "%s\n", line.c_str());
}

} // namespace

Result<RunReport> run_traffic(const RunOptions& o, const TrafficModel& model,
                              const std::atomic<bool>* interrupted, bool progress) {
    const uint64_t hz = rte_get_tsc_hz();
    const std::string tag = std::to_string(getpid()) + "_" + std::to_string(g_serial++);
    RunResources res;

    res.rx_pool.reset(rte_pktmbuf_pool_create(("vpnperf_rx" + tag).c_str(), 16383, 256, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id())));
    if (!res.rx_pool) return make_error("cannot create the receive mbuf pool (more memory: -m)");
    auto ports = open_perf_ports(o.wan, o.lan, res.rx_pool.get());
    if (!ports.ok()) return ports.error();
    res.ports = std::move(*ports);
    res.ports_open = true;
    for (const PerfPort* p : {&res.ports.wan, &res.ports.lan})
        if (auto st = wait_for_link(*p, o.link_timeout_s); !st.ok()) return st.error();

    PortContext wan, lan;
    wan.role = "wan";
    lan.role = "lan";
    wan.port_id = res.ports.wan.port_id;
    lan.port_id = res.ports.lan.port_id;
    wan.mac = res.ports.wan.mac;
    lan.mac = res.ports.lan.mac;
    wan.own_addresses = model.client_addresses();
    lan.own_addresses = {model.lan_host()};
    for (PortContext* p : {&wan, &lan}) {
        p->replies =
            rte_ring_create(("vpnperf_arp_" + std::string(p->role) + tag).c_str(), 1024,
                            static_cast<int>(rte_socket_id()), RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (p->replies == nullptr) return make_error("cannot create the ARP reply rings");
        res.rings.push_back(p->replies);
        p->peer_mac = kBroadcastMac;
    }

    // The appliance's MAC addresses: the other port's in loopback, given, or learned by ARP.
    uint64_t arp_phase_replies = 0;
    if (o.loopback) {
        wan.peer_mac = lan.mac;
        lan.peer_mac = wan.mac;
    } else {
        std::vector<ArpTarget> targets;
        if (o.wan_peer_mac)
            wan.peer_mac = *o.wan_peer_mac;
        else if (sends_decap(o.direction))
            targets.push_back({&wan, model.session(0).client.address, model.file().server.address});
        if (o.lan_peer_mac)
            lan.peer_mac = *o.lan_peer_mac;
        else if (sends_encap(o.direction))
            targets.push_back({&lan, model.lan_host(), o.gateway()});
        if (auto st = resolve_peers(targets, {&wan, &lan}, res.rx_pool.get(), o.arp_timeout_s,
                                    interrupted, arp_phase_replies);
            !st.ok())
            return st.error();
    }

    auto main_engine = crypto::CryptoEngine::create();
    if (!main_engine.ok()) return main_engine.error();
    const crypto::DataKey& key0 = model.c2s(0);
    const uint32_t probe_bytes = choose_probe_bytes(o.size, key0);
    const size_t per_session = templates_per_session(model.sessions(), o.size, o.template_budget);

    // Replay pools.
    std::vector<std::unique_ptr<TxJob>> tx_jobs;
    for (TrafficDirection d : {TrafficDirection::Decap, TrafficDirection::Encap}) {
        if ((d == TrafficDirection::Decap && !sends_decap(o.direction)) ||
            (d == TrafficDirection::Encap && !sends_encap(o.direction)))
            continue;
        auto job = std::make_unique<TxJob>();
        job->direction = d;
        job->port = d == TrafficDirection::Decap ? &wan : &lan;
        job->probe_pool = res.rx_pool.get();
        job->rate_pps = o.rate_pps;
        job->packet_limit = o.count;
        job->probe_every = o.probe_every;
        job->probe_bytes = probe_bytes;
        tx_jobs.push_back(std::move(job));
    }
    const uint32_t room =
        std::max(data_v2_buffer_bytes(key0, o.size.max()), kEthBytes + o.size.max()) +
        RTE_PKTMBUF_HEADROOM;
    const size_t template_count = model.sessions() * per_session * tx_jobs.size();
    res.template_pool.reset(rte_pktmbuf_pool_create(
        ("vpnperf_tpl" + tag).c_str(), static_cast<unsigned>(template_count + 64), 0, 0,
        static_cast<uint16_t>((room + 63) / 64 * 64), static_cast<int>(rte_socket_id())));
    if (!res.template_pool)
        return make_error("cannot create the template pool for " + std::to_string(template_count) +
                          " packets (more memory with -m, or fewer with --packets)");
    for (auto& job : tx_jobs)
        if (auto st = build_templates(*job, model, o.size, per_session, res.template_pool.get(),
                                      **main_engine, res.templates);
            !st.ok())
            return st.error();

    // Receive jobs: one per port, counting only the directions that are sent.
    auto make_rx = [&](PortContext& port, TrafficDirection d, RxKind kind) {
        auto job = std::make_unique<RxJob>();
        job->kind = kind;
        job->direction = d;
        job->port = &port;
        job->counting =
            d == TrafficDirection::Decap ? sends_decap(o.direction) : sends_encap(o.direction);
        job->probe_bytes = probe_bytes;
        job->probe_packet_bytes = data_v2_bytes(key0, probe_bytes);
        job->sizes = InnerSizeTable(key0, o.size, probe_bytes);
        job->verify_every = o.verify_every;
        job->scratch.resize(size_t{kBurst} * 2048);
        return job;
    };
    std::vector<std::unique_ptr<RxJob>> rx_jobs;
    rx_jobs.push_back(make_rx(lan, TrafficDirection::Decap,
                              o.loopback ? RxKind::DecapSealed : RxKind::DecapPlain));
    rx_jobs.push_back(make_rx(wan, TrafficDirection::Encap,
                              o.loopback ? RxKind::EncapPlain : RxKind::EncapSealed));

    // Lcores.
    std::vector<unsigned> workers;
    unsigned lcore_id;
    RTE_LCORE_FOREACH_WORKER(lcore_id) {
        workers.push_back(lcore_id);
    }
    const LcorePlan plan = plan_lcores(workers.size(), tx_jobs.size(), rx_jobs.size());
    std::vector<LcoreWork> works(plan.tx.size());
    for (size_t slot = 0; slot < works.size(); ++slot) {
        for (size_t i : plan.tx[slot])
            works[slot].tx.push_back(tx_jobs[i].get());
        for (size_t i : plan.rx[slot])
            works[slot].rx.push_back(rx_jobs[i].get());
        auto engine = crypto::CryptoEngine::create();
        if (!engine.ok()) return engine.error();
        works[slot].engine = std::move(*engine);
    }
    for (PortContext* p : {&wan, &lan}) {
        // The port's transmitting lcore: its transmit job's, else its receive job's.
        size_t owner = works.size();
        for (size_t s = 0; s < works.size() && owner == works.size(); ++s)
            for (TxJob* j : works[s].tx)
                if (j->port == p) owner = s;
        for (size_t s = 0; s < works.size() && owner == works.size(); ++s)
            for (RxJob* j : works[s].rx)
                if (j->port == p) owner = s;
        works[owner].drains.push_back(p);
    }

    EngineShared shared{&model, hz, 1e9 / static_cast<double>(hz)};
    RunControl control;
    std::vector<LcoreArgs> args(works.size());
    std::vector<unsigned> launched;
    LcoreWork* main_work = nullptr;
    if (workers.empty()) {
        main_work = &works[0];
    } else {
        for (size_t s = 0; s < works.size(); ++s) {
            args[s] = {&works[s], &shared, &control};
            if (rte_eal_remote_launch(lcore_main, &args[s], workers[s]) != 0) {
                control.phase.store(kStopped, std::memory_order_release);
                for (unsigned l : launched)
                    rte_eal_wait_lcore(l);
                return make_error("cannot launch lcore " + std::to_string(workers[s]));
            }
            launched.push_back(workers[s]);
        }
    }

    // The driver: start, time the sending phase, drain until the receivers go quiet.
    std::vector<TxJob*> all_tx;
    std::vector<RxJob*> all_rx;
    for (auto& j : tx_jobs)
        all_tx.push_back(j.get());
    for (auto& j : rx_jobs)
        all_rx.push_back(j.get());
    auto received = [&] {
        uint64_t sum = 0;
        for (RxJob* r : all_rx)
            sum += r->counters.packets.get() + r->counters.unmatched.get();
        return sum;
    };
    control.start_tsc = rte_rdtsc();
    for (TxJob* tx : all_tx)
        tx->start_tsc = control.start_tsc;
    control.phase.store(kRunning, std::memory_order_release);
    const uint64_t start = control.start_tsc;
    const uint64_t tx_end = start + seconds_to_tsc(o.duration_s, hz);
    uint64_t tx_stop = 0, last_rx = 0, last_change = 0, next_print = start + hz;
    std::vector<uint64_t> last(all_tx.size() * 2, 0);
    int phase = kRunning;
    while (phase != kStopped) {
        if (main_work != nullptr)
            lcore_iteration(*main_work, shared, phase);
        else
            rte_delay_us_sleep(1000);
        const uint64_t now = rte_rdtsc();
        if (phase == kRunning) {
            const bool all_sent =
                o.count != 0 && std::all_of(all_tx.begin(), all_tx.end(), [](TxJob* t) {
                    return t->finished.load(std::memory_order_acquire);
                });
            if (all_sent || now >= tx_end || (interrupted != nullptr && interrupted->load())) {
                phase = kDraining;
                control.phase.store(phase, std::memory_order_release);
                tx_stop = now;
                last_rx = received();
                last_change = now;
            } else if (progress && now >= next_print) {
                print_progress(static_cast<double>(now - start) / static_cast<double>(hz), all_tx,
                               all_rx, last, 1.0);
                next_print += hz;
            }
        } else {
            const uint64_t rx = received();
            if (rx != last_rx) {
                last_rx = rx;
                last_change = now;
            }
            if (now - last_change > hz / 10 || now - tx_stop > 2 * hz) {
                phase = kStopped;
                control.phase.store(phase, std::memory_order_release);
            }
        }
    }
    for (unsigned l : launched)
        rte_eal_wait_lcore(l);

    // Results.
    RunReport report;
    report.info.cipher = std::string(crypto::openvpn_name(model.file().cipher));
    report.info.auth = std::string(crypto::openvpn_name(model.file().auth));
    report.info.sessions = model.sessions();
    report.info.size = o.size.name();
    report.info.probe_bytes = probe_bytes;
    report.info.rate = o.rate_pps == 0 ? "max" : std::to_string(o.rate_pps);
    report.info.duration_s = o.duration_s;
    report.info.wan = o.wan;
    report.info.lan = o.lan;
    report.info.loopback = o.loopback;
    report.info.worker_lcores = static_cast<unsigned>(launched.size());
    report.info.port_other_packets = wan.other.get() + lan.other.get();
    report.info.arp_replies = arp_phase_replies + wan.arp_replies.get() + lan.arp_replies.get();
    const double seconds = static_cast<double>(tx_stop - start) / static_cast<double>(hz);
    for (TxJob* tx : all_tx) {
        RxJob* rx = nullptr;
        for (RxJob* r : all_rx)
            if (r->direction == tx->direction) rx = r;
        if (rx == nullptr) continue; // never: there is a receive job per direction
        DirectionResult d;
        d.direction = tx->direction;
        d.seconds = seconds;
        d.tx_packets = tx->counters.packets.get();
        d.tx_frame_bytes = tx->counters.frame_bytes.get();
        d.tx_inner_bytes = tx->counters.inner_bytes.get();
        d.tx_rejected = tx->counters.rejected.get();
        d.probes_sent = tx->counters.probes.get();
        d.rx_packets = rx->counters.packets.get();
        d.rx_frame_bytes = rx->counters.frame_bytes.get();
        d.rx_inner_bytes = rx->counters.inner_bytes.get();
        d.rx_unmatched = rx->counters.unmatched.get();
        d.probes_received = rx->counters.probes.get();
        d.verified = rx->counters.verified.get();
        d.verify_failed = rx->counters.verify_failed.get();
        d.latency = rx->latency;
        if (tx->counters.build_failed.get() != 0)
            std::fprintf(stderr, "vpnperf: %s: %llu probes could not be built\n",
                         std::string(to_string(tx->direction)).c_str(),
                         static_cast<unsigned long long>(tx->counters.build_failed.get()));
        report.directions.push_back(std::move(d));
    }
    return report;
}

} // namespace vp::perf
