// vpnperf's results: per direction, packets and bits per second each way, loss, latency
// percentiles; written as JSON, CSV or a short text table.
//
// Which bits: "frame" counts Ethernet frames as DPDK sees them (header included, FCS, preamble
// and inter-frame gap not); "inner" counts the tunnelled IPv4 packets (what a user's traffic is).
// For decap the sent frames are the encrypted OpenVPN packets on the WAN port and the received
// frames the decrypted packets on the LAN port; for encap the other way round. Rates are over the
// sending time (received packets arrive within the drain time after it).
#pragma once

#include "base/result.hpp"
#include "perf/vpnperf/latency.hpp"
#include "perf/vpnperf/traffic_model.hpp"

#include <string>
#include <vector>

namespace vp::perf {

struct DirectionResult {
    TrafficDirection direction = TrafficDirection::Decap; // Decap or Encap
    double seconds = 0;                                   // sending time
    uint64_t tx_packets = 0;                              // accepted by the sending port
    uint64_t tx_frame_bytes = 0;
    uint64_t tx_inner_bytes = 0;
    uint64_t tx_rejected = 0; // not accepted (TX queue full): neither sent nor lost
    uint64_t rx_packets = 0;  // received and attributed to a session of this direction
    uint64_t rx_frame_bytes = 0;
    uint64_t rx_inner_bytes = 0;
    uint64_t rx_unmatched = 0; // well-formed but not this run's traffic (unknown session, ...)
    uint64_t probes_sent = 0;
    uint64_t probes_received = 0;
    uint64_t verified = 0;      // sampled packets that decrypted to the expected inner packet
    uint64_t verify_failed = 0; // sampled packets that did not
    LatencyHistogram latency;

    double tx_mpps() const;
    double rx_mpps() const;
    double tx_frame_gbps() const;
    double rx_frame_gbps() const;
    double tx_inner_gbps() const;
    double rx_inner_gbps() const;
    double loss_percent() const; // (tx - rx) / tx
};

struct RunInfo {
    std::string cipher;
    std::string auth;
    size_t sessions = 0;
    std::string size; // "64" or "imix"
    uint32_t probe_bytes = 0;
    std::string rate; // "max" or packets per second per direction
    double duration_s = 0;
    std::string wan;
    std::string lan;
    bool loopback = false;
    unsigned worker_lcores = 0;
    uint64_t port_other_packets = 0; // frames on either port that were neither ARP nor traffic
    uint64_t arp_replies = 0;
};

struct RunReport {
    RunInfo info;
    std::vector<DirectionResult> directions;
};

std::string to_json(const RunReport& report);
std::string to_csv(const RunReport& report);
std::string to_text(const RunReport& report);
// JSON if the path ends in ".json", CSV if ".csv"; anything else is an error.
Status write_report(const std::string& path, const RunReport& report);

} // namespace vp::perf
