// Sessions, sizes, flows and receive-path lookups (see traffic_model.hpp).
#include "perf/vpnperf/traffic_model.hpp"

#include <algorithm>
#include <charconv>

namespace vp::perf {

std::string_view to_string(TrafficDirection d) {
    switch (d) {
    case TrafficDirection::Decap:
        return "decap";
    case TrafficDirection::Encap:
        return "encap";
    case TrafficDirection::Both:
        return "both";
    }
    return "?";
}

SizeMix SizeMix::classic_imix() {
    SizeMix m;
    m.imix = true;
    for (int i = 0; i < 12; ++i)
        m.sizes.push_back(i < 7 ? 64 : i < 11 ? 576 : 1400);
    return m;
}

std::optional<SizeMix> SizeMix::parse(std::string_view text) {
    if (text == "imix" || text == "IMIX") return classic_imix();
    uint32_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || ptr != text.data() + text.size() || n < kMinInnerBytes ||
        n > kMaxInnerBytes)
        return std::nullopt;
    return fixed(n);
}

uint32_t SizeMix::max() const {
    return *std::max_element(sizes.begin(), sizes.end());
}

double SizeMix::average() const {
    double sum = 0;
    for (uint32_t s : sizes)
        sum += s;
    return sum / static_cast<double>(sizes.size());
}

std::string SizeMix::name() const {
    return imix ? "imix" : std::to_string(sizes.front());
}

uint32_t choose_probe_bytes(const SizeMix& mix, const crypto::DataKey& key) {
    for (uint32_t candidate = kMinInnerBytes; candidate < kMaxInnerBytes; ++candidate) {
        bool clash = false;
        for (uint32_t s : mix.sizes)
            clash =
                clash || s == candidate || data_v2_bytes(key, s) == data_v2_bytes(key, candidate);
        if (!clash) return candidate;
    }
    return kMinInnerBytes; // unreachable: a mix has at most 12 sizes
}

size_t templates_per_session(size_t sessions, const SizeMix& mix, size_t budget) {
    if (sessions == 0) return 0;
    size_t per = std::max<size_t>(1, budget / sessions);
    const size_t cycle = mix.sizes.size();
    if (per >= cycle) per -= per % cycle;
    return per;
}

Result<TrafficModel> TrafficModel::create(SessionFile file, net::Ipv4 lan_host) {
    if (auto st = validate(file); !st.ok()) return st.error();
    TrafficModel m;
    m.lan_host_ = lan_host;
    m.keys_.reserve(file.sessions.size());
    for (size_t i = 0; i < file.sessions.size(); ++i) {
        const PerfSession& s = file.sessions[i];
        auto c2s = make_data_key(file, s.client_to_server);
        if (!c2s.ok())
            return make_error("session " + std::to_string(i) +
                              ": client_to_server: " + c2s.message());
        auto s2c = make_data_key(file, s.server_to_client);
        if (!s2c.ok())
            return make_error("session " + std::to_string(i) +
                              ": server_to_client: " + s2c.message());
        m.keys_.push_back({std::move(*c2s), std::move(*s2c)});
        if (s.tunnel_address == lan_host)
            return make_error("session " + std::to_string(i) +
                              ": its tunnel address is the LAN host's");
        const auto idx = static_cast<uint32_t>(i);
        m.by_peer_id_.push_back({s.peer_id, idx});
        m.by_client_.push_back({uint64_t{s.client.address} << 16 | s.client.port, idx});
        m.by_tunnel_.push_back({s.tunnel_address, idx});
    }
    std::sort(m.by_peer_id_.begin(), m.by_peer_id_.end());
    std::sort(m.by_client_.begin(), m.by_client_.end());
    std::sort(m.by_tunnel_.begin(), m.by_tunnel_.end());
    m.file_ = std::move(file);
    return m;
}

int TrafficModel::find(const std::vector<Index>& index, uint64_t key) {
    auto it = std::lower_bound(index.begin(), index.end(), Index{key, 0});
    return it != index.end() && it->key == key ? static_cast<int>(it->session) : -1;
}

int TrafficModel::by_peer_id(uint32_t peer_id) const {
    return find(by_peer_id_, peer_id);
}
int TrafficModel::by_client(net::Ipv4 address, uint16_t port) const {
    return find(by_client_, uint64_t{address} << 16 | port);
}
int TrafficModel::by_tunnel(net::Ipv4 address) const {
    return find(by_tunnel_, address);
}

Ipv4Flow TrafficModel::client_to_server(size_t i) const {
    const PerfSession& s = session(i);
    return {s.client.address, file_.server.address, s.client.port, file_.server.port};
}
Ipv4Flow TrafficModel::server_to_client(size_t i) const {
    const PerfSession& s = session(i);
    return {file_.server.address, s.client.address, file_.server.port, s.client.port};
}
Ipv4Flow TrafficModel::decap_inner(size_t i) const {
    return {session(i).tunnel_address, lan_host_,
            static_cast<uint16_t>(kFirstInnerPort + i % 50000), kInnerUdpPort};
}
Ipv4Flow TrafficModel::encap_inner(size_t i) const {
    return {lan_host_, session(i).tunnel_address, kInnerUdpPort,
            static_cast<uint16_t>(kFirstInnerPort + i % 50000)};
}
DataV2Header TrafficModel::decap_header(size_t i, uint32_t packet_id) const {
    const PerfSession& s = session(i);
    return {client_to_server(i), s.peer_id, s.key_id, packet_id};
}

std::vector<net::Ipv4> TrafficModel::client_addresses() const {
    std::vector<net::Ipv4> out;
    for (const PerfSession& s : file_.sessions)
        out.push_back(s.client.address);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

InnerSizeTable::InnerSizeTable(const crypto::DataKey& key, const SizeMix& mix,
                               uint32_t probe_bytes) {
    auto add = [&](uint32_t inner) {
        const uint32_t packet = data_v2_bytes(key, inner);
        for (const Entry& e : entries_)
            if (e.packet_bytes == packet) return;
        entries_.push_back({packet, inner});
    };
    for (uint32_t s : mix.sizes)
        add(s);
    add(probe_bytes);
}

uint32_t InnerSizeTable::inner_bytes(uint32_t packet_bytes) const {
    for (const Entry& e : entries_)
        if (e.packet_bytes == packet_bytes) return e.inner_bytes;
    return 0;
}

} // namespace vp::perf
