// bench_dataplane: the team's tracked figure — the worker path's throughput as a ratio of raw
// ipsec-mb throughput for the same cipher, size and core, measured in the same run.
//
//   build/perf/bench_dataplane [--benchmark_filter=REGEX] [--ratio_out=ratios.csv]
//                              [google benchmark flags, e.g. --benchmark_out=all.json]
//
// Runs raw/... and engine/... (perf/crypto/crypto_bench.cpp) and worker/... (perf/worker/
// worker_bench.cpp), then prints, for every suite and size that has both, worker decap ÷ raw
// open and worker encap ÷ raw seal (packets per second each, thread CPU time). A filter such as
// --benchmark_filter='(raw|worker)/AES-256-GCM/.*/(64|1400)/' keeps a run short.
// firewall/forward/rules:N (perf/worker/firewall_bench.cpp) forwards 64-byte frames with N filter
// rules and with none in the same run and reports the ratio (--benchmark_filter=firewall).
#include <benchmark/benchmark.h>
#include <rte_eal.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

void register_crypto_benchmarks();
void register_worker_benchmarks();
void register_firewall_benchmarks();
void register_sstp_benchmarks();     // perf/worker/sstp_bench.cpp
void register_ovpn_tcp_benchmarks(); // perf/worker/ovpn_tcp_bench.cpp
std::string crypto_bench_arch();

namespace {

// Worker benchmark name prefixes and the "source" column of the ratio table.
constexpr std::pair<const char*, const char*> kWorkerSources[] = {
    {"worker/", "ring"},       {"worker_pcap/", "pcap"}, {"sstp_tls12/", "sstp12"},
    {"sstp_tls13/", "sstp13"}, {"ovpn_tcp/", "tcp"},     {"ovpn_tcp_mss/", "tcpmss"},
};

// Remembers items/s of every run, prints the ratios at the end.
class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& r : runs) {
            if (r.error_occurred) continue;
            // With --benchmark_repetitions, the median of the repetitions wins over any single one.
            bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (!median && (r.run_type != Run::RT_Iteration || medians_.count(r.run_name.str())))
                continue;
            auto it = r.counters.find("items_per_second");
            if (it == r.counters.end()) continue;
            rates_[r.run_name.str()] = it->second.value;
            if (median) medians_.insert(r.run_name.str());
        }
    }

    void print(const std::string& csv_path) const {
        std::FILE* csv = csv_path.empty() ? nullptr : std::fopen(csv_path.c_str(), "w");
        if (csv) std::fprintf(csv, "suite,direction,size,source,worker_pps,raw_pps,ratio\n");
        std::printf("\n%-28s %-6s %-5s %-6s %12s %12s %7s\n", "suite", "path", "size", "source",
                    "worker Mpps", "raw Mpps", "ratio");
        for (auto& [name, rate] : rates_) {
            // worker[_pcap]/<suite>/<decap|encap>/<size>/manual_time (and the SSTP data path,
            // sstp_tls1x/<suite>/..., perf/worker/sstp_bench.cpp)
            //   -> raw/<suite>/<open|seal>/<size>/...
            const char* source = nullptr;
            std::string rest;
            for (auto [prefix, src] : kWorkerSources)
                if (name.rfind(prefix, 0) == 0) {
                    source = src;
                    rest = name.substr(std::strlen(prefix));
                    break;
                }
            if (!source) continue;
            bool decap = rest.find("/decap/") != std::string::npos;
            std::string raw = "raw/" + rest;
            raw.replace(raw.find(decap ? "/decap/" : "/encap/"), 7, decap ? "/open/" : "/seal/");
            auto r = rates_.find(raw);
            if (r == rates_.end() || r->second <= 0) continue;
            std::string suite = rest.substr(0, rest.find('/'));
            std::string size = rest.substr(rest.find(decap ? "/decap/" : "/encap/") + 7);
            size = size.substr(0, size.find('/'));
            double ratio = rate / r->second;
            std::printf("%-28s %-6s %-5s %-6s %12.3f %12.3f %7.3f\n", suite.c_str(),
                        decap ? "decap" : "encap", size.c_str(), source, rate / 1e6,
                        r->second / 1e6, ratio);
            if (csv)
                std::fprintf(csv, "%s,%s,%s,%s,%.0f,%.0f,%.4f\n", suite.c_str(),
                             decap ? "decap" : "encap", size.c_str(), source, rate, r->second,
                             ratio);
        }
        if (csv) std::fclose(csv);
    }

private:
    std::map<std::string, double> rates_;
    std::set<std::string> medians_;
};

} // namespace

int main(int argc, char** argv) {
    std::string ratio_out;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strncmp(argv[i], "--ratio_out=", 12) == 0)
            ratio_out = argv[i] + 12;
        else
            args.push_back(argv[i]);
    }
    int n = static_cast<int>(args.size());
    // The worker benchmarks need the EAL (mempools, vdevs); no hugepages, no PCI.
    std::string prefix = "vpbench" + std::to_string(getpid());
    std::vector<std::string> eal = {
        "bench",       "--no-huge",     "-m",   "1024",           "--no-pci",    "-l",
        "0",           "--file-prefix", prefix, "--no-telemetry", "--log-level", "lib.*:error",
        "--log-level", "pmd.*:error"};
    std::vector<char*> eal_argv;
    for (auto& a : eal)
        eal_argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        std::fprintf(stderr, "bench_dataplane: EAL initialisation failed\n");
        return 1;
    }
    register_crypto_benchmarks();
    register_worker_benchmarks();
    register_firewall_benchmarks();
    register_sstp_benchmarks();
    register_ovpn_tcp_benchmarks();
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    benchmark::AddCustomContext("ipsec_mb_arch", crypto_bench_arch());
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.print(ratio_out);
    benchmark::Shutdown();
    rte_eal_cleanup();
    return 0;
}
