// The OpenVPN server's dataplane for real: implements vp::ovpn::Dataplane over the workers.
// Datagrams go out through a worker's inject ring (the worker routes them); peers and keys are
// published with dp::OvpnPublisher; activity is read back from the sessions the owner workers
// update; datagrams to an OpenVPN/TCP client are framed onto its stream; keepalive pings are
// requested from the owner worker when a session has been quiet towards the client for the ping
// interval (the workers absorb the client's pings themselves).
#pragma once

#include "control/ovpn/dataplane.hpp"
#include "control/ovpn/stream_links.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/ovpn/publish.hpp"

#include <deque>
#include <unordered_map>

namespace vp::ovpn {

class WorkerDataplane final : public Dataplane {
public:
    WorkerDataplane(dp::Dataplane& dataplane, uint16_t port, uint32_t data_replay_window_bits);

    // Where the server answers from: the address (and port index) the client's datagrams were
    // sent to, and the UDP port (0: the server's port). Called for every punted datagram before
    // the server sees it. The UDP port is kept so that sessions on a port a reload replaced keep
    // answering from it until they end.
    void note_local(const Endpoint& client, uint32_t local_ip_be, dp::PortId port,
                    uint16_t udp_port = 0);
    // The server's UDP port for clients not seen yet (a reload may change it).
    void set_port(uint16_t port) { port_ = port; }
    // The UDP port `client` sent to (the server's port if not seen).
    uint16_t local_port(const Endpoint& client) const { return local_for(client).udp_port; }
    // Keepalive pings; call every few hundred milliseconds.
    void tick(uint64_t now_ms);

    void send(WorkerId worker, const Endpoint& to, ByteSpan datagram) override;
    Status add_peer(const PeerSpec& peer) override;
    Status add_key(uint32_t peer_id, const DataKeys& keys) override;
    void set_tx_key(uint32_t peer_id, uint8_t key_id) override;
    void remove_key(uint32_t peer_id, uint8_t key_id) override;
    void remove_peer(uint32_t peer_id) override;
    std::optional<PeerActivity> activity(uint32_t peer_id) const override;
    uint32_t peer_id_limit() const override { return dp_.sessions().capacity(); }
    bool reserve_peer_id(uint32_t peer_id) override { return publisher_.reserve_id(peer_id); }
    void release_peer_id(uint32_t peer_id) override { publisher_.release_id(peer_id); }

    // The OpenVPN/TCP clients' streams: send() frames onto them, add_peer() binds the session's
    // data channel to the stream on its owner worker.
    StreamLinks& streams() { return streams_; }
    const StreamLinks& streams() const { return streams_; }

    // The address (network order) and port we send to `peer` from (what note_local learnt, or
    // the first WAN port's address): where an OpenVPN client link dials from.
    std::pair<uint32_t, dp::PortId> local_address(const Endpoint& peer) const {
        Local l = local_for(peer);
        return {l.ip_be, l.port};
    }

    // Traffic counters of a peer's session (for `vpnctl sessions`).
    const dp::SessionCounters* counters(uint32_t peer_id) const;
    uint64_t datagrams_sent() const { return sent_; }
    uint64_t datagrams_dropped() const { return send_failed_; }

private:
    struct Local {
        uint32_t ip_be;
        dp::PortId port;
        uint16_t udp_port; // host order
    };
    Local local_for(const Endpoint& client) const;
    uint64_t tsc_to_ms(uint64_t tsc) const;

    dp::Dataplane& dp_;
    dp::OvpnPublisher publisher_;
    uint16_t port_;
    uint32_t replay_bits_;
    // Recently seen client endpoints -> the local address they sent to (bounded, oldest evicted).
    std::unordered_map<Endpoint, Local, EndpointHash> locals_;
    std::deque<Endpoint> locals_order_;
    struct Keepalive {
        uint32_t interval_s = 0;   // 0: no pings
        uint64_t requested_ms = 0; // when the last ping was asked of the owner worker
    };
    std::unordered_map<uint32_t, Keepalive> keepalive_; // by peer-id
    uint64_t sent_ = 0, send_failed_ = 0;
    StreamLinks streams_;
};

} // namespace vp::ovpn
