// The forward path with the firewall's filter: 64-byte UDP frames from wan0 forwarded to lan0 by
// the real appliance and worker (net_pcap replay -> classify -> IPv4 -> LPM -> filter -> forward
// -> net_null), once with no filter rules and once with N forward-chain rules none of which
// matches (the worst case: every packet walks the whole rule set to the chain's accept), in the
// same benchmark run, reported as packets per thread-CPU second each and their ratio:
//   firewall/forward/rules:N   counters mpps_none, mpps_rules, ratio (= with rules / none)
//   firewall/forward/conntrack, firewall/forward/masquerade   mpps_none, mpps_tracked, ratio:
//   the same traffic with connection tracking on, and masqueraded to lan0's address
#include "base/bytes.hpp"
#include "control/appliance.hpp"
#include "control/config/appliance_config.hpp"
#include "dataplane/firewall/filter.hpp"
#include "dataplane/worker/worker.hpp"

#include <benchmark/benchmark.h>
#include <pcap/pcap.h>
#include <rte_ip.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// 256 UDP frames 10.1.0.2 -> 10.2.0.2 of 64 bytes, source ports varying.
bool write_frames(const std::string& path) {
    pcap_t* pd = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t* d = pcap_dump_open(pd, path.c_str());
    if (!d) return false;
    for (uint16_t i = 0; i < 256; ++i) {
        uint8_t f[64] = {2, 0, 0, 0, 1, 1, 2, 0, 0, 0, 1, 2, 0x08, 0x00};
        uint8_t* p = f + 14;
        p[0] = 0x45;
        vp::store_be16(p + 2, 50);
        p[8] = 64;
        p[9] = 17;
        vp::store_be32(p + 12, 0x0a010002);
        vp::store_be32(p + 16, 0x0a020002);
        reinterpret_cast<rte_ipv4_hdr*>(p)->hdr_checksum =
            rte_ipv4_cksum(reinterpret_cast<rte_ipv4_hdr*>(p));
        vp::store_be16(p + 20, static_cast<uint16_t>(1024 + i));
        vp::store_be16(p + 22, 9);
        vp::store_be16(p + 24, 30);
        pcap_pkthdr h{};
        h.caplen = h.len = sizeof f;
        pcap_dump(reinterpret_cast<u_char*>(d), &h, f);
    }
    pcap_dump_close(d);
    pcap_close(pd);
    return true;
}

// N forward rules that this traffic never matches: TCP and UDP rules for other hosts and ports.
std::string rules(unsigned n) {
    if (n == 0) return "";
    std::string text = "firewall = { filter = (\n";
    for (unsigned i = 0; i < n; ++i) {
        char rule[200];
        std::snprintf(
            rule, sizeof rule,
            "  { chain = \"forward\"; protocol = \"%s\"; dst_address = \"10.%u.%u.0/24\"; "
            "dst_port = \"%u-%u\"; action = \"drop\"; }%s\n",
            i % 2 ? "udp" : "tcp", 3 + i / 256, i % 256, 1000 + i, 1000 + i, i + 1 < n ? "," : "");
        text += rule;
    }
    return text + "); };\n";
}

// Packets forwarded per thread-CPU second with `n` rules; negative on failure.
double forward_rate(const std::string& pcap, unsigned n, std::string& error,
                    const std::string& extra = "") {
    std::string text =
        "dpdk = { lcores = \"0-1\"; no_huge = true; };\n"
        "system = { logging = { level = \"warning\"; }; };\n"
        "interfaces = (\n"
        "  { name = \"wan0\"; device = \"net_pcap0,rx_pcap=" +
        pcap +
        ",infinite_rx=1\"; role = \"wan\"; address = \"10.1.0.1/24\";\n"
        "    mac_address = \"02:00:00:00:01:01\"; },\n"
        "  { name = \"lan0\"; device = \"net_null0,no-rx=1\"; role = \"lan\";\n"
        "    address = \"10.2.0.1/24\"; } );\n"
        "ip = { arp = ( { address = \"10.2.0.2\"; mac_address = \"02:00:00:00:02:02\";\n"
        "                 interface = \"lan0\"; } ); };\n" +
        rules(n) + extra;
    auto config = vp::config::load_config_text(text);
    if (!config.ok()) {
        error = config.message();
        return -1;
    }
    auto appliance = vp::ctl::Appliance::create(*config);
    if (!appliance.ok()) {
        error = appliance.message();
        return -1;
    }
    vp::dp::Worker& worker = (*appliance)->dataplane().worker(0);
    for (int i = 0; i < 256; ++i)
        worker.poll_once();
    const auto& st = worker.stats();
    uint64_t p0 = st[vp::dp::WorkerCounter::forwarded].get();
    double t0 = cpu_seconds();
    while (cpu_seconds() - t0 < 0.5)
        for (int i = 0; i < 64; ++i)
            worker.poll_once();
    double t = cpu_seconds() - t0;
    return static_cast<double>(st[vp::dp::WorkerCounter::forwarded].get() - p0) / t;
}

void bm_firewall(benchmark::State& state, unsigned n) {
    std::string pcap = "/tmp/vpnplane-fw-bench-" + std::to_string(getpid()) + ".pcap";
    if (!write_frames(pcap)) {
        state.SkipWithError("cannot write the traffic");
        return;
    }
    double none = 0, with = 0;
    std::string error;
    for (auto _ : state) {
        none = forward_rate(pcap, 0, error);
        with = none > 0 ? forward_rate(pcap, n, error) : -1;
    }
    std::remove(pcap.c_str());
    if (none <= 0 || with <= 0) {
        state.SkipWithError(error.empty() ? "nothing was forwarded" : error.c_str());
        return;
    }
    state.counters["mpps_none"] = none / 1e6;
    state.counters["mpps_rules"] = with / 1e6;
    state.counters["ratio"] = with / none;
}

// Connection tracking (a never-matching connection_state rule turns it on) and masquerade
// against plain forwarding, in one run: the 256 flows are tracked (and translated) connections
// after their first packet, so this is the established path.
const char* const conntrack_config = "firewall = { filter = ( { chain = \"forward\"; "
                                     "connection_state = \"invalid\"; action = \"drop\"; } ); };\n";
const char* const masquerade_config =
    "firewall = { nat = ( { chain = \"srcnat\"; out_interface = \"lan0\"; "
    "action = \"masquerade\"; } ); };\n";

void bm_conntrack(benchmark::State& state, const char* extra) {
    std::string pcap = "/tmp/vpnplane-ct-bench-" + std::to_string(getpid()) + ".pcap";
    if (!write_frames(pcap)) {
        state.SkipWithError("cannot write the traffic");
        return;
    }
    double none = 0, with = 0;
    std::string error;
    for (auto _ : state) {
        none = forward_rate(pcap, 0, error);
        with = none > 0 ? forward_rate(pcap, 0, error, extra) : -1;
    }
    std::remove(pcap.c_str());
    if (none <= 0 || with <= 0) {
        state.SkipWithError(error.empty() ? "nothing was forwarded" : error.c_str());
        return;
    }
    state.counters["mpps_none"] = none / 1e6;
    state.counters["mpps_tracked"] = with / 1e6;
    state.counters["ratio"] = with / none;
}

// Dynamic address lists (control/address_lists.cpp) recompile the filter set when a session
// joins or leaves a list: the time of one FilterSet::build with `rules` forward rules of which
// `list_rules` name a list of `entries` disjoint addresses (every other address: the worst case,
// nothing merges), the rest one port each.
//   firewall/address_list_rebuild/rules:R/list_rules:L/entries:M   ms per build, acl_entries
void bm_list_rebuild(benchmark::State& state, unsigned rules, unsigned list_rules,
                     unsigned entries) {
    std::vector<vp::dp::fw::Range32> list;
    for (uint32_t i = 0; i < entries; ++i)
        list.push_back({0x0a080000u + 2 * i, 0x0a080000u + 2 * i});
    std::vector<vp::dp::fw::FilterRule> set;
    uint64_t acl = 0;
    for (unsigned i = 0; i < rules; ++i) {
        vp::dp::fw::FilterRule r;
        r.action = vp::dp::fw::Action::drop;
        r.protocol = 17;
        if (i < list_rules)
            r.src_list = list;
        else
            r.dst_ports = {{static_cast<uint16_t>(1000 + i), static_cast<uint16_t>(1000 + i)}};
        acl += vp::dp::fw::acl_entries(r);
        set.push_back(std::move(r));
    }
    std::array<uint16_t, vp::dp::fw::FilterSet::max_ports> ports{};
    for (auto _ : state) {
        auto built = vp::dp::fw::FilterSet::build(set, ports, 1, SOCKET_ID_ANY);
        if (!built.ok()) {
            state.SkipWithError(built.error().message.c_str());
            return;
        }
    }
    state.counters["acl_entries"] = static_cast<double>(acl);
}

} // namespace

void register_firewall_benchmarks() {
    struct Shape {
        unsigned rules, list_rules, entries;
    };
    for (Shape s :
         {Shape{1000, 1, 1000}, Shape{1000, 10, 1000}, Shape{64, 64, 1000}, Shape{1000, 1000, 60}})
        benchmark::RegisterBenchmark(
            ("firewall/address_list_rebuild/rules:" + std::to_string(s.rules) + "/list_rules:" +
             std::to_string(s.list_rules) + "/entries:" + std::to_string(s.entries))
                .c_str(),
            bm_list_rebuild, s.rules, s.list_rules, s.entries)
            ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("firewall/forward/conntrack", bm_conntrack, conntrack_config)
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("firewall/forward/masquerade", bm_conntrack, masquerade_config)
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
    for (unsigned n : {10u, 100u, 1000u})
        benchmark::RegisterBenchmark(("firewall/forward/rules:" + std::to_string(n)).c_str(),
                                     bm_firewall, n)
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
}
