// An OpenVPN client link over TCP (protocol = "tcp"): each attempt asks a worker for an active
// open from the link's local port to the server (InjectAction::TcpConnect), and once the stream is
// open runs a fresh ovpn::Client over it. The control plane's packets are Length16-framed onto
// the stream through the link's StreamLinks (the same code as the server's TCP clients); the
// events of the stream come back tagged with the link's port. The worker that holds the
// connection owns the session, and its OpenVPN stage keeps the server's data packets on it.
// With several workers under RSS the reply may land on another worker than the one that dialled:
// the attempt then times out and the next one dials from the next worker.
#include "base/log.hpp"
#include "control/ovpn/client_link.hpp"
#include "dataplane/tcp/stream_types.hpp"

#include <rte_byteorder.h>
#include <rte_mbuf.h>

namespace vp::ovpn {

void ClientLink::dial(uint64_t now_ms) {
    client_.reset();
    stream_open_ = false;
    conn_.reset();
    dial_started_ms_ = now_ms;
    auto [local_be, wan_port] = wdp_.local_address(server_);
    (void)wan_port;
    local_ip_ = rte_be_to_cpu_32(local_be);
    dp::InjectEntry e{nullptr, dp::InjectAction::TcpConnect, 0, {}};
    e.payload.connect = {server_.address, local_ip_, server_.port, local_port_, local_port_};
    WorkerId worker = owner_ < dp_.worker_count() ? owner_ : 0;
    if (!dp_.inject(e, worker)) {
        drop("TCP: the worker's inject ring is full", now_ms);
        return;
    }
    owner_ = worker;
    log::info(log::Topic::Ovpn, "ovpn-client {}: connecting to {} over TCP from {}:{} (worker {})",
              config_.name, server_.to_string(), net::to_string(local_ip_), local_port_, worker);
}

void ClientLink::stream_opened(uint64_t now_ms) {
    stream_open_ = true;
    wdp_.streams().open(server_, *conn_, owner_, local_port_);
    new_client(now_ms);
    if (!client_) return; // the attempt failed (its wrapping keys)
    log::info(log::Topic::Ovpn, "ovpn-client {}: TCP connection to {} open", config_.name,
              server_.to_string());
    send_all(now_ms);
}

void ClientLink::end_stream(bool graceful) {
    if (!config_.tcp) return;
    StreamLinks& links = wdp_.streams();
    StreamLink* link = links.find(server_);
    if (conn_) {
        bool closed = false;
        if (link && graceful && stream_open_) {
            links.pump(*link, true); // hands over what is queued (the EXIT) and closes
            if (!link->close_sent) {
                // A chain is still in flight: the close follows it on the same inject ring.
                dp::InjectEntry e{nullptr, dp::InjectAction::TcpClose, 0, {}};
                e.payload.tcp = {*conn_, local_port_, dp::no_session};
                dp_.inject(e, owner_);
            }
            closed = true;
        }
        if (!closed) { // not open yet, or the link failed: reset it
            dp::InjectEntry e{nullptr, dp::InjectAction::TcpAbort, 0, {}};
            e.payload.tcp = {*conn_, local_port_, dp::no_session};
            dp_.inject(e, owner_);
        }
    }
    links.erase(server_);
    conn_.reset();
    stream_open_ = false;
}

void ClientLink::on_stream(const dp::PuntEntry& e, uint64_t now_ms) {
    const auto& ev = e.payload.tcp_stream;
    rte_mbuf* m = e.mbuf;
    if (!config_.tcp || (state_ != LinkState::Connecting && state_ != LinkState::Connected)) {
        if (ev.event == dp::TcpEvent::Connecting && tcp::ConnHandle::unpack(ev.conn).valid()) {
            dp::InjectEntry abort{nullptr, dp::InjectAction::TcpAbort, 0, {}};
            abort.payload.tcp = {ev.conn, local_port_, dp::no_session};
            dp_.inject(abort, e.worker);
        }
        rte_pktmbuf_free(m);
        return;
    }
    if (ev.event == dp::TcpEvent::Connecting) {
        rte_pktmbuf_free(m);
        if (conn_ || client_) return; // not ours (a late answer)
        if (!tcp::ConnHandle::unpack(ev.conn).valid()) {
            drop("TCP: the worker could not open a connection from port " +
                     std::to_string(local_port_) + " (the previous one is still closing?)",
                 now_ms);
            return;
        }
        conn_ = ev.conn;
        return;
    }
    if (!conn_ || ev.conn != *conn_) { // an earlier attempt's connection
        rte_pktmbuf_free(m);
        return;
    }
    StreamLink* link = wdp_.streams().find(server_);
    switch (ev.event) {
    case dp::TcpEvent::Opened:
        rte_pktmbuf_free(m); // the FlowKey: we know it
        if (!stream_open_) stream_opened(now_ms);
        return;
    case dp::TcpEvent::Data:
        if (!link || !client_) {
            rte_pktmbuf_free(m);
            return;
        }
        for (rte_mbuf* seg = m; seg; seg = seg->next)
            link->reader.feed({rte_pktmbuf_mtod(seg, const uint8_t*), seg->data_len});
        rte_pktmbuf_free(m);
        while (auto packet = link->reader.next()) {
            if (packet->empty()) continue;
            client_->receive(*packet, now_ms);
            if (client_->phase() == ClientPhase::Failed) break;
        }
        on_timer(now_ms);
        return;
    case dp::TcpEvent::PeerClosed:
        rte_pktmbuf_free(m);
        drop("TCP: the server closed the connection", now_ms);
        return;
    case dp::TcpEvent::Closed:
        rte_pktmbuf_free(m);
        wdp_.streams().erase(server_);
        conn_.reset(); // nothing left to abort
        drop(stream_open_ ? "TCP: the connection was reset"
                          : "TCP: the server refused or did not answer the connection",
             now_ms);
        return;
    case dp::TcpEvent::Sent:
        if (link) wdp_.streams().on_sent(*link);
        break;
    case dp::TcpEvent::SendRefused:
        if (link)
            wdp_.streams().on_refused(*link, m);
        else
            rte_pktmbuf_free(m);
        break;
    case dp::TcpEvent::Writable:
        if (link) wdp_.streams().on_writable(*link);
        break;
    default:
        rte_pktmbuf_free(m);
        break;
    }
    if (link) wdp_.streams().pump(*link);
}

} // namespace vp::ovpn
