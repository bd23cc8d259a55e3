// The list of protocols the workers carry: adding one (SSTP) is one line here plus its
// dataplane/<protocol>/ directory.
#include "dataplane/ovpn/stage.hpp"
#include "dataplane/session/protocol.hpp"
#include "dataplane/sstp/stage.hpp"

namespace vp::dp {

namespace {

ProtocolTable build_protocol_table() {
    ProtocolTable t{};
    t[static_cast<size_t>(SessionKind::Ovpn)] = ovpn::protocol_stage();
    t[static_cast<size_t>(SessionKind::Sstp)] = sstp::protocol_stage();
    return t;
}

} // namespace

const ProtocolTable& protocol_table() {
    static const ProtocolTable table = build_protocol_table();
    return table;
}

} // namespace vp::dp
