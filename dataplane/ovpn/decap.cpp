// OpenVPN receive path on the workers: DATA_V2 packets are steered by peer-id (DATA_V1 by the
// client's endpoint) to their session's owner worker; there the key slot is chosen by key id,
// AEAD packet-ids are checked against the replay window before any crypto, and the whole burst
// is decrypted with one submission to the crypto engine. Authenticated packets then update the
// replay window and the last-seen time, may move the client to a new endpoint, are absorbed
// when they are keepalive pings, reported when they are OCC EXIT, and otherwise continue as
// inner IPv4 packets through Worker::session_input(). Everything else on the port goes to the
// control plane.
#include "dataplane/ovpn/outer.hpp"
#include "dataplane/ovpn/ovpn_session.hpp"
#include "dataplane/ovpn/stage.hpp"
#include "dataplane/ovpn/wire.hpp"
#include "dataplane/worker/worker.hpp"

#include <cstring>

namespace vp::dp::ovpn {

namespace {

uint32_t read_be32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
           static_cast<uint32_t>(p[2]) << 8 | p[3];
}

DropReason drop_reason_of(crypto::OpStatus status) {
    switch (status) {
    case crypto::OpStatus::AuthFailed:
        return DropReason::ovpn_auth_failed;
    case crypto::OpStatus::BadPadding:
        return DropReason::ovpn_bad_padding;
    case crypto::OpStatus::BadLength:
        return DropReason::ovpn_bad_length;
    default:
        return DropReason::crypto_error;
    }
}

// The per-session and per-key counters of a burst, accumulated over runs of consecutive packets
// of one key slot and written once per run (not once per packet).
class RunCounters {
public:
    ~RunCounters() { flush(); }
    void add(OvpnSession& s, OvpnKeySlot& slot, uint32_t slot_bytes) {
        if (&slot != slot_) {
            flush();
            s_ = &s;
            slot_ = &slot;
        }
        ++slot_packets_;
        slot_bytes_ += slot_bytes;
    }
    void add_inner(uint32_t bytes) { // an inner packet of the current run's session
        ++packets_;
        bytes_ += bytes;
    }
    void flush() {
        if (!slot_) return;
        slot_->rx_packets.add(slot_packets_);
        slot_->rx_bytes.add(slot_bytes_);
        s_->counters.rx_packets.add(packets_);
        s_->counters.rx_bytes.add(bytes_);
        slot_ = nullptr;
        slot_packets_ = slot_bytes_ = packets_ = bytes_ = 0;
    }

private:
    OvpnSession* s_ = nullptr;
    OvpnKeySlot* slot_ = nullptr;
    uint64_t slot_packets_ = 0, slot_bytes_ = 0, packets_ = 0, bytes_ = 0;
};

} // namespace

void WorkerStage::udp_input(PortId port, rte_mbuf* m) {
    OuterUdp outer;
    DataHeader h;
    if (!locate_udp_payload(m, outer) || !parse_data_header(outer.payload, outer.payload_len, h)) {
        w_.punt(m, PuntReason::OvpnControl, port); // control channel, resets, garbage
        return;
    }
    Session* s = nullptr;
    if (h.opcode == op_data_v2) {
        s = w_.dataplane().sessions().get(h.peer_id);
    } else if (auto id =
                   w_.dataplane().ovpn_v1_peers().find({outer.src_ip_be, outer.src_port_be})) {
        s = w_.dataplane().sessions().get(*id);
    }
    if (!s || s->kind != SessionKind::Ovpn) {
        // An unknown peer: the control plane decides (a restarted client, a stale peer-id).
        w_.punt(m, PuntReason::OvpnControl, port);
        return;
    }
    if (s->owner != w_.id()) {
        w_.handoff(*s, m, HandoffKind::Decap);
        return;
    }
    decap_add(static_cast<OvpnSession&>(*s), m, outer, h); // headers parsed once
}

void WorkerStage::udp_input_burst(PortId port, rte_mbuf* const* pkts, uint16_t n) {
    for (uint16_t i = 0; i < n; ++i)
        udp_input(port, pkts[i]);
}

void WorkerStage::decap_add(OvpnSession& s, rte_mbuf* m, rte_mbuf* gather_src) {
    OuterUdp outer;
    DataHeader h;
    if (!locate_udp_payload(m, outer) || !parse_data_header(outer.payload, outer.payload_len, h)) {
        if (gather_src) rte_pktmbuf_free(gather_src);
        w_.drop(m, DropReason::ovpn_short);
        return;
    }
    decap_add(s, m, outer, h, gather_src);
}

void WorkerStage::decap_add(OvpnSession& s, rte_mbuf* m, const OuterUdp& outer, const DataHeader& h,
                            rte_mbuf* gather_src) {
    OvpnKeySlot* slot = s.slot_for_key(h.key_id);
    if (!slot) {
        if (gather_src) rte_pktmbuf_free(gather_src);
        s.counters.rx_dropped.inc();
        w_.drop(m, DropReason::ovpn_no_key);
        return;
    }
    const crypto::DataKey& key = *slot->rx;
    bool aead = crypto::is_aead(key.cipher());
    uint32_t region_offset = h.header_len + (aead ? 4u : 0u);
    if (outer.payload_len < region_offset + key.header_bytes()) {
        if (gather_src) rte_pktmbuf_free(gather_src);
        s.counters.rx_dropped.inc();
        w_.drop(m, DropReason::ovpn_short);
        return;
    }
    uint32_t packet_id = 0;
    if (aead) {
        packet_id = read_be32(outer.payload + h.header_len);
        // A cheap reject before any crypto; accept() only after the packet authenticated.
        if (s.replay_protection && slot->replay.check(packet_id) != crypto::ReplayVerdict::Ok) {
            if (gather_src) rte_pktmbuf_free(gather_src);
            s.counters.rx_dropped.inc();
            w_.drop(m, DropReason::ovpn_replay);
            return;
        }
    }
    crypto::DataOp& op = decap_ops_[n_decap_];
    op = crypto::DataOp{};
    op.key = &key;
    op.direction = crypto::Direction::Open;
    op.data = outer.payload + region_offset;
    op.len = outer.payload_len - region_offset;
    if (aead) {
        // DATA_V2: AAD = opcode/peer-id and packet-id; DATA_V1: the packet-id alone.
        op.aad = h.opcode == op_data_v2 ? outer.payload : outer.payload + h.header_len;
        op.aad_len = h.opcode == op_data_v2 ? 8 : 4;
        op.packet_id = outer.payload + h.header_len;
    }
    if (gather_src) {
        // stream_input copied at least the data header (region_offset bytes) into m.
        crypto::GatherSrc& g = decap_gather_[n_decap_];
        g.offset -= region_offset;
        op.src = &g;
    }
    const uint64_t endpoint = OvpnSession::pack_endpoint(outer.src_ip_be, outer.src_port_be);
    decap_[n_decap_++] = DecapItem{m, &s, slot, endpoint, packet_id, gather_src};
    if (n_decap_ == max_burst) decap_flush();
}

void WorkerStage::decap_flush() {
    uint16_t n = n_decap_;
    if (n == 0) return;
    n_decap_ = 0;
    uint64_t t0 = w_.stage_clock();
    w_.crypto().process({decap_ops_, n});
    for (uint16_t i = 0; i < n; ++i)
        if (decap_[i].gather_src) rte_pktmbuf_free(decap_[i].gather_src); // read, not needed
    rte_mbuf* inner[max_burst];
    Session* inner_session[max_burst];
    uint16_t n_inner = 0, n_ok = 0;
    RunCounters run;
    OvpnSession* last_seen = nullptr;
    for (uint16_t i = 0; i < n; ++i) {
        DecapItem& item = decap_[i];
        const crypto::DataOp& op = decap_ops_[i];
        OvpnSession& s = *item.session;
        rte_mbuf* m = item.m;
        if (op.status != crypto::OpStatus::Ok) {
            s.counters.rx_dropped.inc();
            w_.drop(m, drop_reason_of(op.status));
            continue;
        }
        uint8_t* payload = op.data + op.out_offset;
        uint32_t len = op.out_len;
        uint32_t packet_id = item.packet_id;
        if (!crypto::is_aead(item.slot->rx->cipher())) { // the packet-id is inside the body
            packet_id = read_be32(payload);
            payload += 4;
            len -= 4;
        }
        if (s.replay_protection &&
            item.slot->replay.accept(packet_id) != crypto::ReplayVerdict::Ok) {
            s.counters.rx_dropped.inc();
            w_.drop(m, DropReason::ovpn_replay);
            continue;
        }
        if (&s != last_seen) { // the same value for the whole burst
            s.last_rx_tsc.store(w_.now_tsc(), std::memory_order_relaxed);
            last_seen = &s;
        }
        run.add(s, *item.slot, len);
        ++n_ok;
        // The client may move (NAT rebinding, roaming): only an authenticated packet moves it.
        if (item.endpoint != s.endpoint.load(std::memory_order_relaxed)) {
            s.endpoint.store(item.endpoint, std::memory_order_release);
            w_.count(WorkerCounter::ovpn_floats);
            w_.punt(nullptr, PuntReason::SessionEvent, s.wan_port,
                    {.session_event = {s.id, static_cast<uint32_t>(OvpnEvent::Floated)}});
        }
        if (s.compression == OvpnCompression::NoneLzo && len > 0) {
            if (payload[0] != comp_none_byte) {
                s.counters.rx_dropped.inc();
                w_.drop(m, DropReason::ovpn_compressed);
                continue;
            }
            ++payload;
            --len;
        }
        if (len == ping_magic.size() && std::memcmp(payload, ping_magic.data(), len) == 0) {
            w_.count(WorkerCounter::ovpn_pings_rx);
            rte_pktmbuf_free(m);
            continue;
        }
        if (len > occ_magic.size() &&
            std::memcmp(payload, occ_magic.data(), occ_magic.size()) == 0) {
            if (payload[occ_magic.size()] == occ_exit) {
                w_.punt(nullptr, PuntReason::SessionEvent, s.wan_port,
                        {.session_event = {s.id, static_cast<uint32_t>(OvpnEvent::ExplicitExit)}});
                rte_pktmbuf_free(m);
            } else {
                w_.drop(m, DropReason::ovpn_occ_ignored);
            }
            continue;
        }
        if (len < sizeof(rte_ipv4_hdr) || (payload[0] >> 4) != 4) {
            s.counters.rx_dropped.inc();
            w_.drop(m, DropReason::ovpn_not_ipv4);
            continue;
        }
        run.add_inner(len);
        // Zero-copy: the inner packet stays where it was decrypted; the mbuf now starts 14
        // bytes before it (the Ethernet header the forward stage will write).
        auto offset = static_cast<uint16_t>(payload - rte_pktmbuf_mtod(m, uint8_t*));
        rte_pktmbuf_adj(m, static_cast<uint16_t>(offset - sizeof(rte_ether_hdr)));
        rte_pktmbuf_trim(
            m, static_cast<uint16_t>(rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr) - len));
        inner[n_inner] = m;
        inner_session[n_inner++] = &s;
    }
    run.flush();
    w_.count(WorkerCounter::ovpn_decrypted, n_ok);
    w_.stage_done(dp::Stage::ovpn_decap, n, t0);
    if (n_inner) w_.session_input_burst(inner_session, inner, n_inner);
}

} // namespace vp::dp::ovpn
