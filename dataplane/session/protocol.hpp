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

struct ProtocolStage {
    // Per-worker state: created on the control thread when the worker is built (nullptr and
    // `error` set on failure), destroyed with the worker.
    void* (*create)(Worker& worker, std::string& error) = nullptr;
    void (*destroy)(void* state) = nullptr;
    // The WorkerPolicy field (host order, 0 = off) naming the UDP port whose datagrams to the
    // appliance belong to this protocol, and their input; nullptr: none.
    uint16_t WorkerPolicy::*udp_port = nullptr;
    void (*udp_input)(void* state, PortId port, rte_mbuf* m) = nullptr;
    // An outer packet of a session this worker owns that another worker received (handoff).
    void (*input)(void* state, Session& session, rte_mbuf* m) = nullptr;
    // An inner packet (IPv4 at offset 14) routed into a session this worker owns.
    void (*output)(void* state, Session& session, rte_mbuf* m) = nullptr;
    // The control plane asks for a keepalive on a session this worker owns.
    void (*keepalive)(void* state, Session& session) = nullptr;
    // Submit what input/output batched: after every RX burst and handoff drain (input), once
    // per loop iteration (output).
    void (*flush_input)(void* state) = nullptr;
    void (*flush_output)(void* state) = nullptr;
};

using ProtocolTable = std::array<ProtocolStage, session_kind_count>;

// The table, indexed by SessionKind; entries of protocols not built in are empty.
const ProtocolTable& protocol_table();

} // namespace vp::dp
