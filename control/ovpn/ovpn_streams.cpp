// OpenVPN over TCP, the control plane's part: the workers' TCP engine punts each OpenVPN/TCP
// connection's events and every Length16 unit it does not keep itself (control packets; data
// packets stay on the owner worker once the session's peer is published). The client is named
// by its address and port like a UDP client, so the same ovpn::Server runs its sessions: the
// reliability layer (acks, retransmissions) runs unchanged, as OpenVPN 2.6 keeps it over TCP,
// and so does the stateless HMAC-cookie reset handling (harmless over TCP, where the handshake
// already proved the address; the rate limit of initial replies is shared with UDP). Connections
// that have not completed their handshake are bounded in all and per source address
// (max_tcp_handshakes, max_tcp_handshakes_per_source): beyond them a new one is closed at once.
#include "base/log.hpp"
#include "control/ovpn/ovpn_service.hpp"
#include "dataplane/tcp/connection.hpp"

#include <rte_mbuf.h>

#include <cstring>

namespace vp::ctl {

std::vector<dp::TcpSettings::Listener>
OvpnService::listeners(const config::ApplianceConfig& config) {
    bool enabled = false;
    int port = 1194;
    std::string protocol = "udp";
    if (!config.raw) return {};
    config.raw->lookupValue("ovpn_server.enabled", enabled);
    config.raw->lookupValue("ovpn_server.port", port);
    config.raw->lookupValue("ovpn_server.protocol", protocol);
    if (!enabled || (protocol != "tcp" && protocol != "udp,tcp")) return {};
    return {{static_cast<uint16_t>(port), tcp::ConsumerKind::Punt,
             tcp::PuntMode{tcp::PuntFraming::Length16, false}}};
}

void OvpnService::on_stream(const dp::PuntEntry& e, uint64_t now_ms) {
    const auto& ev = e.payload.tcp_stream;
    ovpn::StreamLinks* links = worker_dp_ ? &worker_dp_->streams() : nullptr;
    if (ev.event == dp::TcpEvent::Opened) {
        // The worker attached the connection's FlowKey (host order).
        tcp::FlowKey flow;
        bool have_flow = e.mbuf && rte_pktmbuf_data_len(e.mbuf) == sizeof flow;
        if (have_flow) std::memcpy(&flow, rte_pktmbuf_mtod(e.mbuf, const void*), sizeof flow);
        rte_pktmbuf_free(e.mbuf);
        if (!links || !server_ || !enabled_ || !have_flow || !admit_tcp(ev.conn, flow.remote_ip)) {
            dp::InjectEntry close{
                nullptr, dp::InjectAction::TcpClose, 0, {.tcp = {ev.conn, ev.listen_port}}};
            dp_.inject(close, e.worker);
            return;
        }
        links->open({flow.remote_ip, flow.remote_port}, ev.conn, e.worker, ev.listen_port);
        return;
    }
    const ovpn::Endpoint* from = links ? links->endpoint_of(ev.conn) : nullptr;
    ovpn::StreamLink* s = from ? links->find(*from) : nullptr;
    if (!s) {
        rte_pktmbuf_free(e.mbuf);
        return;
    }
    ovpn::Endpoint client = *from;
    switch (ev.event) {
    case dp::TcpEvent::Data:
        for (rte_mbuf* seg = e.mbuf; seg; seg = seg->next)
            s->reader.feed({rte_pktmbuf_mtod(seg, const uint8_t*), seg->data_len});
        rte_pktmbuf_free(e.mbuf);
        while (auto packet = s->reader.next()) {
            if (packet->empty()) continue;
            server_->on_datagram(client, s->worker, *packet, now_ms, /*over_tcp=*/true);
            // The server may have closed the session (and nothing else) meanwhile.
            if (!(s = links->find(client))) return;
        }
        if (negotiating_.contains(ev.conn) && server_->handshake_complete(client))
            tcp_negotiated(ev.conn);
        break;
    case dp::TcpEvent::PeerClosed:
        server_->transport_closed(client, now_ms);
        links->pump(*s, true);
        return;
    case dp::TcpEvent::Sent:
        links->on_sent(*s);
        break;
    case dp::TcpEvent::SendRefused:
        links->on_refused(*s, e.mbuf);
        break;
    case dp::TcpEvent::Writable:
        links->on_writable(*s);
        break;
    case dp::TcpEvent::Closed:
        tcp_negotiated(ev.conn);
        server_->transport_closed(client, now_ms);
        links->erase(client);
        return;
    default:
        rte_pktmbuf_free(e.mbuf);
        break;
    }
    links->pump(*s);
}

bool OvpnService::admit_tcp(uint64_t conn, uint32_t source) {
    // A flood of connections that never finish their handshake would hold a session's TLS
    // state each: bounded in all and per source, before any TLS work.
    uint32_t& from_source = negotiating_by_source_[source];
    if (negotiating_.size() >= max_tcp_handshakes_ ||
        from_source >= max_tcp_handshakes_per_source_) {
        ++(negotiating_.size() >= max_tcp_handshakes_ ? tcp_.tcp_handshakes_refused
                                                      : tcp_.tcp_handshakes_refused_source);
        if (from_source == 0) negotiating_by_source_.erase(source);
        return false;
    }
    ++from_source;
    negotiating_[conn] = source;
    ++tcp_.tcp_handshakes_started;
    return true;
}

void OvpnService::tcp_negotiated(uint64_t conn) {
    auto it = negotiating_.find(conn);
    if (it == negotiating_.end()) return;
    auto src = negotiating_by_source_.find(it->second);
    if (src != negotiating_by_source_.end() && --src->second == 0)
        negotiating_by_source_.erase(src);
    negotiating_.erase(it);
}

} // namespace vp::ctl
