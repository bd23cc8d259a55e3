// The OpenVPN server's TCP streams as the control plane holds them: one StreamLink per client
// connection on the workers' TCP engine, keyed by the client's address and port (the Endpoint
// the control plane uses for UDP clients too). Control packets the server sends to such an
// endpoint are framed (2-byte length) and queued here, then moved to the owner worker as mbuf
// chains, one chain in flight per stream so bytes stay in order (TcpSend answered by Sent or
// SendRefused; a refused chain is offered again after Writable). The workers write the data
// channel's packets onto the same stream themselves.
#pragma once

#include "base/bytes.hpp"
#include "control/ovpn/endpoint.hpp"
#include "control/ovpn/stream_framing.hpp"
#include "dataplane/dataplane.hpp"

#include <unordered_map>

namespace vp::ovpn {

struct StreamLink {
    uint64_t conn = 0; // tcp::ConnHandle::pack()
    dp::WorkerId worker = 0;
    uint16_t listen_port = 0;
    Length16Reader reader; // what the control plane got of the stream, cut into packets
    Bytes pending;         // framed bytes not yet handed to the worker
    rte_mbuf* refused = nullptr;
    bool in_flight = false;
    bool waiting_writable = false;
    bool closing = false; // close once everything queued is sent
    bool close_sent = false;
};

class StreamLinks {
public:
    explicit StreamLinks(dp::Dataplane& dataplane) : dp_(dataplane) {}
    ~StreamLinks();
    StreamLinks(const StreamLinks&) = delete;
    StreamLinks& operator=(const StreamLinks&) = delete;

    StreamLink& open(const Endpoint& client, uint64_t conn, dp::WorkerId worker,
                     uint16_t listen_port);
    StreamLink* find(const Endpoint& client);
    const StreamLink* find(const Endpoint& client) const;
    // The endpoint of a connection handle, or nullptr.
    const Endpoint* endpoint_of(uint64_t conn) const;
    void erase(const Endpoint& client);

    // Frames and queues a packet for the client; false when `to` is not a stream.
    bool send(const Endpoint& to, ByteSpan packet);
    // Moves queued bytes to the worker; asks for a close once `close_after` and all is sent.
    void pump(StreamLink& s, bool close_after = false);
    void pump_all();
    // Stream events for the link.
    void on_sent(StreamLink& s) { s.in_flight = false; }
    void on_refused(StreamLink& s, rte_mbuf* chain);
    void on_writable(StreamLink& s) { s.waiting_writable = false; }
    void close(StreamLink& s);
    size_t size() const { return links_.size(); }

private:
    bool inject(StreamLink& s, dp::InjectAction action, rte_mbuf* m);

    dp::Dataplane& dp_;
    std::unordered_map<Endpoint, StreamLink, EndpointHash> links_;
    std::unordered_map<uint64_t, Endpoint> by_conn_;
};

} // namespace vp::ovpn
