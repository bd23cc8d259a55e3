// vpnperf's command lines (gen-sessions, run, pcap): parsed into plain structs with errors an
// operator can act on. No DPDK here; `run` collects the EAL options it passes on.
#pragma once

#include "base/ipv4.hpp"
#include "base/result.hpp"
#include "control/perf/session_file.hpp"
#include "perf/vpnperf/traffic_model.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vp::perf {

struct GenSessionsOptions {
    size_t count = 0;
    crypto::Cipher cipher = crypto::Cipher::Aes256Gcm;
    std::optional<crypto::Digest> auth; // default: none for AEAD, SHA256 otherwise
    UdpEndpoint server;
    net::Ipv4Prefix client_net;
    net::Ipv4Prefix tunnel_net;
    uint16_t client_port = 40000; // first client UDP port; more when addresses run out
    uint32_t first_peer_id = 1;
    uint8_t key_id = 0;
    bool replay_protection = false;
    std::string out;
};

struct EalOptions {
    std::string lcores;   // --lcores (EAL's default when empty: every core)
    bool no_huge = false; // --no-huge
    std::string file_prefix = "vpnperf";
    unsigned memory_mb = 0;         // -m; 512 by default with --no-huge
    std::vector<std::string> extra; // everything after "--"
};

struct RunOptions {
    std::string sessions;
    std::string wan; // DPDK devargs, a PCI address, or "wire" (see vpnperf.cpp's usage)
    std::string lan;
    TrafficDirection direction = TrafficDirection::Decap;
    SizeMix size = SizeMix::fixed(64);
    uint64_t rate_pps = 0; // per direction; 0 = as fast as possible
    double duration_s = 10;
    uint64_t count = 0;                   // packets per direction, then stop (0: --duration only)
    net::Ipv4 lan_host = 0x0a020002;      // 10.2.0.2
    std::optional<net::Ipv4> lan_gateway; // default: the LAN host's address with last octet 1
    std::optional<Mac> wan_peer_mac;      // skip ARP for the appliance's WAN port
    std::optional<Mac> lan_peer_mac;
    bool loopback = false;
    uint32_t probe_every = 1000;   // one latency probe per this many packets (0: none)
    uint32_t verify_every = 1024;  // open one received encrypted packet per this many
    size_t template_budget = 8192; // pre-built packets per direction, in all
    double link_timeout_s = 10;
    double arp_timeout_s = 5;
    std::string out; // results file (.json or .csv)
    EalOptions eal;

    net::Ipv4 gateway() const { return lan_gateway ? *lan_gateway : (lan_host & ~0xffu) | 1; }
};

struct PcapOptions {
    std::string sessions;
    SizeMix size = SizeMix::fixed(64);
    size_t count = 0;
    std::string out;
    std::string lua;
    Mac src_mac = {0x02, 0, 0, 0, 0, 0x02};
    Mac dst_mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    net::Ipv4 lan_host = 0x0a020002;
    double rate_percent = 100;
    double duration_s = 10;
};

Result<GenSessionsOptions> parse_gen_sessions_options(std::span<const std::string> args);
Result<RunOptions> parse_run_options(std::span<const std::string> args);
Result<PcapOptions> parse_pcap_options(std::span<const std::string> args);
std::string usage();

std::optional<Mac> parse_mac(std::string_view text);
std::string to_string(const Mac& mac);
// "10.1.0.1:1194".
std::optional<UdpEndpoint> parse_endpoint(std::string_view text);
// Packets per second: "max" (0), "250000", "250k", "1.5M", "2G".
std::optional<uint64_t> parse_rate(std::string_view text);

} // namespace vp::perf
