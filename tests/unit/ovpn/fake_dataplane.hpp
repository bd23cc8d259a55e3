// A recording implementation of vp::ovpn::Dataplane for unit tests: what was sent, which peers
// and keys are installed, in which order, and activity the test sets by hand.
#pragma once

#include "control/ovpn/dataplane.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace vp::test {

class FakeDataplane final : public ovpn::Dataplane {
public:
    struct Sent {
        ovpn::WorkerId worker;
        ovpn::Endpoint to;
        Bytes datagram;
    };
    std::vector<Sent> sent;
    std::map<uint32_t, ovpn::PeerSpec> peers;
    std::map<uint32_t, std::map<uint8_t, ovpn::DataKeys>> keys;
    std::map<uint32_t, uint8_t> tx_key;
    std::map<uint32_t, ovpn::PeerActivity> activities;
    std::vector<std::string> events;
    size_t max_keys_seen = 0;

    void send(ovpn::WorkerId worker, const ovpn::Endpoint& to, ByteSpan d) override {
        sent.push_back({worker, to, Bytes(d.begin(), d.end())});
    }
    Status add_peer(const ovpn::PeerSpec& p) override {
        if (peers.count(p.peer_id)) return make_error("duplicate peer");
        peers[p.peer_id] = p;
        events.push_back("add_peer " + std::to_string(p.peer_id));
        return {};
    }
    Status add_key(uint32_t peer, const ovpn::DataKeys& k) override {
        if (!peers.count(peer)) return make_error("no peer");
        keys[peer][k.key_id] = k;
        max_keys_seen = std::max(max_keys_seen, keys[peer].size());
        events.push_back("add_key " + std::to_string(peer) + "/" + std::to_string(k.key_id));
        return {};
    }
    void set_tx_key(uint32_t peer, uint8_t key_id) override {
        tx_key[peer] = key_id;
        events.push_back("tx " + std::to_string(peer) + "/" + std::to_string(key_id));
    }
    void remove_key(uint32_t peer, uint8_t key_id) override {
        keys[peer].erase(key_id);
        events.push_back("remove_key " + std::to_string(peer) + "/" + std::to_string(key_id));
    }
    void remove_peer(uint32_t peer) override {
        peers.erase(peer);
        keys.erase(peer);
        tx_key.erase(peer);
        events.push_back("remove_peer " + std::to_string(peer));
    }
    std::optional<ovpn::PeerActivity> activity(uint32_t peer) const override {
        auto it = activities.find(peer);
        if (it != activities.end()) return it->second;
        auto p = peers.find(peer);
        if (p == peers.end()) return std::nullopt;
        ovpn::PeerActivity a;
        a.endpoint = p->second.endpoint;
        return a;
    }
    // Session ids: those a test says another service holds, and those the server reserved.
    std::set<uint32_t> held_elsewhere, reserved;
    bool reserve_peer_id(uint32_t id) override {
        if (held_elsewhere.count(id) || reserved.count(id)) return false;
        reserved.insert(id);
        return true;
    }
    void release_peer_id(uint32_t id) override {
        reserved.erase(id);
        events.push_back("release_peer_id " + std::to_string(id));
    }
    bool saw(const std::string& event) const {
        return std::find(events.begin(), events.end(), event) != events.end();
    }
};

} // namespace vp::test
