// The OpenVPN data channel's stage on one worker: its per-worker state (the bursts of packets
// waiting for one crypto submission each way) and its entry in the workers' protocol table.
// Receive path in decap.cpp, transmit path in encap.cpp.
#pragma once

#include "crypto/engine.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/ovpn/outer.hpp"
#include "dataplane/ovpn/ovpn_session.hpp"
#include "dataplane/ovpn/wire.hpp"
#include "dataplane/session/protocol.hpp"

#include <rte_mbuf.h>

#include <cstdint>

namespace vp::dp {
class Worker;
}

namespace vp::dp::ovpn {

// The table entry (dataplane/session/protocols.cpp lists it).
ProtocolStage protocol_stage();

class WorkerStage {
public:
    explicit WorkerStage(Worker& worker) : w_(worker) {}
    WorkerStage(const WorkerStage&) = delete;
    WorkerStage& operator=(const WorkerStage&) = delete;

    // A UDP datagram to the OpenVPN port: steer data packets to their session's owner, punt the
    // rest.
    void udp_input(PortId port, rte_mbuf* m);
    // The same for a burst of datagrams (IPv4 input's dispatch without the per-packet calls).
    void udp_input_burst(PortId port, rte_mbuf* const* pkts, uint16_t n);
    // One Length16 unit of an OpenVPN/TCP stream (dataplane/ovpn/stream.cpp): a data packet of
    // the stream's session is decrypted here like a datagram (true, consumed); anything else is
    // left for the control plane (false).
    bool stream_input(const StreamUnit& unit);
    // A data packet of `session`, on its owner: checked and queued for decryption. With
    // `gather_src` (stream_input), the packet's bytes from the start of the gather list that
    // stream_input wrote into next_gather() on are still in that chain: they are decrypted from
    // there into m, and the chain is freed after the burst's crypto.
    void decap_add(OvpnSession& session, rte_mbuf* m, rte_mbuf* gather_src = nullptr);
    // The same with its outer UDP payload and data header already parsed (udp_input).
    void decap_add(OvpnSession& session, rte_mbuf* m, const OuterUdp& outer, const DataHeader& h,
                   rte_mbuf* gather_src = nullptr);
    void decap_flush();
    // An inner packet for `session`, on its owner: framed and queued for encryption.
    void encap_add(OvpnSession& session, rte_mbuf* m);
    void encap_flush();
    void send_ping(OvpnSession& session);

private:
    struct DecapItem {
        rte_mbuf* m;
        OvpnSession* session;
        OvpnKeySlot* slot;
        uint64_t endpoint;    // the outer source, OvpnSession::pack_endpoint form
        uint32_t packet_id;   // AEAD: from the wire (checked against replay before decrypting)
        rte_mbuf* gather_src; // the chain the ciphertext is read from, or null (in place)
    };
    struct EncapItem {
        rte_mbuf* m;
        OvpnSession* session;
        OvpnKeySlot* slot;
        uint16_t udp_payload_header; // opcode/peer-id (+ packet-id for AEAD) bytes
    };

    Worker& w_;
    uint16_t n_decap_ = 0, n_encap_ = 0;
    DecapItem decap_[max_burst];
    crypto::DataOp decap_ops_[max_burst];
    // The gather list of decap_[i], when it has one; offset counted from the packet's start
    // (after the Length16 prefix) until decap_add rebases it on the op's region.
    crypto::GatherSrc decap_gather_[max_burst];
    EncapItem encap_[max_burst];
    crypto::DataOp encap_ops_[max_burst];
};

} // namespace vp::dp::ovpn
