// StreamLinks: the control plane's side of the OpenVPN server's TCP streams.
#include "control/ovpn/stream_links.hpp"

#include "control/mbuf_chain.hpp"

#include <rte_mbuf.h>

namespace vp::ovpn {

namespace {

constexpr size_t chain_bytes = 64 * 1024; // one chain in flight per stream

} // namespace

StreamLinks::~StreamLinks() {
    for (auto& [e, s] : links_)
        rte_pktmbuf_free(s.refused);
}

StreamLink& StreamLinks::open(const Endpoint& client, uint64_t conn, dp::WorkerId worker,
                              uint16_t listen_port) {
    erase(client);
    StreamLink& s = links_[client];
    s.conn = conn;
    s.worker = worker;
    s.listen_port = listen_port;
    by_conn_[conn] = client;
    return s;
}

StreamLink* StreamLinks::find(const Endpoint& client) {
    auto it = links_.find(client);
    return it == links_.end() ? nullptr : &it->second;
}

const StreamLink* StreamLinks::find(const Endpoint& client) const {
    auto it = links_.find(client);
    return it == links_.end() ? nullptr : &it->second;
}

const Endpoint* StreamLinks::endpoint_of(uint64_t conn) const {
    auto it = by_conn_.find(conn);
    return it == by_conn_.end() ? nullptr : &it->second;
}

void StreamLinks::erase(const Endpoint& client) {
    auto it = links_.find(client);
    if (it == links_.end()) return;
    rte_pktmbuf_free(it->second.refused);
    by_conn_.erase(it->second.conn);
    links_.erase(it);
}

bool StreamLinks::send(const Endpoint& to, ByteSpan packet) {
    StreamLink* s = find(to);
    if (!s) return false;
    if (!s->close_sent) frame_length16(packet, s->pending);
    return true;
}

bool StreamLinks::inject(StreamLink& s, dp::InjectAction action, rte_mbuf* m) {
    dp::InjectEntry e{m, action, 0, {.tcp = {s.conn, s.listen_port}}};
    if (dp_.inject(e, s.worker)) return true;
    if (action == dp::InjectAction::TcpSend) {
        // The inject ring is full: the stream cannot go on in order.
        s.in_flight = false;
        s.pending.clear();
        s.close_sent = true;
    }
    return false;
}

void StreamLinks::pump(StreamLink& s, bool close_after) {
    s.closing = s.closing || close_after;
    if (s.close_sent || s.in_flight || s.waiting_writable) return;
    rte_mbuf* m = s.refused;
    s.refused = nullptr;
    if (!m && !s.pending.empty()) {
        size_t taken = 0;
        m = ctl::copy_to_chain(dp_.pool(), s.pending, chain_bytes, taken);
        s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<ptrdiff_t>(taken));
    }
    if (m) {
        s.in_flight = true;
        inject(s, dp::InjectAction::TcpSend, m);
        return;
    }
    if (s.closing) close(s);
}

void StreamLinks::pump_all() {
    for (auto& [e, s] : links_)
        pump(s);
}

void StreamLinks::on_refused(StreamLink& s, rte_mbuf* chain) {
    s.in_flight = false;
    rte_pktmbuf_free(s.refused);
    s.refused = chain;
    s.waiting_writable = true;
}

void StreamLinks::close(StreamLink& s) {
    if (s.close_sent) return;
    s.close_sent = true;
    inject(s, dp::InjectAction::TcpClose, nullptr);
}

} // namespace vp::ovpn
