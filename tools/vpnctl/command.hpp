// vpnctl's command interface: each command family (stats, sessions, certificate, profiles)
// lives in its own file and is dispatched from main.cpp.
#pragma once

#include <string>
#include <vector>

namespace vp::tools {

struct GlobalOptions {
    std::string config_path = "/etc/vpnplane/vpnplane.cfg"; // -c: the daemon's config file
    std::string socket_path; // -s: telemetry socket (derived if empty)
    std::string store_dir;   // --store: certificate store override
    bool json = false;       // --json: machine-readable output
};

// Statistics and management over the daemon's telemetry socket: info, ports, workers, drops,
// stages, counters, routes, arp, proxy-arp, control, reload, log, port-xstats, raw.
int run_stats_command(const std::string& command, const std::vector<std::string>& args,
                      const GlobalOptions& options);
bool is_stats_command(const std::string& command);

// `vpnctl ovpn profile USER`, `vpnctl ovpn genkey ...`, `vpnctl sstp profile USER`.
int run_profile_command(const std::string& family, const std::vector<std::string>& args,
                        const GlobalOptions& options);

// `vpnctl certificate ...` (pki/): returns the process exit status.
int run_certificate_command(const std::vector<std::string>& args, const GlobalOptions& options);

// `vpnctl metrics [--sessions]`: the Prometheus exposition (tools/vpnctl/metrics_cmd.cpp).
int run_metrics_command(const std::vector<std::string>& args, const GlobalOptions& options);

} // namespace vp::tools
