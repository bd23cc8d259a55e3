// What vpnperf sends, independent of ports and cores: the sessions of a session file with their
// DataKeys, the packet sizes (fixed or IMIX), the latency probes' size, the addressing of every
// flow, the order in which pre-built packets are replayed, and the lookups the receive path uses
// to attribute a packet to its session.
#pragma once

#include "control/perf/session_file.hpp"
#include "perf/vpnperf/wire_format.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vp::perf {

enum class TrafficDirection : uint8_t { Decap, Encap, Both };
std::string_view to_string(TrafficDirection d);
inline bool sends_decap(TrafficDirection d) {
    return d != TrafficDirection::Encap;
}
inline bool sends_encap(TrafficDirection d) {
    return d != TrafficDirection::Decap;
}

// Inner IPv4 packet sizes, one cycle of them. IMIX is the classic 7:4:1 mix of 64, 576 and
// 1400-byte packets (346 bytes on average; 1400 rather than 1500 so that the encrypted packet
// still fits a 1500-byte MTU).
struct SizeMix {
    std::vector<uint32_t> sizes;
    bool imix = false;

    static SizeMix fixed(uint32_t ip_bytes) { return {{ip_bytes}, false}; }
    static SizeMix classic_imix();
    // "64".."1500" or "imix".
    static std::optional<SizeMix> parse(std::string_view text);

    uint32_t at(size_t i) const { return sizes[i % sizes.size()]; }
    uint32_t max() const;
    double average() const;
    std::string name() const;
};

// Inner size of the latency probes: at least kMinInnerBytes and, once sealed with `cipher`, of a
// length no data packet of `mix` has, so that the receiver opens only probes (and samples).
uint32_t choose_probe_bytes(const SizeMix& mix, const crypto::DataKey& key);

// How many pre-built packets per session: enough for `budget` packets in all (at least one per
// session), a whole number of size cycles where that fits, so that the mix stays exact.
size_t templates_per_session(size_t sessions, const SizeMix& mix, size_t budget);

class TrafficModel {
public:
    static constexpr uint16_t kFirstInnerPort = 10000;

    // Builds every session's DataKeys. lan_host: the LAN-side address vpnperf plays.
    static Result<TrafficModel> create(SessionFile file, net::Ipv4 lan_host);

    const SessionFile& file() const { return file_; }
    size_t sessions() const { return file_.sessions.size(); }
    const PerfSession& session(size_t i) const { return file_.sessions[i]; }
    const crypto::DataKey& c2s(size_t i) const { return *keys_[i].c2s; }
    const crypto::DataKey& s2c(size_t i) const { return *keys_[i].s2c; }
    net::Ipv4 lan_host() const { return lan_host_; }

    // Flows (host order). Decap: client endpoint -> server outside, tunnel -> LAN host inside;
    // encap the reverse.
    Ipv4Flow client_to_server(size_t i) const;
    Ipv4Flow server_to_client(size_t i) const;
    Ipv4Flow decap_inner(size_t i) const;
    Ipv4Flow encap_inner(size_t i) const;
    DataV2Header decap_header(size_t i, uint32_t packet_id) const;

    // Receive-path lookups (binary searches over sorted copies); -1 when unknown.
    int by_peer_id(uint32_t peer_id) const;
    int by_client(net::Ipv4 address, uint16_t port) const;
    int by_tunnel(net::Ipv4 address) const;

    // Client endpoint addresses, sorted and unique (what vpnperf answers ARP for on the WAN).
    std::vector<net::Ipv4> client_addresses() const;

private:
    struct Keys {
        std::unique_ptr<crypto::DataKey> c2s;
        std::unique_ptr<crypto::DataKey> s2c;
    };
    struct Index {
        uint64_t key;
        uint32_t session;
        bool operator<(const Index& o) const { return key < o.key; }
    };
    static int find(const std::vector<Index>& index, uint64_t key);

    SessionFile file_;
    net::Ipv4 lan_host_ = 0;
    std::vector<Keys> keys_;
    std::vector<Index> by_peer_id_, by_client_, by_tunnel_;
};

// Maps the length of a received encrypted packet (the outer UDP payload) back to the inner size
// it carries, for the sizes vpnperf sends (CBC padding makes the inverse ambiguous in general).
class InnerSizeTable {
public:
    InnerSizeTable() = default;
    InnerSizeTable(const crypto::DataKey& key, const SizeMix& mix, uint32_t probe_bytes);
    uint32_t inner_bytes(uint32_t packet_bytes) const;

private:
    struct Entry {
        uint32_t packet_bytes;
        uint32_t inner_bytes;
    };
    std::vector<Entry> entries_;
};

} // namespace vp::perf
