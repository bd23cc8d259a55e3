// vpnplaned: the appliance daemon. Reads the configuration (-c), initialises DPDK, builds the
// appliance, launches the workers and runs the control loop on the main lcore until SIGTERM or
// SIGINT; SIGHUP (or `vpnctl reload`) re-reads the configuration and applies what can change live.
// `--check` runs every check start-up runs short of opening the DPDK ports, and exits.
#include "base/log.hpp"
#include "control/appliance.hpp"
#include "control/config/appliance_config.hpp"
#include "control/eal_args.hpp"
#include "control/mgmt/metrics.hpp"
#include "control/mgmt/metrics_server.hpp"
#include "control/mgmt/telemetry.hpp"
#include "control/perf/session_file.hpp"
#include "control/privileges.hpp"
#include "control/services.hpp"

#include <rte_eal.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t stop_requested = 0;
volatile std::sig_atomic_t reload_requested = 0;

void on_signal(int sig) {
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

void usage() {
    std::fputs(
        "usage: vpnplaned -c CONFIG [--check]\n"
        "  -c CONFIG   the configuration file (libconfig syntax, see docs/configuration.md)\n"
        "  --check     check the configuration and exit (0: valid)\n",
        stderr);
}

} // namespace

int main(int argc, char** argv) {
    std::string config_path;
    bool check_only = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-c" && i + 1 < argc)
            config_path = argv[++i];
        else if (a == "--check")
            check_only = true;
        else if (a == "-h" || a == "--help") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "vpnplaned: unknown argument '%s'\n", a.c_str());
            usage();
            return 2;
        }
    }
    if (config_path.empty()) {
        usage();
        return 2;
    }
    auto config = vp::config::load_config_file(config_path);
    if (!config.ok()) {
        std::fprintf(stderr, "%s\n", config.message().c_str());
        return 1;
    }
    if (check_only) {
        // What start-up checks before it opens a port (Appliance::create), in the same words.
        auto services = vp::ctl::validate_services(*config);
        if (!services.ok()) {
            std::fprintf(stderr, "%s\n", services.message().c_str());
            return 1;
        }
        if (config->tcp.test_services)
            if (auto st = vp::ctl::tcp_engine_config(*config).validate(); !st.ok()) {
                std::fprintf(stderr, "tcp: %s\n", st.message().c_str());
                return 1;
            }
        // Perf mode: the sessions file, read as start_perf_sessions reads it.
        if (config->perf.enabled)
            if (auto file = vp::perf::load_session_file(config->perf.sessions_file); !file.ok()) {
                std::fprintf(stderr, "perf: %s\n", file.message().c_str());
                return 1;
            }
        std::printf("%s: configuration is valid\n", config_path.c_str());
        return 0;
    }

    auto eal = vp::ctl::eal_arguments(*config, argv[0]);
    std::vector<char*> eal_argv;
    for (auto& a : eal)
        eal_argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        std::fprintf(stderr,
                     "vpnplaned: DPDK initialisation failed (see the EAL messages above)\n");
        return 1;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGHUP, on_signal);

    int status = 0;
    {
        auto appliance = vp::ctl::Appliance::create(*config);
        if (!appliance.ok()) {
            vp::log::error(vp::log::Topic::System, "cannot start: {}", appliance.message());
            rte_eal_cleanup();
            return 1;
        }
        auto& a = **appliance;
        auto reload = [&a, config_path](bool& ok) -> std::string {
            auto next = vp::config::load_config_file(config_path);
            if (!next.ok()) {
                ok = false;
                vp::log::error(vp::log::Topic::System, "reload refused:\n{}", next.message());
                return next.message();
            }
            auto report = a.reload(*next);
            ok = report.ok();
            if (!ok) vp::log::error(vp::log::Topic::System, "reload failed: {}", report.message());
            return ok ? *report : report.message();
        };
        vp::ctl::attach_telemetry(&a, reload);
        // The Prometheus endpoint (mgmt.prometheus_listen), polled by this loop.
        std::unique_ptr<vp::ctl::MetricsServer> metrics;
        bool metrics_failed = false;
        if (config->mgmt.prometheus_address) {
            auto m = vp::ctl::MetricsServer::listen(*config->mgmt.prometheus_address,
                                                    config->mgmt.prometheus_port);
            if (!m.ok()) {
                vp::log::error(vp::log::Topic::System, "cannot start: {}", m.message());
                metrics_failed = true;
            } else {
                metrics = std::move(*m);
                vp::log::info(vp::log::Topic::System, "metrics endpoint on http://{}:{}/metrics",
                              vp::net::to_string(*config->mgmt.prometheus_address),
                              metrics->port());
            }
        }
        auto collect = [&a](bool sessions) {
            std::lock_guard lock(a.mutex());
            return vp::ctl::collect_metrics(a, sessions);
        };
        // The ports are up: from here on the daemon needs only what the drivers use at run time.
        auto keep = vp::ctl::capabilities_to_keep(!config->dpdk.no_huge &&
                                                  rte_eal_iova_mode() == RTE_IOVA_PA);
        if (auto dropped = vp::ctl::drop_capabilities(keep); dropped.ok())
            vp::log::info(vp::log::Topic::System, "capabilities dropped on {} thread(s); kept {}",
                          *dropped, keep.names);
        else
            vp::log::warning(vp::log::Topic::System, "cannot drop capabilities: {}",
                             dropped.message());
        if (metrics_failed) {
            status = 1;
        } else if (auto st = a.start(); !st.ok()) {
            vp::log::error(vp::log::Topic::System, "cannot start workers: {}", st.message());
            status = 1;
        } else {
            vp::log::info(vp::log::Topic::System, "vpnplaned running: {} worker(s), {} port(s)",
                          a.dataplane().worker_count(), a.dataplane().ports().size());
            uint32_t idle_rounds = 0;
            while (!stop_requested) {
                if (reload_requested) {
                    reload_requested = 0;
                    bool ok;
                    reload(ok);
                }
                uint32_t work = a.poll();
                if (metrics) work += metrics->poll(collect, vp::ctl::Appliance::now_ms());
                if (work == 0) {
                    // The control loop sleeps when idle: it must not steal a core from workers
                    // sharing the machine; 200 us is far below every protocol timer and keeps
                    // punt/inject round trips (handshakes, punted streams) short.
                    if (++idle_rounds > 16) {
                        timespec ts{0, 200000};
                        nanosleep(&ts, nullptr);
                    }
                } else {
                    idle_rounds = 0;
                }
            }
            vp::log::info(vp::log::Topic::System, "stopping");
        }
        vp::ctl::attach_telemetry(nullptr, nullptr);
        a.stop();
    }
    rte_eal_cleanup();
    return status;
}
