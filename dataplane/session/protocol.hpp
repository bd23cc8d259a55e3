// The workers' protocol table: one entry per SessionKind, built once at start-up
// (dataplane/session/protocols.cpp), through which the protocol-neutral worker hands packets to a
// protocol's stage (dataplane/ovpn/, later dataplane/sstp/). Entries are plain function pointers
// over the protocol's own per-worker state: an indirect call, never a virtual one, and the
// protocol batches its packets itself (the flush hooks run once per burst, not per packet).
#pragma once

#include "dataplane/contract.hpp"
#include "dataplane/policy.hpp"
#include "dataplane/session/session.hpp"

#include <array>
#include <string>

struct rte_mbuf;

namespace vp::dp {

class Worker;

// One whole unit of a punted TCP stream on its way to the control plane: the connection (its
// handle, addresses and ports in host order) and the chain holding the unit.
struct StreamUnit {
    uint64_t conn;
    uint32_t remote_ip, local_ip;
    uint16_t remote_port, local_port;
    rte_mbuf* m;
    // What the control plane attached to the stream with TcpPuntRelease: the session id + 1
    // that owns its records on this worker (SSTP's record layer); 0: none.
    uint32_t tag = 0;
};

struct ProtocolStage {
    // Per-worker state: created on the control thread when the worker is built (nullptr and
    // `error` set on failure), destroyed with the worker.
    void* (*create)(Worker& worker, std::string& error) = nullptr;
    void (*destroy)(void* state) = nullptr;
    // The WorkerPolicy field (host order, 0 = off) naming the UDP port whose datagrams to the
    // appliance belong to this protocol, and their input; nullptr: none.
    uint16_t WorkerPolicy::*udp_port = nullptr;
    void (*udp_input)(void* state, PortId port, rte_mbuf* m) = nullptr;
    // The same for a burst of such datagrams (n <= max_burst, in their order), which IPv4 input
    // hands over when nothing filters the appliance's input; nullptr: udp_input per datagram.
    void (*udp_input_burst)(void* state, PortId port, rte_mbuf* const* pkts, uint16_t n) = nullptr;
    // The WorkerPolicy field naming the listening TCP port whose streams carry this protocol's
    // packets (punt consumer with PuntFraming::Length16), and the hook that may take one whole
    // unit of such a stream off the punt path (returns false: punt it to the control plane).
    uint16_t WorkerPolicy::*tcp_port = nullptr;
    bool (*stream_input)(void* state, const StreamUnit& unit) = nullptr;
    // An outer packet of a session this worker owns that another worker received (handoff).
    void (*input)(void* state, Session& session, rte_mbuf* m) = nullptr;
    // An inner packet (IPv4 at offset 14) routed into a session this worker owns.
    void (*output)(void* state, Session& session, rte_mbuf* m) = nullptr;
    // The control plane asks for a keepalive on a session this worker owns.
    void (*keepalive)(void* state, Session& session) = nullptr;
    // A control packet the control plane sends on a session this worker owns
    // (InjectAction::SessionControl; the mbuf is the stage's).
    void (*control)(void* state, Session& session, rte_mbuf* m) = nullptr;
    // Submit what input/output batched: after every RX burst and handoff drain (input), once
    // per loop iteration (output).
    void (*flush_input)(void* state) = nullptr;
    void (*flush_output)(void* state) = nullptr;
};

using ProtocolTable = std::array<ProtocolStage, session_kind_count>;

// The table, indexed by SessionKind; entries of protocols not built in are empty.
const ProtocolTable& protocol_table();

} // namespace vp::dp
