// The boundary between the OpenVPN control plane and the dataplane. The control plane never
// touches a NIC queue: it sends datagrams and publishes peers and keys through this interface,
// and reads back what the workers observed. The lead's implementation routes send() through a
// worker's inject ring and publishes peers/keys into the lock-free tables the workers read; the
// real-client test harness implements it with a kernel UDP socket.
//
// Contract (all calls come from the one control thread):
// - add_peer() before add_key(); keys are per peer and key id (0..7); at most two keys of a peer
//   are installed at any time (the control plane removes a lame-duck key before it adds a new
//   one), so two key slots per peer suffice.
// - Nothing is encrypted towards the client until set_tx_key() names an installed key.
// - remove_peer() retires the peer and all its keys; the dataplane frees them once no worker
//   can still see them (RCU).
// - activity() may lag by a few milliseconds; times use the same steady clock (ms) as the
//   `now_ms` the control plane is given.
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "control/aaa/aaa.hpp"
#include "control/ovpn/data_keys.hpp"
#include "control/ovpn/endpoint.hpp"
#include "dataplane/contract.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vp::ovpn {

using dp::WorkerId; // the dataplane contract's

struct PeerSpec {
    uint32_t peer_id = 0;           // 24 bits; the client's DATA_V2 packets carry it
    WorkerId owner_worker = 0;      // the worker that received the client's packets
    Endpoint endpoint;              // where the client's packets come from / go to
    bool data_v2 = true;            // false: the client sends DATA_V1 (match it by endpoint)
    net::Ipv4 tunnel_address = 0;   // the client's address inside the tunnel (anti-spoofing)
    net::Ipv4 local_address = 0;    // the server's side of the tunnel
    std::vector<aaa::Route> routes; // site-to-site routes through this peer
    uint32_t tun_mtu = 1500;
    uint32_t mss_clamp = 0;        // 0: do not clamp TCP MSS
    uint32_t keepalive_ping_s = 0; // the workers send a ping when idle this long; 0: never
    std::string user;
    std::optional<uint64_t> rate_limit_rx_bps; // client -> server
    std::optional<uint64_t> rate_limit_tx_bps;
    std::optional<aaa::RateLimit> rate_limit; // the whole rate-limit, bursts included
};

struct KeyActivity {
    uint8_t key_id = 0;
    uint64_t rx_packets = 0;
    uint64_t tx_packets = 0; // equals the last packet id sent with this key
    uint64_t rx_bytes = 0;
    uint64_t tx_bytes = 0;
};

struct PeerActivity {
    uint64_t last_rx_ms = 0; // last authenticated data packet (pings included) from the client
    Endpoint endpoint;       // current endpoint (the client may have floated)
    // The session's inner traffic (dataplane SessionCounters): data only, pings excluded.
    uint64_t rx_packets = 0, rx_bytes = 0;             // client -> server
    uint64_t tx_packets = 0, tx_bytes = 0;             // server -> client
    uint64_t rate_dropped_rx = 0, rate_dropped_tx = 0; // packets over the rate-limit
    std::vector<KeyActivity> keys;
};

class Dataplane {
public:
    virtual ~Dataplane() = default;

    // One UDP datagram to `to`, sent by `worker` (the session's owner, or for replies to new
    // clients the worker the request arrived on).
    virtual void send(WorkerId worker, const Endpoint& to, ByteSpan datagram) = 0;

    virtual Status add_peer(const PeerSpec& peer) = 0;
    virtual Status add_key(uint32_t peer_id, const DataKeys& keys) = 0;
    virtual void set_tx_key(uint32_t peer_id, uint8_t key_id) = 0;
    virtual void remove_key(uint32_t peer_id, uint8_t key_id) = 0;
    virtual void remove_peer(uint32_t peer_id) = 0;

    virtual std::optional<PeerActivity> activity(uint32_t peer_id) const = 0;

    // Peer-ids are below this (the dataplane's session table is indexed by them).
    virtual uint32_t peer_id_limit() const { return 0xFFFFFF; }
    // The dataplane's session ids are shared with the other services (SSTP): a peer-id is
    // reserved when a session starts and released when it ends, so no other service takes it
    // meanwhile. false: the id is taken, try another.
    virtual bool reserve_peer_id(uint32_t) { return true; }
    virtual void release_peer_id(uint32_t) {}
};

} // namespace vp::ovpn
