// The control plane's side of the OpenVPN part of the contract: building OpenVPN sessions and
// key slots and publishing them. The protocol-neutral part (session, routes, proxy-ARP,
// tunnel-local address) is the SessionPublisher's (dataplane/session/publish.hpp); this adds the
// OpenVPN specifics on top: the client endpoint and DATA_V1 endpoint map, the key slots. Used by
// the OpenVPN server's dataplane adapter, by the perf mode's synthetic sessions, and by tests —
// so the fast path they exercise is the real one. Control thread only (one writer).
#pragma once

#include "base/result.hpp"
#include "crypto/cipher.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/ovpn/ovpn_session.hpp"
#include "dataplane/session/publish.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace vp::dp {

struct OvpnPeer {
    SessionId id = no_session; // = the OpenVPN peer-id
    WorkerId owner = 0;
    PortId wan_port = 0;
    uint32_t local_ip_be = 0;   // the appliance's address the client sends to
    uint16_t local_port_be = 0; // the OpenVPN port
    uint32_t client_ip_be = 0;  // the client's endpoint
    uint16_t client_port_be = 0;
    bool data_v2 = true;
    // OpenVPN over TCP: the client's stream on the owner worker's TCP engine (ConnHandle::pack()).
    bool stream = false;
    uint64_t stream_conn = 0;
    uint32_t tunnel_ip_be = 0;       // the client's tunnel address
    uint32_t tunnel_local_ip_be = 0; // the server side of the tunnel (answers pings)
    uint16_t mtu = 1500;
    bool clamp_mss = true;
    bool replay_protection = true;
    uint32_t replay_window_bits = crypto::ReplayWindow::kDefaultBits;
    OvpnCompression compression = OvpnCompression::None;
    using Route = SessionRoute;
    std::vector<Route> routes;                  // site-to-site networks behind the client
    std::optional<SessionRateLimit> rate_limit; // none: unlimited
};

struct OvpnDirectionKey {
    std::vector<uint8_t> cipher_key;
    std::vector<uint8_t> hmac_key;    // CBC ciphers: digest_bytes(digest) bytes
    std::vector<uint8_t> implicit_iv; // AEAD ciphers: 8 bytes
};

struct OvpnKeyActivity {
    uint8_t key_id;
    uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
    uint32_t tx_packet_id;
};

class OvpnPublisher {
public:
    explicit OvpnPublisher(Dataplane& dataplane) : sessions_(dataplane), dp_(dataplane) {}
    ~OvpnPublisher();
    OvpnPublisher(const OvpnPublisher&) = delete;
    OvpnPublisher& operator=(const OvpnPublisher&) = delete;

    // Reserves a session id (= peer-id).
    Result<SessionId> allocate_id() { return sessions_.allocate_id(); }
    bool reserve_id(SessionId id) { return sessions_.reserve_id(id); }
    void release_id(SessionId id) { sessions_.release_id(id); }

    // Publishes the session, its routes (tunnel address and site-to-site networks point at it),
    // the proxy-ARP entry for its tunnel address, and (DATA_V1) its endpoint.
    Status add_peer(const OvpnPeer& peer);
    // Installs a key in a free slot (or replaces the slot holding the same key id).
    Status add_key(SessionId id, uint8_t key_id, crypto::Cipher cipher, crypto::Digest digest,
                   const OvpnDirectionKey& client_to_server,
                   const OvpnDirectionKey& server_to_client);
    void set_tx_key(SessionId id, uint8_t key_id);
    void remove_key(SessionId id, uint8_t key_id);
    void remove_peer(SessionId id);

    OvpnSession* find(SessionId id) const;
    std::vector<OvpnKeyActivity> key_activity(SessionId id) const;
    size_t size() const { return peers_.size(); }

private:
    SessionPublisher sessions_;
    Dataplane& dp_;
    std::map<SessionId, OvpnPeer> peers_;
};

} // namespace vp::dp
