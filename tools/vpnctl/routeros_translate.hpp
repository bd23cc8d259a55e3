// Translation of a parsed RouterOS export into a vpnplane libconfig configuration: /ip pool,
// /ppp profile, /ppp secret, /interface ovpn-server server, /interface sstp-server server,
// /ip address, /ip route, proxy-ARP of /interface ethernet and /interface bridge, /system
// identity, /certificate names, /ip firewall filter|nat|mangle|connection tracking and
// /interface list (routeros_translate_firewall.cpp), /interface ovpn-client
// (routeros_translate_ovpn_client.cpp) and /interface sstp-client
// (routeros_translate_sstp_client.cpp). Everything else is reported with its line and the reason;
// nothing is dropped silently.
#pragma once

#include "tools/vpnctl/routeros_export.hpp"

#include <string>
#include <utility>
#include <vector>

namespace vp::tools::routeros {

struct ImportOptions {
    // RouterOS interface name -> DPDK device (PCI address or vdev string), from --port.
    std::vector<std::pair<std::string, std::string>> ports;
    std::string source_name; // shown in the output's header comment
};

struct Report {
    size_t line = 0;  // 0: about the export as a whole (e.g. a --port argument)
    std::string text; // "unsupported: ...", "refused: ...", "error: ..."
};

struct ImportResult {
    std::string config;          // the libconfig text
    std::vector<Report> reports; // empty: everything was translated
};

ImportResult translate(const Export& parsed, const ImportOptions& options);

// "line 12: refused: ..." (or just the text for line 0).
std::string format_report(const Report& report);

} // namespace vp::tools::routeros
