// OpenVPN over TCP on the workers: the owner worker's TCP engine cuts the client's stream into
// Length16 units (2-byte big-endian length + one OpenVPN packet). A DATA_V1/DATA_V2 unit of the
// session bound to that stream gets a synthetic outer IPv4/UDP header in place of its length
// prefix and enters the same decryption batch as a datagram (same key slots and replay window;
// TCP delivers in order, so the window never sees a legitimate packet out of order). A unit alone
// in its own buffer is decrypted where it lies; any other goes to a fresh mbuf, of which only the
// first bytes are copied: the decryption reads the rest from the segments (crypto::GatherSrc).
// Control packets (and data packets before the session exists) go on to the control plane.
#include "dataplane/ovpn/outer.hpp"
#include "dataplane/ovpn/ovpn_session.hpp"
#include "dataplane/ovpn/stage.hpp"
#include "dataplane/ovpn/wire.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_byteorder.h>

#include <algorithm>
#include <cstring>

namespace vp::dp::ovpn {

namespace {
constexpr uint16_t outer_headers =
    sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr);
// Bytes of a straddling unit copied before the gather list starts: the data header, packet-id
// and AEAD tag (24 bytes) and more, so that AES-GCM opens straight from the segments.
constexpr uint32_t gather_head = 64;

// The segments of chain m from byte `from` to its end, as a gather list (offset left to the
// caller). False when they are more than a list holds.
bool gather_list(const rte_mbuf* m, uint32_t from, crypto::GatherSrc& g) {
    g.n = 0;
    for (; m; m = m->next) {
        if (from >= m->data_len) {
            from -= m->data_len;
            continue;
        }
        if (g.n == crypto::GatherSrc::kMaxSegs) return false;
        g.segs[g.n++] = {rte_pktmbuf_mtod_offset(m, const uint8_t*, from), m->data_len - from};
        from = 0;
    }
    return true;
}
} // namespace

bool WorkerStage::stream_input(const StreamUnit& u) {
    rte_mbuf* m = u.m;
    uint32_t unit_len = rte_pktmbuf_pkt_len(m);
    uint8_t copy[6];
    uint32_t peek = std::min<uint32_t>(unit_len, sizeof copy);
    const auto* head = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, peek, copy));
    DataHeader h;
    // A partial unit (the stream ended inside it) or anything not data: the control plane's.
    if (!head || unit_len < 3 || (uint32_t{head[0]} << 8 | head[1]) != unit_len - 2 ||
        !parse_data_header(head + 2, peek - 2, h))
        return false;
    Session* s = nullptr;
    if (h.opcode == op_data_v2)
        s = w_.dataplane().sessions().get(h.peer_id);
    else if (auto id = w_.dataplane().ovpn_v1_peers().find(
                 {rte_cpu_to_be_32(u.remote_ip), rte_cpu_to_be_16(u.remote_port)}))
        s = w_.dataplane().sessions().get(*id);
    auto* os = s && s->kind == SessionKind::Ovpn ? static_cast<OvpnSession*>(s) : nullptr;
    if (!os || os->owner != w_.id() || !os->stream || os->stream_conn != u.conn) {
        w_.drop(m, DropReason::ovpn_stream_mismatch);
        return true;
    }
    uint32_t packet_len = unit_len - 2;
    // The engine packs stream bytes into shared buffers (data_off 0, indirect mbufs for a unit
    // that ends inside a segment): only a unit alone in its own buffer, with room in front, is
    // decrypted where it lies; any other is copied into a fresh mbuf first.
    bool in_place = m->nb_segs == 1 && RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
                    rte_pktmbuf_headroom(m) + 2 >= outer_headers;
    rte_mbuf* gather_src = nullptr;
    if (!in_place) {
        rte_mbuf* flat = rte_pktmbuf_alloc(w_.dataplane().pool());
        char* dst = flat ? rte_pktmbuf_append(flat, static_cast<uint16_t>(packet_len)) : nullptr;
        if (!dst || rte_pktmbuf_headroom(flat) < outer_headers) {
            if (flat) rte_pktmbuf_free(flat);
            w_.drop(m, DropReason::mbuf_exhausted);
            return true;
        }
        // Only the first bytes (data header, packet-id, tag) are copied; the rest is decrypted
        // from the segments straight into `flat` (decap_add, crypto::GatherSrc) and m is freed
        // after the burst's crypto. A unit over more segments than a gather list holds is
        // copied whole.
        uint32_t head_len = std::min(packet_len, gather_head);
        if (head_len < packet_len && gather_list(m, 2 + head_len, decap_gather_[n_decap_])) {
            decap_gather_[n_decap_].offset = head_len;
            gather_src = m;
        } else {
            head_len = packet_len;
        }
        const void* src = rte_pktmbuf_read(m, 2, head_len, dst);
        if (src && src != dst) std::memcpy(dst, src, head_len);
        if (!gather_src) rte_pktmbuf_free(m);
        m = flat;
    } else {
        rte_pktmbuf_adj(m, 2);
    }
    auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, outer_headers));
    if (!frame) {
        if (gather_src) rte_pktmbuf_free(gather_src);
        w_.drop(m, DropReason::no_headroom);
        return true;
    }
    write_outer_header(reinterpret_cast<rte_ipv4_hdr*>(frame + sizeof(rte_ether_hdr)),
                       {rte_cpu_to_be_32(u.remote_ip), rte_cpu_to_be_32(u.local_ip),
                        rte_cpu_to_be_16(u.remote_port), rte_cpu_to_be_16(u.local_port),
                        static_cast<uint16_t>(packet_len), 0});
    decap_add(*os, m, gather_src);
    return true;
}

} // namespace vp::dp::ovpn
