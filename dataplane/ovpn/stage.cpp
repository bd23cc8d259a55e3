// The OpenVPN stage's entry in the workers' protocol table: thin adapters from the table's
// function pointers to the per-worker ovpn::WorkerStage.
#include "dataplane/ovpn/stage.hpp"

#include "dataplane/worker/worker.hpp"

#include <new>

namespace vp::dp::ovpn {

namespace {

WorkerStage& as_stage(void* state) {
    return *static_cast<WorkerStage*>(state);
}
OvpnSession& as_ovpn(Session& s) {
    return static_cast<OvpnSession&>(s);
}

} // namespace

ProtocolStage protocol_stage() {
    ProtocolStage p;
    p.create = [](Worker& w, std::string& error) -> void* {
        auto* stage = new (std::nothrow) WorkerStage(w);
        if (!stage) error = "OpenVPN stage: out of memory";
        return stage;
    };
    p.destroy = [](void* state) { delete static_cast<WorkerStage*>(state); };
    p.udp_port = &WorkerPolicy::ovpn_udp_port;
    p.udp_input = [](void* state, PortId port, rte_mbuf* m) { as_stage(state).udp_input(port, m); };
    p.udp_input_burst = [](void* state, PortId port, rte_mbuf* const* pkts, uint16_t n) {
        as_stage(state).udp_input_burst(port, pkts, n);
    };
    p.tcp_port = &WorkerPolicy::ovpn_tcp_port;
    p.stream_input = [](void* state, const StreamUnit& unit) {
        return as_stage(state).stream_input(unit);
    };
    p.input = [](void* state, Session& s, rte_mbuf* m) {
        as_stage(state).decap_add(as_ovpn(s), m);
    };
    p.output = [](void* state, Session& s, rte_mbuf* m) {
        as_stage(state).encap_add(as_ovpn(s), m);
    };
    p.keepalive = [](void* state, Session& s) { as_stage(state).send_ping(as_ovpn(s)); };
    p.flush_input = [](void* state) { as_stage(state).decap_flush(); };
    p.flush_output = [](void* state) { as_stage(state).encap_flush(); };
    return p;
}

} // namespace vp::dp::ovpn
