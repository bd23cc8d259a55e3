// vpnctl: the operator's CLI. Global options, then a command family.
#include "tools/vpnctl/command.hpp"
#include "tools/vpnctl/routeros_import_cmd.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

void usage() {
    std::fputs("usage: vpnctl [-c CONFIG] [-s SOCKET] [--store DIR] [--json] COMMAND ...\n"
               "commands:\n"
               "  info | ports | workers | drops [--all] | stages | counters | control\n"
               "  routes | arp | proxy-arp | port-xstats NAME\n"
               "  sessions                active VPN sessions (RouterOS /ppp active print)\n"
               "  disconnect ID|USER      end a session (or all of a user's)\n"
               "  pools | ovpn            IP pool usage, OpenVPN server counters\n"
               "  interfaces              client links (/interface ovpn-client, sstp-client)\n"
               "  profiles | secrets      PPP profiles, PPP secrets (without passwords)\n"
               "  firewall filter|mangle  rules with counters (/ip firewall filter print stats)\n"
               "  firewall nat|connections  NAT rules, tracked connections\n"
               "  firewall address-list   list entries, D: a session's (address-list print)\n"
               "  reload                  re-read the configuration file and apply it\n"
               "  log TOPIC LEVEL         set a log topic's level (error|warning|info|debug)\n"
               "  raw /vpnplane/CMD[,ARGS] print a telemetry reply as JSON\n"
               "  metrics [--sessions]    Prometheus text exposition (textfile collector)\n"
               "  certificate add|sign|print|export-certificate|import|revoke|crl ...\n"
               "  ovpn profile USER [certificate=NAME] [remote=HOST] [file-name=PATH]\n"
               "  ovpn genkey secret|tls-crypt-v2-server FILE\n"
               "  sstp profile USER certificate=SERVER-CERT [remote=HOST]\n"
               "  import-routeros FILE [--output CFG] [--port NAME=DEVICE]...\n"
               "                          RouterOS /export -> config (exit 3: lines reported)\n"
               "options: -c CONFIG (default /etc/vpnplane/vpnplane.cfg), -s SOCKET, --json\n",
               stderr);
}

} // namespace

int main(int argc, char** argv) {
    vp::tools::GlobalOptions options;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (!args.empty()) {
            args.push_back(a);
        } else if ((a == "-c" || a == "-s" || a == "--store") && i + 1 < argc) {
            std::string v = argv[++i];
            (a == "-c"   ? options.config_path
             : a == "-s" ? options.socket_path
                         : options.store_dir) = v;
        } else if (a == "--json") {
            options.json = true;
        } else if (a == "-h" || a == "--help") {
            usage();
            return 0;
        } else {
            args.push_back(a);
        }
    }
    if (args.empty()) {
        usage();
        return 2;
    }
    std::string family = args.front();
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (family == "import-routeros") return vp::tools::run_import_routeros(rest, options);
    if (family == "metrics") return vp::tools::run_metrics_command(rest, options);
    if (family == "certificate") return vp::tools::run_certificate_command(rest, options);
    if (family == "ovpn" && rest.empty())
        return vp::tools::run_stats_command(family, rest, options);
    if (family == "ovpn" || family == "sstp")
        return vp::tools::run_profile_command(family, rest, options);
    if (vp::tools::is_stats_command(family))
        return vp::tools::run_stats_command(family, rest, options);
    std::fprintf(stderr, "vpnctl: unknown command '%s'\n", family.c_str());
    usage();
    return 2;
}
