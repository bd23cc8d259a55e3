// The worker's side of its TCP engine: segments for listening ports go in (the engine owns them
// from there), the segments it emits come out with room for an Ethernet header and are routed
// like any packet the appliance originates, and the events of connections whose consumer is the
// control plane go to the punt ring. Stream operations the control plane asks for arrive on the
// inject ring; a chain the engine has no room for goes back (SendRefused) and is offered again
// after the engine reports the connection writable, so bytes are never reordered or lost.
// A listening port that a protocol stage claims for streams (OpenVPN over TCP) first offers each
// punted unit to that stage, which keeps its data packets on the worker; its Opened events carry
// the connection's FlowKey in a small mbuf so that the control plane learns the client's address.
#include "dataplane/tcp/client_ports.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ether.h>

#include <algorithm>
#include <cstring>

namespace vp::dp {

namespace {

TcpEvent event_of(tcp::PuntEvent::Kind k) {
    switch (k) {
    case tcp::PuntEvent::Kind::Opened:
        return TcpEvent::Opened;
    case tcp::PuntEvent::Kind::Data:
        return TcpEvent::Data;
    case tcp::PuntEvent::Kind::PeerClosed:
        return TcpEvent::PeerClosed;
    case tcp::PuntEvent::Kind::Writable:
        return TcpEvent::Writable;
    case tcp::PuntEvent::Kind::Closed:
        break;
    }
    return TcpEvent::Closed;
}

} // namespace

void Worker::tcp_input(rte_mbuf* m) {
    rte_pktmbuf_adj(m, sizeof(rte_ether_hdr)); // the engine takes packets from the IPv4 header
    tcp_->input(m, now_tsc_ * 1000000 / tsc_hz_, tcp_out_);
    tcp_flush();
}

void Worker::tcp_poll() {
    tcp_->poll(now_tsc_ * 1000000 / tsc_hz_, tcp_out_);
    tcp_flush();
}

const Worker::ProtocolSlot* Worker::stream_protocol(uint16_t listen_port) const {
    if (listen_port == 0) return nullptr;
    for (const ProtocolSlot& proto : protocols_)
        if (proto.stage && proto.stage->tcp_port && proto.stage->stream_input &&
            (policy_->*proto.stage->tcp_port == listen_port ||
             // The OpenVPN client links' streams (tagged with the link's port) as the server's.
             (proto.stage->tcp_port == &WorkerPolicy::ovpn_tcp_port &&
              policy_->ovpn_client_port(listen_port)) ||
             // The SSTP client links' streams: records once the link handed them over.
             (proto.stage->tcp_port == &WorkerPolicy::sstp_tcp_port &&
              sstp_client_port(listen_port))))
            return &proto;
    return nullptr;
}

bool Worker::tcp_stream_send(uint64_t conn, rte_mbuf* m) {
    if (tcp_ && tcp_->send(tcp::ConnHandle::unpack(conn), m)) return true;
    rte_pktmbuf_free(m);
    return false;
}

void Worker::tcp_flush() {
    for (uint16_t i = 0; i < tcp_out_.count; ++i) {
        rte_mbuf* m = tcp_out_.pkts[i];
        if (!rte_pktmbuf_prepend(m, sizeof(rte_ether_hdr))) {
            drop(m, DropReason::no_headroom);
            continue;
        }
        route_originated(m);
    }
    tcp_out_.count = 0;
    tcp::PuntEvent events[16];
    size_t n;
    bool stream_units = false;
    // While the control plane is behind (the punt ring full), events stay in the engine and their
    // data in the receive buffer, which closes the window: the peer waits rather than the
    // connection being ended for a full ring (still the fallback if other workers fill the room).
    size_t room;
    while ((room = std::min<size_t>(16, rte_ring_free_count(dp_.punt_ring()))) > 0 &&
           (n = tcp_->punt_poll(events, room)) > 0) {
        for (size_t i = 0; i < n; ++i) {
            const tcp::PuntEvent& e = events[i];
            uint64_t h = e.conn.pack();
            rte_mbuf* data = e.data;
            auto listen_port = static_cast<uint16_t>(e.user_data);
            if (const ProtocolSlot* proto = stream_protocol(listen_port)) {
                if (e.kind == tcp::PuntEvent::Kind::Data && data &&
                    proto->stage->stream_input(proto->state,
                                               {h, e.flow.remote_ip, e.flow.local_ip,
                                                e.flow.remote_port, e.flow.local_port, data,
                                                static_cast<uint32_t>(e.user_data >> 32)})) {
                    stream_units = true;
                    continue;
                }
                if (e.kind == tcp::PuntEvent::Kind::Opened) {
                    // Rare (once per connection): tell the control plane who connected.
                    data = rte_pktmbuf_alloc(dp_.pool());
                    if (data) {
                        auto* p = rte_pktmbuf_append(data, sizeof e.flow);
                        std::memcpy(p, &e.flow, sizeof e.flow);
                    }
                }
            }
            PuntEntry p{data, PuntReason::TcpStream, 0, id_,
                        PuntPayload{.tcp_stream = {h, event_of(e.kind),
                                                   static_cast<uint16_t>(e.user_data)}}};
            if (rte_ring_mp_enqueue_elem(dp_.punt_ring(), &p, sizeof p) != 0) {
                // The control plane would lose track of this connection: end it.
                if (data) rte_pktmbuf_free(data);
                stats_.drop(DropReason::punt_ring_full).inc();
                if (e.kind != tcp::PuntEvent::Kind::Closed) tcp_->abort(e.conn);
                continue;
            }
            count(WorkerCounter::punted);
        }
    }
    if (stream_units) flush_protocol_input();
}

void Worker::tcp_inject(const InjectEntry& e) {
    if (!tcp_) {
        if (e.mbuf) drop(e.mbuf, DropReason::inject_invalid);
        return;
    }
    tcp::ConnHandle h = tcp::ConnHandle::unpack(e.payload.tcp.conn);
    switch (e.action) {
    case InjectAction::TcpSend: {
        uint64_t packed = h.pack();
        bool sent = tcp_->send(h, e.mbuf);
        PuntEntry p{
            sent ? nullptr : e.mbuf, PuntReason::TcpStream, 0, id_,
            PuntPayload{.tcp_stream = {packed, sent ? TcpEvent::Sent : TcpEvent::SendRefused,
                                       e.payload.tcp.listen_port}}};
        if (rte_ring_mp_enqueue_elem(dp_.punt_ring(), &p, sizeof p) != 0) {
            if (!sent) rte_pktmbuf_free(e.mbuf);
            stats_.drop(DropReason::punt_ring_full).inc();
            tcp_->abort(h);
        }
        break;
    }
    case InjectAction::TcpClose:
        tcp_->close(h);
        break;
    case InjectAction::TcpPuntResume:
        tcp_->punt_resume(h);
        break;
    case InjectAction::TcpPuntRelease: {
        // Whole records from now on; the session (if any) rides in the high half of the
        // connection's user data, which the punt path hands to the stage as StreamUnit::tag.
        SessionId session = e.payload.tcp.session;
        uint64_t tag = session == no_session ? 0 : uint64_t{session} + 1;
        tcp_->set_consumer(h, tcp::ConsumerKind::Punt, tag << 32 | e.payload.tcp.listen_port,
                           {tcp::PuntFraming::TlsRecords, false});
        break;
    }
    case InjectAction::TcpConnect: {
        const auto& c = e.payload.connect;
        tcp::ConnectParams params;
        params.flow = {c.remote_ip, c.local_ip, c.remote_port, c.local_port};
        params.consumer = tcp::ConsumerKind::Punt;
        // SSTP links: one TLS record at a time (TcpPuntResume) until TcpPuntRelease, as the
        // SSTP server's streams, so that OpenSSL takes no record past the hand-over point.
        const bool sstp = sstp_client_port(c.tag);
        params.punt = {sstp ? tcp::PuntFraming::TlsRecords : tcp::PuntFraming::Length16, sstp};
        params.user_data = c.tag;
        tcp::ConnHandle opened = tcp_->connect(params);
        PuntEntry p{nullptr, PuntReason::TcpStream, 0, id_,
                    PuntPayload{.tcp_stream = {opened.pack(), TcpEvent::Connecting, c.tag}}};
        if (rte_ring_mp_enqueue_elem(dp_.punt_ring(), &p, sizeof p) != 0) {
            stats_.drop(DropReason::punt_ring_full).inc();
            if (opened.valid()) tcp_->abort(opened);
        }
        break;
    }
    case InjectAction::TcpCookieSecret:
        if (rte_pktmbuf_data_len(e.mbuf) == 16)
            (void)tcp_->set_syn_cookie_secret(rte_pktmbuf_mtod(e.mbuf, const uint8_t*));
        else
            stats_.drop(DropReason::inject_invalid).inc();
        rte_pktmbuf_free(e.mbuf);
        return;
    default:
        tcp_->abort(h);
        break;
    }
    tcp_flush();
}

} // namespace vp::dp
