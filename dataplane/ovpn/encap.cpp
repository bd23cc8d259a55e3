// OpenVPN transmit path, on the session's owner worker: an inner packet routed into the session
// gets the data-channel header (DATA_V2 with our peer-id, or DATA_V1), the next packet-id of the
// current key (strictly increasing per key), and is sealed in place; the burst is encrypted with
// one crypto submission, then each packet gets its outer IPv4/UDP header towards the client's
// current endpoint and is routed like any packet the appliance originates, or (OpenVPN over
// TCP) gets the 2-byte length prefix and is queued on the client's stream.
//
// Layout built in front of the inner packet (the mbuf's headroom holds it):
//   [Ethernet 14][IPv4 20][UDP 8][op|key_id (peer-id)][packet-id 4][tag 16][inner]       AEAD
//   [Ethernet 14][IPv4 20][UDP 8][op|key_id (peer-id)][HMAC][IV 16][packet-id 4][inner]  CBC
// (with a 0xFA byte before the inner packet when the session speaks "comp-lzo no" framing).
#include "dataplane/ovpn/outer.hpp"
#include "dataplane/ovpn/ovpn_session.hpp"
#include "dataplane/ovpn/stage.hpp"
#include "dataplane/ovpn/wire.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ip.h>
#include <rte_udp.h>

#include <cstring>

namespace vp::dp::ovpn {

namespace {

constexpr uint16_t outer_headers =
    sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr);

void write_be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

// Packets whose headroom is short of the headers in front (a fragment built in a fresh mbuf, with
// a long CBC+HMAC header): move the data towards the tail, when the tailroom keeps `tail` bytes
// free after it (the cipher's padding).
bool make_headroom(rte_mbuf* m, uint16_t front, uint32_t tail) {
    uint16_t shift = static_cast<uint16_t>(front - rte_pktmbuf_headroom(m));
    if (rte_pktmbuf_tailroom(m) < shift + tail) return false;
    auto* data = rte_pktmbuf_mtod(m, uint8_t*);
    std::memmove(data + shift, data, rte_pktmbuf_data_len(m));
    m->data_off = static_cast<uint16_t>(m->data_off + shift);
    return true;
}

} // namespace

void WorkerStage::encap_add(OvpnSession& s, rte_mbuf* m) {
    OvpnKeySlot* slot = s.tx_key();
    if (!slot) {
        w_.drop(m, DropReason::session_no_keys);
        return;
    }
    if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0) {
        w_.drop(m, DropReason::mbuf_exhausted);
        return;
    }
    const crypto::DataKey& key = *slot->tx;
    bool aead = crypto::is_aead(key.cipher());
    uint32_t inner_len = rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr);
    uint16_t op_len = s.data_v2 ? 4 : 1;
    uint16_t comp = s.compression == OvpnCompression::NoneLzo ? 1 : 0;
    // Bytes between the UDP header and the protected region, and inside the region before the
    // inner packet.
    uint16_t udp_payload_header = static_cast<uint16_t>(op_len + (aead ? 4 : 0));
    uint16_t body_prefix = static_cast<uint16_t>((aead ? 0 : 4) + comp);
    uint16_t front = static_cast<uint16_t>(outer_headers + udp_payload_header + key.header_bytes() +
                                           body_prefix);
    rte_pktmbuf_adj(m, sizeof(rte_ether_hdr));
    if (rte_pktmbuf_headroom(m) < front && !make_headroom(m, front, key.tail_bytes())) {
        w_.drop(m, DropReason::no_headroom);
        return;
    }
    uint32_t packet_id = slot->tx_packet_id.load(std::memory_order_relaxed) + 1;
    if (packet_id == 0) { // never wrap: the control plane renegotiates long before
        w_.drop(m, DropReason::ovpn_pid_exhausted);
        return;
    }
    auto* start = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, front));
    if (!start ||
        (key.tail_bytes() && !rte_pktmbuf_append(m, static_cast<uint16_t>(key.tail_bytes())))) {
        w_.drop(m, DropReason::no_headroom);
        return;
    }
    slot->tx_packet_id.store(packet_id, std::memory_order_relaxed);
    uint8_t* p = start + outer_headers; // the UDP payload
    if (s.data_v2)
        write_data_v2_header(p, slot->key_id, s.id);
    else
        p[0] = header_byte(op_data_v1, slot->key_id);
    uint8_t* region = p + udp_payload_header;
    uint8_t* body = region + key.header_bytes();
    crypto::DataOp& op = encap_ops_[n_encap_];
    op = crypto::DataOp{};
    op.key = &key;
    op.direction = crypto::Direction::Seal;
    op.data = region;
    if (aead) {
        write_be32(p + op_len, packet_id);
        op.packet_id = p + op_len;
        op.aad = s.data_v2 ? p : p + op_len;
        op.aad_len = s.data_v2 ? 8 : 4;
    } else {
        write_be32(body, packet_id);
    }
    if (comp) body[body_prefix - 1] = comp_none_byte;
    op.len = body_prefix + inner_len;
    encap_[n_encap_++] = EncapItem{m, &s, slot, udp_payload_header};
    if (n_encap_ == max_burst) encap_flush();
}

void WorkerStage::encap_flush() {
    uint16_t n = n_encap_;
    if (n == 0) return;
    n_encap_ = 0;
    uint64_t t0 = w_.stage_clock();
    w_.crypto().process({encap_ops_, n});
    rte_mbuf* ready[max_burst];
    uint16_t n_ready = 0, n_stream = 0;
    // Counters written once per run of consecutive packets of one key slot.
    OvpnKeySlot* run_slot = nullptr;
    OvpnSession* run_session = nullptr;
    uint64_t run_packets = 0, run_bytes = 0;
    auto flush_run = [&] {
        if (!run_slot) return;
        run_slot->tx_packets.add(run_packets);
        run_slot->tx_bytes.add(run_bytes);
        run_session->counters.tx_packets.add(run_packets);
        run_session->counters.tx_bytes.add(run_bytes);
        run_session->last_tx_tsc.store(w_.now_tsc(), std::memory_order_relaxed);
        run_slot = nullptr;
        run_packets = run_bytes = 0;
    };
    for (uint16_t i = 0; i < n; ++i) {
        EncapItem& item = encap_[i];
        const crypto::DataOp& op = encap_ops_[i];
        rte_mbuf* m = item.m;
        OvpnSession& s = *item.session;
        if (op.status != crypto::OpStatus::Ok) {
            w_.drop(m, DropReason::crypto_error);
            continue;
        }
        uint16_t payload_len = static_cast<uint16_t>(item.udp_payload_header + op.out_len);
        uint16_t ip_len =
            static_cast<uint16_t>(sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr) + payload_len);
        rte_pktmbuf_trim(
            m, static_cast<uint16_t>(rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr) - ip_len));
        if (item.slot != run_slot) {
            flush_run();
            run_slot = item.slot;
            run_session = &s;
        }
        ++run_packets;
        run_bytes += op.out_len;
        if (s.stream) {
            // OpenVPN/TCP: the same packet with the 2-byte length in place of IPv4/UDP, queued
            // on the client's stream without copying the payload.
            rte_pktmbuf_adj(m, static_cast<uint16_t>(outer_headers - 2));
            auto* len = rte_pktmbuf_mtod(m, uint8_t*);
            len[0] = static_cast<uint8_t>(payload_len >> 8);
            len[1] = static_cast<uint8_t>(payload_len);
            if (!w_.tcp_stream_send(s.stream_conn, m)) w_.count_drop(DropReason::ovpn_stream_full);
            ++n_stream;
            continue;
        }
        uint64_t endpoint = s.endpoint.load(std::memory_order_acquire);
        write_outer_header(rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, sizeof(rte_ether_hdr)),
                           {s.local_ip_be, static_cast<uint32_t>(endpoint >> 16), s.local_port_be,
                            static_cast<uint16_t>(endpoint), payload_len, w_.next_ip_id()});
        ready[n_ready++] = m;
    }
    flush_run();
    w_.count(WorkerCounter::ovpn_encrypted, n_ready + n_stream);
    w_.stage_done(dp::Stage::ovpn_encap, n, t0);
    if (n_ready) w_.route_originated_burst(ready, n_ready);
}

void WorkerStage::send_ping(OvpnSession& s) {
    rte_mbuf* m = rte_pktmbuf_alloc(w_.dataplane().pool());
    if (!m) {
        w_.count_drop(DropReason::mbuf_exhausted);
        return;
    }
    auto* data = rte_pktmbuf_mtod(m, uint8_t*);
    rte_pktmbuf_append(m, static_cast<uint16_t>(sizeof(rte_ether_hdr) + ping_magic.size()));
    std::memcpy(data + sizeof(rte_ether_hdr), ping_magic.data(), ping_magic.size());
    w_.count(WorkerCounter::ovpn_pings_tx);
    encap_add(s, m);
}

} // namespace vp::dp::ovpn
