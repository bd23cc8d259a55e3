// Fuzz target: the SSTP packet, control message and attribute parsers and the typed views. The
// parsed views must lie inside the input, and a control message that parses must rebuild to the
// same bytes (the builders and the parser agree on the format).
#include "dataplane/sstp/wire.hpp"

#include <cstdint>
#include <cstdlib>

namespace {

void check_inside(vp::ByteSpan view, vp::ByteSpan input) {
    if (view.empty()) return;
    if (view.data() < input.data() || view.data() + view.size() > input.data() + input.size())
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vp::sstp;
    vp::ByteSpan input(data, size);
    auto packet = parse_packet(input);
    if (!packet) return 0;
    if (packet->size > size || packet->size < kPacketHeaderBytes) std::abort();
    check_inside(packet->body, input);
    if (!packet->control) return 0;

    auto m = parse_control_body(packet->body);
    if (!m) return 0;
    if (m->attribute_count > kMaxAttributes) std::abort();
    ControlBuilder rebuilt(static_cast<MessageType>(m->type));
    bool reserved_zero = true;
    size_t pos = kPacketHeaderBytes + kControlHeaderBytes;
    for (const Attribute& a : m->attrs()) {
        check_inside(a.value, input);
        reserved_zero = reserved_zero && data[pos] == 0;
        pos += kAttributeHeaderBytes + a.value.size();
        rebuilt.attribute(static_cast<AttributeId>(a.id), a.value);
    }
    vp::Bytes again = rebuilt.finish();
    if (reserved_zero &&
        (again.size() != packet->size || !std::equal(again.begin(), again.end(), input.begin())))
        std::abort();

    (void)connect_request_protocol(*m);
    if (auto b = call_connected_binding(*m);
        b && b->hash != HashProtocol::Sha1 && b->hash != HashProtocol::Sha256)
        std::abort();
    for (const Attribute& a : m->attrs())
        if (auto s = parse_status_info(a.value)) check_inside(s->value, input);
    return 0;
}
