// The appliance's configuration model for the sections the foundation owns — system, dpdk,
// dataplane, interfaces, ip, firewall — and the loader that reads a libconfig file, checks
// every setting (file:line: setting: what is wrong) and hands the protocol sections
// (ip_pools, ppp_profiles, ppp_secrets, ovpn_server, sstp_server, certificates) to their own
// parsers. docs/configuration.md documents every setting.
#pragma once

#include "base/ipv4.hpp"
#include "base/log.hpp"
#include "base/result.hpp"
#include "control/config/firewall_config.hpp"
#include "control/config/reader.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vp::config {

enum class InterfaceRole : uint8_t { Wan, Lan };

struct InterfaceConfig {
    std::string name;
    std::string device;
    InterfaceRole role = InterfaceRole::Lan;
    net::Ipv4Prefix address;
    std::optional<net::Ipv4> gateway;
    uint16_t mtu = 1500;
    bool proxy_arp = false;
    std::optional<std::array<uint8_t, 6>> mac; // override the device's MAC address
    uint16_t rx_descriptors = 1024;
    uint16_t tx_descriptors = 1024;
};

struct StaticRoute {
    net::Ipv4Prefix destination; // host bits cleared
    std::optional<net::Ipv4> gateway;
    // `gateway = "ovpn-to-hq"`: a client link's name (ovpn_clients); the link installs the route
    // while it is up (control/client_service.cpp), the static route table never does.
    std::string gateway_link;
    bool blackhole = false;
    bool operator==(const StaticRoute&) const = default;
};

struct StaticArp {
    net::Ipv4 address = 0;
    std::array<uint8_t, 6> mac{};
    std::string interface;
    bool operator==(const StaticArp&) const = default;
};

struct SystemConfig {
    std::string identity = "vpnplane";
    log::Level log_level = log::Level::Info;
    std::vector<std::pair<log::Topic, log::Level>> topic_levels;
    bool log_stderr = true;
    bool log_syslog = false;
};

struct DpdkConfig {
    std::vector<unsigned> lcores = {0, 1}; // EAL -l
    unsigned main_lcore = 0;
    bool no_huge = false;
    uint32_t memory_mb = 0; // 0: EAL default (all hugepages / 64 MiB without them)
    std::string file_prefix = "vpnplane";
    std::string log_level = "notice";
    std::vector<std::string> extra_args;
};

struct DataplaneConfig {
    std::vector<unsigned> worker_lcores; // default: every lcore except the main one
    uint32_t mbufs = 0;                  // 0: automatic
    uint32_t mbuf_cache = 256;
    uint16_t burst = 32;
    uint32_t punt_ring_size = 4096;
    uint32_t inject_ring_size = 2048;
    uint32_t handoff_ring_size = 4096;
    uint32_t max_routes = 65536;
    uint32_t max_neighbors = 16384;
    uint32_t max_sessions = 65536;
    uint32_t idle_sleep_us = 0; // 0: busy-poll
};

struct IpConfig {
    std::vector<StaticRoute> routes;
    std::vector<StaticArp> arp;
    uint32_t arp_timeout_s = 30;
    uint32_t arp_queue_length = 64; // packets held per unresolved neighbour
    uint32_t icmp_rate_limit = 100; // ICMP errors per second per worker
};

// The per-worker TCP engines (dataplane/tcp; docs/tcp.md has the reasons for the defaults).
struct TcpConfig {
    uint32_t max_connections = 16384; // per worker
    uint32_t syn_backlog = 1024;
    bool syn_cookies = true;
    uint32_t time_wait_max = 4096;
    uint32_t send_buffer = 256 * 1024;
    uint32_t receive_buffer = 256 * 1024;
    uint32_t keepalive_idle_s = 120;
    uint32_t keepalive_interval_s = 15;
    uint32_t keepalive_probes = 4;
    uint32_t time_wait_s = 60;
    uint32_t max_retransmits = 10;
    uint32_t rto_min_ms = 200;
    uint32_t rto_max_s = 60;
    // echo (7) and discard (9) on the workers, sink (19) and source (20) on the control plane:
    // services for testing the TCP engine end to end, off by default.
    bool test_services = false;
};

// Perf mode: synthetic OpenVPN sessions from a vpnperf session file, installed through the same
// publish API as real ones, for load tests. Never enable it on a box that serves users.
struct PerfConfig {
    bool enabled = false;
    std::string sessions_file;
    std::string interface; // the WAN interface the sessions use (default: the first wan)
};

// Management endpoints besides the telemetry socket (docs/configuration.md, `mgmt`).
struct MgmtConfig {
    // The Prometheus scrape endpoint (GET /metrics over plain HTTP); off when unset.
    std::optional<net::Ipv4> prometheus_address;
    uint16_t prometheus_port = 0;
    // A non-loopback prometheus_listen is refused unless this is true (the metrics name users).
    bool prometheus_allow_remote = false;
    bool operator==(const MgmtConfig&) const = default;
};

struct ApplianceConfig {
    std::string path;
    SystemConfig system;
    DpdkConfig dpdk;
    DataplaneConfig dataplane;
    std::vector<InterfaceConfig> interfaces;
    IpConfig ip;
    FirewallConfig firewall;
    TcpConfig tcp;
    PerfConfig perf;
    MgmtConfig mgmt;
    // The parsed file, for the protocol sections' own parsers.
    std::shared_ptr<libconfig::Config> raw;

    const InterfaceConfig* find_interface(const std::string& name) const;
};

// Sections that other modules parse; the loader does not call them unknown.
inline constexpr std::array<const char*, 8> delegated_sections = {
    "ip_pools",    "ppp_profiles", "ppp_secrets",  "ovpn_server",
    "sstp_server", "certificates", "ovpn_clients", "sstp_clients"};

// Parses and checks; on failure the error lists every problem, one per line.
Result<ApplianceConfig> load_config_file(const std::string& path);
Result<ApplianceConfig> load_config_text(const std::string& text);

// Parses "0-3", "1,3,5-6" (EAL lcore list syntax, without groups).
std::optional<std::vector<unsigned>> parse_lcore_list(const std::string& text);
std::optional<std::array<uint8_t, 6>> parse_mac(const std::string& text);

} // namespace vp::config
