// WorkerDataplane: the OpenVPN control plane's view of the DPDK workers.
#include "control/ovpn/worker_dataplane.hpp"

#include "base/log.hpp"
#include "control/session_rate_limit.hpp"
#include "dataplane/ovpn/outer.hpp"

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace vp::ovpn {

namespace {
constexpr size_t max_locals = 1 << 16;

uint64_t steady_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}
} // namespace

WorkerDataplane::WorkerDataplane(dp::Dataplane& dataplane, uint16_t port,
                                 uint32_t data_replay_window_bits)
    : dp_(dataplane), publisher_(dataplane), port_(port), replay_bits_(data_replay_window_bits),
      streams_(dataplane) {}

void WorkerDataplane::note_local(const Endpoint& client, uint32_t local_ip_be, dp::PortId port,
                                 uint16_t udp_port) {
    auto [it, inserted] =
        locals_.insert_or_assign(client, Local{local_ip_be, port, udp_port ? udp_port : port_});
    (void)it;
    if (!inserted) return;
    locals_order_.push_back(client);
    while (locals_order_.size() > max_locals) {
        locals_.erase(locals_order_.front());
        locals_order_.pop_front();
    }
}

WorkerDataplane::Local WorkerDataplane::local_for(const Endpoint& client) const {
    if (auto it = locals_.find(client); it != locals_.end()) return it->second;
    // Not seen (evicted): answer from the first WAN port's address.
    const auto& ports = dp_.ports();
    for (dp::PortId p = 0; p < ports.size(); ++p)
        if (ports[p].settings.role == dp::PortRole::Wan)
            return {ports[p].settings.address_be, p, port_};
    return {ports.front().settings.address_be, 0, port_};
}

void WorkerDataplane::send(WorkerId worker, const Endpoint& to, ByteSpan datagram) {
    if (streams_.send(to, datagram)) {
        ++sent_;
        return;
    }
    size_t headers = sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr);
    rte_mbuf* m = rte_pktmbuf_alloc(dp_.pool());
    if (!m || headers + datagram.size() > rte_pktmbuf_tailroom(m)) {
        if (m) rte_pktmbuf_free(m);
        ++send_failed_;
        return;
    }
    auto* frame = reinterpret_cast<uint8_t*>(
        rte_pktmbuf_append(m, static_cast<uint16_t>(headers + datagram.size())));
    std::memset(frame, 0, sizeof(rte_ether_hdr));
    Local local = local_for(to);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(frame + sizeof(rte_ether_hdr));
    rte_udp_hdr* udp = dp::ovpn::write_outer_header(
        ip, {local.ip_be, rte_cpu_to_be_32(to.address), rte_cpu_to_be_16(local.udp_port),
             rte_cpu_to_be_16(to.port), static_cast<uint16_t>(datagram.size()), 0});
    std::memcpy(udp + 1, datagram.data(), datagram.size());
    udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
    int target = worker < dp_.worker_count() ? worker : -1;
    if (dp_.inject({m, dp::InjectAction::Route, 0, 0}, target))
        ++sent_;
    else
        ++send_failed_;
}

Status WorkerDataplane::add_peer(const PeerSpec& spec) {
    Local local = local_for(spec.endpoint);
    dp::OvpnPeer peer;
    peer.id = spec.peer_id;
    peer.owner = spec.owner_worker < dp_.worker_count() ? spec.owner_worker : 0;
    peer.wan_port = local.port;
    peer.local_ip_be = local.ip_be;
    peer.local_port_be = rte_cpu_to_be_16(local.udp_port);
    peer.client_ip_be = rte_cpu_to_be_32(spec.endpoint.address);
    peer.client_port_be = rte_cpu_to_be_16(spec.endpoint.port);
    peer.data_v2 = spec.data_v2;
    if (const StreamLink* link = streams_.find(spec.endpoint)) {
        // The stream lives on the worker that accepted it: that worker owns the session.
        peer.stream = true;
        peer.stream_conn = link->conn;
        peer.owner = link->worker < dp_.worker_count() ? link->worker : 0;
    }
    peer.tunnel_ip_be = rte_cpu_to_be_32(spec.tunnel_address);
    peer.tunnel_local_ip_be = rte_cpu_to_be_32(spec.local_address);
    peer.mtu = static_cast<uint16_t>(spec.tun_mtu);
    peer.clamp_mss = spec.mss_clamp != 0;
    peer.replay_window_bits = replay_bits_;
    for (auto& r : spec.routes)
        peer.routes.push_back({r.destination.network(), r.destination.length});
    if (spec.rate_limit) peer.rate_limit = ctl::to_session_rate_limit(*spec.rate_limit);
    if (auto st = publisher_.add_peer(peer); !st.ok()) return st;
    keepalive_[spec.peer_id] = Keepalive{spec.keepalive_ping_s, 0};
    return {};
}

Status WorkerDataplane::add_key(uint32_t peer_id, const DataKeys& keys) {
    auto direction = [&](const DirectionKeys& k) {
        dp::OvpnDirectionKey d;
        d.cipher_key.assign(k.cipher_key.begin(),
                            k.cipher_key.begin() + crypto::key_bytes(keys.cipher));
        if (crypto::is_aead(keys.cipher)) {
            d.implicit_iv.assign(k.implicit_iv.begin(), k.implicit_iv.end());
        } else if (keys.digest != crypto::Digest::None) {
            d.hmac_key.assign(k.hmac_key.begin(),
                              k.hmac_key.begin() + crypto::digest_bytes(keys.digest));
        }
        return d;
    };
    crypto::Digest digest = crypto::is_aead(keys.cipher) ? crypto::Digest::None : keys.digest;
    auto c2s = direction(keys.client_to_server);
    auto s2c = direction(keys.server_to_client);
    Status st = publisher_.add_key(peer_id, keys.key_id, keys.cipher, digest, c2s, s2c);
    OPENSSL_cleanse(c2s.cipher_key.data(), c2s.cipher_key.size());
    OPENSSL_cleanse(s2c.cipher_key.data(), s2c.cipher_key.size());
    OPENSSL_cleanse(c2s.hmac_key.data(), c2s.hmac_key.size());
    OPENSSL_cleanse(s2c.hmac_key.data(), s2c.hmac_key.size());
    return st;
}

void WorkerDataplane::set_tx_key(uint32_t peer_id, uint8_t key_id) {
    publisher_.set_tx_key(peer_id, key_id);
}
void WorkerDataplane::remove_key(uint32_t peer_id, uint8_t key_id) {
    publisher_.remove_key(peer_id, key_id);
}

void WorkerDataplane::remove_peer(uint32_t peer_id) {
    publisher_.remove_peer(peer_id);
    keepalive_.erase(peer_id);
}

uint64_t WorkerDataplane::tsc_to_ms(uint64_t tsc) const {
    uint64_t now_tsc = rte_rdtsc();
    uint64_t now = steady_ms();
    if (tsc == 0 || tsc > now_tsc) return tsc == 0 ? 0 : now;
    return now - (now_tsc - tsc) * 1000 / rte_get_tsc_hz();
}

std::optional<PeerActivity> WorkerDataplane::activity(uint32_t peer_id) const {
    dp::OvpnSession* s = publisher_.find(peer_id);
    if (!s) return std::nullopt;
    PeerActivity a;
    a.last_rx_ms = tsc_to_ms(s->last_rx_tsc.load(std::memory_order_relaxed));
    a.endpoint = {rte_be_to_cpu_32(s->endpoint_ip_be()), rte_be_to_cpu_16(s->endpoint_port_be())};
    a.rx_packets = s->counters.rx_packets.get();
    a.rx_bytes = s->counters.rx_bytes.get();
    a.tx_packets = s->counters.tx_packets.get();
    a.tx_bytes = s->counters.tx_bytes.get();
    if (s->meter) {
        a.rate_dropped_rx = s->meter->rx_dropped.get();
        a.rate_dropped_tx = s->meter->tx_dropped.get();
    }
    for (auto& k : publisher_.key_activity(peer_id))
        a.keys.push_back({k.key_id, k.rx_packets, k.tx_packets, k.rx_bytes, k.tx_bytes});
    return a;
}

const dp::SessionCounters* WorkerDataplane::counters(uint32_t peer_id) const {
    dp::OvpnSession* s = publisher_.find(peer_id);
    return s ? &s->counters : nullptr;
}

void WorkerDataplane::tick(uint64_t now_ms) {
    for (auto& [peer_id, k] : keepalive_) {
        if (k.interval_s == 0) continue;
        dp::OvpnSession* s = publisher_.find(peer_id);
        if (!s || !s->tx_key()) continue;
        // Quiet towards the client since the last packet or the last ping we asked for.
        uint64_t last =
            std::max(tsc_to_ms(s->last_tx_tsc.load(std::memory_order_relaxed)), k.requested_ms);
        if (now_ms - last < uint64_t{k.interval_s} * 1000) continue;
        k.requested_ms = now_ms;
        dp_.inject({nullptr, dp::InjectAction::SessionPing, 0, {.session = peer_id}}, s->owner);
    }
}

} // namespace vp::ovpn
