// Forwarding baseline: how many packets per second one worker forwards between two ports.
//
// The real appliance (configuration loader, Dataplane, Worker) runs with two ports:
//   wan0 = net_pcap replaying a pcap of UDP packets from memory forever (infinite_rx=1),
//   lan0 = net_null that discards what is sent to it (no-rx=1),
// so the measured loop is RX burst -> classify -> IPv4 checks -> bulk LPM -> TTL/checksum ->
// neighbour lookup -> Ethernet rewrite -> TX burst, with no kernel in the way. The worker runs on
// its own lcore for --seconds; the result is the worker's forwarded count over its busy TSC
// cycles, i.e. what one core sustains, written as JSON.
//
//   sudo build/perf/forward/forward_bench [--seconds 5] [--size 64] [--out result.json]
//
// Sizes are Ethernet frame sizes without FCS (64 = minimum frame).
#include "control/appliance.hpp"
#include "control/config/appliance_config.hpp"
#include "dataplane/worker/worker.hpp"

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
    double seconds = 5;
    unsigned size = 64;
    std::string out;
};

// Writes `count` UDP frames 10.1.0.2 -> 10.2.0.2 (varying source ports) of `size` bytes.
bool write_pcap(const std::string& path, unsigned size, unsigned count) {
    pcap_t* p = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t* d = pcap_dump_open(p, path.c_str());
    if (!d) return false;
    std::vector<uint8_t> f(size, 0);
    const uint8_t dst[6] = {2, 0, 0, 0, 1, 1}, src[6] = {2, 0, 0, 0, 1, 2};
    for (unsigned i = 0; i < count; ++i) {
        std::memcpy(f.data(), dst, 6);
        std::memcpy(f.data() + 6, src, 6);
        f[12] = 0x08;
        f[13] = 0x00;
        uint8_t* ip = f.data() + 14;
        unsigned ip_len = size - 14;
        ip[0] = 0x45;
        ip[2] = static_cast<uint8_t>(ip_len >> 8);
        ip[3] = static_cast<uint8_t>(ip_len);
        ip[8] = 64;
        ip[9] = 17;
        const uint8_t s[4] = {10, 1, 0, 2}, t[4] = {10, 2, 0, 2};
        std::memcpy(ip + 12, s, 4);
        std::memcpy(ip + 16, t, 4);
        ip[10] = ip[11] = 0;
        uint32_t sum = 0;
        for (int k = 0; k < 20; k += 2)
            sum += static_cast<uint32_t>(ip[k] << 8 | ip[k + 1]);
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        ip[10] = static_cast<uint8_t>(~sum >> 8);
        ip[11] = static_cast<uint8_t>(~sum);
        uint8_t* udp = ip + 20;
        udp[0] = static_cast<uint8_t>((1024 + i) >> 8);
        udp[1] = static_cast<uint8_t>(1024 + i);
        udp[3] = 9;
        udp[4] = static_cast<uint8_t>((ip_len - 20) >> 8);
        udp[5] = static_cast<uint8_t>(ip_len - 20);
        pcap_pkthdr h{};
        h.caplen = h.len = size;
        pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
    }
    pcap_dump_close(d);
    pcap_close(p);
    return true;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--seconds" && i + 1 < argc)
            o.seconds = std::stod(argv[++i]);
        else if (a == "--size" && i + 1 < argc)
            o.size = static_cast<unsigned>(std::stoul(argv[++i]));
        else if (a == "--out" && i + 1 < argc)
            o.out = argv[++i];
        else {
            std::fprintf(stderr,
                         "usage: forward_bench [--seconds S] [--size BYTES] [--out FILE]\n");
            return 2;
        }
    }
    if (o.size < 60 || o.size > 1514) {
        std::fprintf(stderr, "forward_bench: --size must be 60..1514\n");
        return 2;
    }
    std::string pcap = "/tmp/vpnplane-forward-bench-" + std::to_string(getpid()) + ".pcap";
    if (!write_pcap(pcap, o.size, 256)) return 1;

    std::string config_text = R"(
dpdk = { lcores = "0-1"; no_huge = true; memory_mb = 512; file_prefix = "vpfwdbench"; log_level = "warning"; };
system = { logging = { level = "warning"; }; };
interfaces = (
  { name = "wan0"; device = "net_pcap0,rx_pcap=@PCAP@,infinite_rx=1"; role = "wan";
    address = "10.1.0.1/24"; mac_address = "02:00:00:00:01:01"; },
  { name = "lan0"; device = "net_null0,no-rx=1"; role = "lan"; address = "10.2.0.1/24"; }
);
ip = { arp = ( { address = "10.2.0.2"; mac_address = "02:00:00:00:02:02"; interface = "lan0"; } ); };
)";
    config_text.replace(config_text.find("@PCAP@"), 6, pcap);
    auto config = vp::config::load_config_text(config_text);
    if (!config.ok()) {
        std::fprintf(stderr, "%s\n", config.message().c_str());
        return 1;
    }
    std::vector<std::string> eal = {argv[0],      "-l",          "0-1",           "--no-huge",
                                    "-m",         "512",         "--no-pci",      "--file-prefix",
                                    "vpfwdbench", "--log-level", "lib.*:warning", "--no-telemetry"};
    std::vector<char*> eal_argv;
    for (auto& a : eal)
        eal_argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) return 1;
    int rc = 0;
    {
        auto appliance = vp::ctl::Appliance::create(*config);
        if (!appliance.ok()) {
            std::fprintf(stderr, "%s\n", appliance.message().c_str());
            return 1;
        }
        auto& dp = (*appliance)->dataplane();
        if (auto st = (*appliance)->start(); !st.ok()) {
            std::fprintf(stderr, "%s\n", st.message().c_str());
            return 1;
        }
        auto& w = dp.worker(0);
        auto snapshot = [&] {
            return std::pair{w.stats()[vp::dp::WorkerCounter::forwarded].get(),
                             w.stats()[vp::dp::WorkerCounter::busy_cycles].get() +
                                 w.stats()[vp::dp::WorkerCounter::idle_cycles].get()};
        };
        std::this_thread::sleep_for(std::chrono::milliseconds(500)); // warm up
        auto [p0, c0] = snapshot();
        auto t0 = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
        auto [p1, c1] = snapshot();
        double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        (*appliance)->stop();
        uint64_t packets = p1 - p0, cycles = c1 - c0;
        double hz = static_cast<double>(rte_get_tsc_hz());
        double mpps = packets / wall / 1e6;
        double gbps = mpps * o.size * 8 / 1e3;
        double cycles_per_packet = packets ? static_cast<double>(cycles) / packets : 0;
        uint64_t drops = 0;
        for (auto& d : w.stats().drops)
            drops += d.get();
        char json[512];
        std::snprintf(json, sizeof json,
                      "{\"benchmark\": \"forward\", \"frame_bytes\": %u, \"seconds\": %.2f, "
                      "\"packets\": %llu, \"mpps\": %.3f, \"gbps\": %.3f, "
                      "\"cycles_per_packet\": %.1f, \"tsc_ghz\": %.3f, \"drops\": %llu}\n",
                      o.size, wall, static_cast<unsigned long long>(packets), mpps, gbps,
                      cycles_per_packet, hz / 1e9, static_cast<unsigned long long>(drops));
        std::fputs(json, stdout);
        if (!o.out.empty()) {
            if (FILE* f = std::fopen(o.out.c_str(), "w")) {
                std::fputs(json, f);
                std::fclose(f);
            }
        }
        if (packets == 0) rc = 1;
    }
    std::remove(pcap.c_str());
    rte_eal_cleanup();
    return rc;
}
