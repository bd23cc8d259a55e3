// vpnperf: the OpenVPN data-channel load generator (perf/README.md, section "vpnperf").
//
//   vpnperf gen-sessions ...   write a session file (random keys)
//   vpnperf run ...            send pre-encrypted traffic at the appliance, report pps/bps, loss,
//                              latency (DPDK application)
//   vpnperf pcap ...           write the decap traffic as a pcap + a pktgen-dpdk Lua script
//
// `vpnperf` with no arguments prints the usage.
#include "base/pci.hpp"
#include "perf/vpnperf/gen_sessions.hpp"
#include "perf/vpnperf/options.hpp"
#include "perf/vpnperf/pcap_export.hpp"
#include "perf/vpnperf/runner.hpp"

#include <rte_eal.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace vp::perf;

std::atomic<bool> g_interrupted{false};

void on_signal(int) {
    g_interrupted.store(true);
}

int fail(const std::string& message) {
    std::fprintf(stderr, "vpnperf: %s\n", message.c_str());
    return 1;
}

int usage_error(const std::string& message) {
    std::fprintf(stderr, "vpnperf: %s\n%s", message.c_str(), usage().c_str());
    return 2;
}

int gen_sessions(const std::vector<std::string>& args) {
    auto o = parse_gen_sessions_options(args);
    if (!o.ok()) return usage_error("gen-sessions: " + o.message());
    if (o->auth && vp::crypto::is_aead(o->cipher) && *o->auth != vp::crypto::Digest::None)
        std::fprintf(stderr, "vpnperf: --auth is ignored with %s (AEAD): auth \"none\"\n",
                     std::string(vp::crypto::openvpn_name(o->cipher)).c_str());
    auto file = generate_sessions(*o);
    if (!file.ok()) return fail("gen-sessions: " + file.message());
    if (auto st = vp::perf::write_session_file(o->out, *file); !st.ok()) return fail(st.message());
    std::printf("wrote %zu sessions (%s) to %s\n", file->sessions.size(),
                std::string(vp::crypto::openvpn_name(file->cipher)).c_str(), o->out.c_str());
    return 0;
}

int pcap(const std::vector<std::string>& args) {
    auto o = parse_pcap_options(args);
    if (!o.ok()) return usage_error("pcap: " + o.message());
    auto file = load_session_file(o->sessions);
    if (!file.ok()) return fail(file.message());
    auto model = TrafficModel::create(std::move(*file), o->lan_host);
    if (!model.ok()) return fail(model.message());
    auto engine = vp::crypto::CryptoEngine::create();
    if (!engine.ok()) return fail(engine.message());
    auto summary =
        write_decap_pcap(*model, o->size, o->count, {o->src_mac, o->dst_mac}, o->out, **engine);
    if (!summary.ok()) return fail(summary.message());
    std::printf("wrote %zu packets (%llu bytes of frames) to %s\n", summary->packets,
                static_cast<unsigned long long>(summary->frame_bytes), o->out.c_str());
    if (!o->lua.empty()) {
        std::ofstream lua(o->lua, std::ios::trunc);
        lua << pktgen_lua_script(*o, *model, *summary);
        lua.flush();
        if (!lua) return fail(o->lua + ": write error");
        std::printf("wrote the pktgen-dpdk script %s\n", o->lua.c_str());
    }
    return 0;
}

std::vector<std::string> eal_arguments(const char* argv0, const RunOptions& o) {
    std::vector<std::string> a = {argv0};
    if (!o.eal.lcores.empty()) a.insert(a.end(), {"--lcores", o.eal.lcores});
    if (o.eal.no_huge) a.emplace_back("--no-huge");
    unsigned memory = o.eal.memory_mb != 0 ? o.eal.memory_mb : (o.eal.no_huge ? 512 : 0);
    if (memory != 0) a.insert(a.end(), {"-m", std::to_string(memory)});
    a.insert(a.end(), {"--file-prefix", o.eal.file_prefix});
    // Ports named by devargs are hot-plugged; only PCI ports need the PCI bus scanned.
    if (!vp::is_pci_address(o.wan) && !vp::is_pci_address(o.lan)) a.emplace_back("--no-pci");
    a.emplace_back("--log-level=lib.*:warning");
    a.emplace_back("--no-telemetry");
    a.insert(a.end(), o.eal.extra.begin(), o.eal.extra.end());
    return a;
}

int run(const char* argv0, const std::vector<std::string>& args) {
    auto o = parse_run_options(args);
    if (!o.ok()) return usage_error("run: " + o.message());
    auto file = load_session_file(o->sessions);
    if (!file.ok()) return fail(file.message());
    auto model = TrafficModel::create(std::move(*file), o->lan_host);
    if (!model.ok()) return fail(model.message());

    std::vector<std::string> eal = eal_arguments(argv0, *o);
    std::vector<char*> eal_argv;
    for (auto& s : eal)
        eal_argv.push_back(s.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0)
        return fail("cannot initialise DPDK's EAL (see the messages above)");
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    int rc = 0;
    auto report = run_traffic(*o, *model, &g_interrupted, true);
    if (!report.ok()) {
        rc = fail("run: " + report.message());
    } else {
        std::fputs(to_text(*report).c_str(), stdout);
        if (!o->out.empty()) {
            if (auto st = write_report(o->out, *report); !st.ok())
                rc = fail(st.message());
            else
                std::printf("results written to %s\n", o->out.c_str());
        }
    }
    rte_eal_cleanup();
    return rc;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(usage().c_str(), stderr);
        return 2;
    }
    const std::string command = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    if (command == "gen-sessions") return gen_sessions(args);
    if (command == "run") return run(argv[0], args);
    if (command == "pcap") return pcap(args);
    if (command == "-h" || command == "--help" || command == "help") {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    return usage_error("unknown command '" + command + "'");
}
