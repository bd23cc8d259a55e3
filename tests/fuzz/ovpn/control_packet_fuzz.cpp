// Fuzz target: control/ACK packet parser, opcode and data-header peeks.
#include "control/ovpn/packet.hpp"

#include <cstdlib>

using namespace vp;
using namespace vp::ovpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ByteSpan in(data, size);
    (void)peek_opcode(in);
    (void)peek_data_header(in);
    auto p = parse_control_packet(in);
    if (!p) return 0;
    // What parsed must serialize back to the same bytes (up to four acks, which is all we send).
    if (p->ack_count > max_acks_sent) return 0;
    ControlPacket c;
    c.opcode = p->opcode;
    c.key_id = p->key_id;
    c.session_id = p->session_id;
    std::copy(p->acks.begin(), p->acks.begin() + p->ack_count, c.acks.begin());
    c.ack_count = p->ack_count;
    c.peer_session_id = p->peer_session_id;
    c.message_id = p->message_id;
    c.payload.assign(p->payload.begin(), p->payload.end());
    if (serialize_control_packet(c) != Bytes(in.begin(), in.end())) std::abort();
    return 0;
}
