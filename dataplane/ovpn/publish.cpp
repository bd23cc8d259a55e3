// Publishing OpenVPN sessions (on top of SessionPublisher) and keys.
#include "dataplane/ovpn/publish.hpp"

#include "base/ipv4.hpp"

#include <rte_byteorder.h>

#include <string>

namespace vp::dp {

namespace {

std::string ip_text(uint32_t be) {
    return net::to_string(rte_be_to_cpu_32(be));
}

void retire_slot(Rcu& rcu, OvpnKeySlot* slot) {
    if (slot) rcu.retire_delete(slot);
}

} // namespace

OvpnPublisher::~OvpnPublisher() {
    while (!peers_.empty())
        remove_peer(peers_.begin()->first);
}

Status OvpnPublisher::add_peer(const OvpnPeer& peer) {
    if (peers_.count(peer.id)) return make_error("peer " + std::to_string(peer.id) + " exists");
    if (peer.owner >= dp_.worker_count()) return make_error("no such worker");
    auto s = std::make_unique<OvpnSession>(peer.id, peer.owner);
    s->endpoint.store(OvpnSession::pack_endpoint(peer.client_ip_be, peer.client_port_be));
    s->local_ip_be = peer.local_ip_be;
    s->local_port_be = peer.local_port_be;
    s->data_v2 = peer.data_v2;
    s->stream = peer.stream;
    s->stream_conn = peer.stream_conn;
    s->replay_protection = peer.replay_protection;
    s->compression = peer.compression;
    SessionSpec spec{peer.wan_port, peer.tunnel_ip_be, peer.tunnel_local_ip_be,
                     peer.mtu,      peer.clamp_mss,    peer.routes};
    spec.rate_limit = peer.rate_limit;
    if (Status st = sessions_.publish(std::move(s), spec); !st.ok())
        return make_error("peer " + std::to_string(peer.id) + ": " + st.message());
    peers_.emplace(peer.id, peer);
    if (!peer.data_v2) {
        if (Status st = dp_.ovpn_v1_peers().add({peer.client_ip_be, peer.client_port_be}, peer.id);
            !st.ok()) {
            remove_peer(peer.id);
            return make_error("peer " + std::to_string(peer.id) + " (" +
                              ip_text(peer.tunnel_ip_be) + "): " + st.message());
        }
    }
    return {};
}

OvpnSession* OvpnPublisher::find(SessionId id) const {
    if (!peers_.count(id)) return nullptr;
    return static_cast<OvpnSession*>(sessions_.find(id));
}

Status OvpnPublisher::add_key(SessionId id, uint8_t key_id, crypto::Cipher cipher,
                              crypto::Digest digest, const OvpnDirectionKey& c2s,
                              const OvpnDirectionKey& s2c) {
    OvpnSession* s = find(id);
    if (!s) return make_error("no peer " + std::to_string(id));
    if (key_id > 7) return make_error("key id above 7");
    auto rx =
        crypto::DataKey::create(cipher, digest, c2s.cipher_key, c2s.hmac_key, c2s.implicit_iv);
    if (!rx.ok()) return make_error("client-to-server key: " + rx.message());
    auto tx =
        crypto::DataKey::create(cipher, digest, s2c.cipher_key, s2c.hmac_key, s2c.implicit_iv);
    if (!tx.ok()) return make_error("server-to-client key: " + tx.message());
    uint32_t bits = peers_.at(id).replay_window_bits;
    auto* slot = new OvpnKeySlot(key_id, std::move(*rx), std::move(*tx), bits);
    // The slot already holding this key id, else a free one.
    int target = -1;
    for (int i = 0; i < 2; ++i) {
        OvpnKeySlot* k = s->slots[i].load();
        if (k && k->key_id == key_id) target = i;
    }
    for (int i = 0; i < 2 && target < 0; ++i)
        if (!s->slots[i].load()) target = i;
    if (target < 0) {
        delete slot;
        return make_error("both key slots are in use (remove the lame-duck key first)");
    }
    OvpnKeySlot* old = s->slots[target].exchange(slot, std::memory_order_acq_rel);
    retire_slot(dp_.rcu(), old);
    return {};
}

void OvpnPublisher::set_tx_key(SessionId id, uint8_t key_id) {
    OvpnSession* s = find(id);
    if (!s) return;
    for (uint8_t i = 0; i < 2; ++i) {
        OvpnKeySlot* k = s->slots[i].load();
        if (k && k->key_id == key_id) s->tx_slot.store(i, std::memory_order_release);
    }
}

void OvpnPublisher::remove_key(SessionId id, uint8_t key_id) {
    OvpnSession* s = find(id);
    if (!s) return;
    for (uint8_t i = 0; i < 2; ++i) {
        OvpnKeySlot* k = s->slots[i].load();
        if (!k || k->key_id != key_id) continue;
        if (s->tx_slot.load() == i)
            s->tx_slot.store(OvpnSession::no_tx_slot, std::memory_order_release);
        retire_slot(dp_.rcu(), s->slots[i].exchange(nullptr, std::memory_order_acq_rel));
    }
}

void OvpnPublisher::remove_peer(SessionId id) {
    auto it = peers_.find(id);
    if (it == peers_.end()) return;
    const OvpnPeer& peer = it->second;
    if (!peer.data_v2) dp_.ovpn_v1_peers().remove({peer.client_ip_be, peer.client_port_be});
    sessions_.retire(id); // the session and its key slots are freed after a grace period
    peers_.erase(it);
}

std::vector<OvpnKeyActivity> OvpnPublisher::key_activity(SessionId id) const {
    std::vector<OvpnKeyActivity> out;
    OvpnSession* s = find(id);
    if (!s) return out;
    for (auto& slot : s->slots)
        if (OvpnKeySlot* k = slot.load(std::memory_order_acquire))
            out.push_back({k->key_id, k->rx_packets.get(), k->rx_bytes.get(), k->tx_packets.get(),
                           k->tx_bytes.get(), k->tx_packet_id.load(std::memory_order_relaxed)});
    return out;
}

} // namespace vp::dp
