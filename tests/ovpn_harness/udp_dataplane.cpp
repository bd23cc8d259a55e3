// TEST HARNESS ONLY: UDP-socket dataplane.
#include "tests/ovpn_harness/udp_dataplane.hpp"

#include "base/log.hpp"
#include "control/ovpn/packet.hpp"
#include "tests/ovpn_harness/data_channel.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace vp::test {

using vp::log::Topic;

void UdpDataplane::send(ovpn::WorkerId, const ovpn::Endpoint& to, ByteSpan datagram) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(to.address);
    sa.sin_port = htons(to.port);
    ::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
}

Status UdpDataplane::add_peer(const ovpn::PeerSpec& peer) {
    if (peers_.count(peer.peer_id)) return make_error("peer id in use");
    peers_[peer.peer_id].spec = peer;
    log::info(Topic::Dataplane, "harness: add peer {} {} tunnel {} local {} routes {} ping {} s",
              peer.peer_id, peer.endpoint.to_string(), net::to_string(peer.tunnel_address),
              net::to_string(peer.local_address), peer.routes.size(), peer.keepalive_ping_s);
    return {};
}

Status UdpDataplane::add_key(uint32_t peer_id, const ovpn::DataKeys& keys) {
    auto it = peers_.find(peer_id);
    if (it == peers_.end()) return make_error("no such peer");
    if (it->second.keys.size() >= 2 && !it->second.keys.count(keys.key_id))
        return make_error("more than two keys installed");
    it->second.keys[keys.key_id] = keys;
    it->second.tx_packet_id[keys.key_id] = 0;
    it->second.counters[keys.key_id] = ovpn::KeyActivity{keys.key_id};
    log::info(Topic::Dataplane, "harness: peer {} add key {} {}", peer_id, keys.key_id,
              crypto::openvpn_name(keys.cipher));
    return {};
}

void UdpDataplane::set_tx_key(uint32_t peer_id, uint8_t key_id) {
    auto it = peers_.find(peer_id);
    if (it == peers_.end() || !it->second.keys.count(key_id)) {
        log::error(Topic::Dataplane, "harness: set_tx_key for a missing key {}/{}", peer_id,
                   key_id);
        return;
    }
    it->second.tx_key = key_id;
    log::info(Topic::Dataplane, "harness: peer {} tx key {}", peer_id, key_id);
}

void UdpDataplane::remove_key(uint32_t peer_id, uint8_t key_id) {
    auto it = peers_.find(peer_id);
    if (it == peers_.end()) return;
    it->second.keys.erase(key_id);
    it->second.counters.erase(key_id);
    if (it->second.tx_key == key_id) it->second.tx_key.reset();
    log::info(Topic::Dataplane, "harness: peer {} remove key {}", peer_id, key_id);
}

void UdpDataplane::remove_peer(uint32_t peer_id) {
    if (peers_.erase(peer_id)) log::info(Topic::Dataplane, "harness: remove peer {}", peer_id);
}

std::optional<ovpn::PeerActivity> UdpDataplane::activity(uint32_t peer_id) const {
    auto it = peers_.find(peer_id);
    if (it == peers_.end()) return std::nullopt;
    ovpn::PeerActivity a;
    a.last_rx_ms = it->second.last_rx_ms;
    a.endpoint = it->second.spec.endpoint;
    for (auto& [id, c] : it->second.counters)
        a.keys.push_back(c);
    return a;
}

void UdpDataplane::transmit(Peer& peer, ByteSpan payload, uint64_t now_ms) {
    if (!peer.tx_key) return;
    auto& keys = peer.keys.at(*peer.tx_key);
    uint32_t pid = ++peer.tx_packet_id[*peer.tx_key];
    std::optional<uint32_t> peer_id;
    if (peer.spec.data_v2) peer_id = peer.spec.peer_id;
    Bytes pkt = encrypt_data(keys, peer_id, pid, payload);
    auto& c = peer.counters[*peer.tx_key];
    ++c.tx_packets;
    c.tx_bytes += payload.size();
    peer.last_tx_ms = now_ms;
    send(0, peer.spec.endpoint, pkt);
}

UdpDataplane::DataResult UdpDataplane::handle_data(const ovpn::Endpoint& from, ByteSpan datagram,
                                                   uint64_t now_ms) {
    DataResult result;
    auto header = ovpn::peek_data_header(datagram);
    if (!header) return result;
    Peer* peer = nullptr;
    if (header->peer_id) {
        auto it = peers_.find(*header->peer_id);
        if (it != peers_.end()) peer = &it->second;
    } else {
        for (auto& [id, p] : peers_)
            if (p.spec.endpoint == from) peer = &p;
    }
    if (!peer) return result; // the control plane counts it
    result.handled = true;
    auto key = peer->keys.find(header->key_id);
    if (key == peer->keys.end()) return result;
    auto plain = decrypt_data(key->second, datagram, header->opcode == ovpn::Opcode::DataV2);
    if (!plain) {
        log::debug(Topic::Dataplane, "harness: peer {} key {}: data packet failed to decrypt",
                   peer->spec.peer_id, header->key_id);
        return result;
    }
    peer->last_rx_ms = now_ms;
    peer->spec.endpoint = from; // float
    auto& c = peer->counters[header->key_id];
    ++c.rx_packets;
    c.rx_bytes += plain->payload.size();
    ByteSpan payload = plain->payload;
    if (payload.size() == sizeof ping_magic &&
        std::memcmp(payload.data(), ping_magic, sizeof ping_magic) == 0)
        return result;
    if (payload.size() == sizeof occ_magic + 1 &&
        std::memcmp(payload.data(), occ_magic, sizeof occ_magic) == 0 &&
        payload[sizeof occ_magic] == occ_exit) {
        result.exit_peer = peer->spec.peer_id;
        return result;
    }
    if (auto reply = answer_icmp_echo(payload, peer->spec.local_address)) {
        log::debug(Topic::Dataplane, "harness: peer {} key {}: ICMP echo answered",
                   peer->spec.peer_id, header->key_id);
        transmit(*peer, *reply, now_ms);
    }
    return result;
}

void UdpDataplane::send_keepalives(uint64_t now_ms) {
    for (auto& [id, peer] : peers_) {
        uint64_t interval_ms = uint64_t{peer.spec.keepalive_ping_s} * 1000;
        if (interval_ms && peer.tx_key && now_ms >= peer.last_tx_ms + interval_ms)
            transmit(peer, ByteSpan(ping_magic, sizeof ping_magic), now_ms);
    }
}

} // namespace vp::test
