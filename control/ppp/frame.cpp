// PPP frame, control packet and option parsing and building (see frame.hpp).
#include "control/ppp/frame.hpp"

namespace vp::ppp {

Expected<Frame, FrameError> parse_frame(ByteSpan frame) {
    if (frame.empty()) return unexpected(FrameError::Empty);
    if (frame.size() >= 2 && frame[0] == 0xFF && frame[1] == 0x03) frame = frame.subspan(2);
    if (frame.empty()) return unexpected(FrameError::BadProtocolField);
    // RFC 1661 section 2: the protocol field's last octet is odd, every other one even.
    if (frame[0] & 1) return Frame{frame[0], frame.subspan(1)};
    if (frame.size() < 2 || (frame[1] & 1) == 0) return unexpected(FrameError::BadProtocolField);
    return Frame{static_cast<uint16_t>(frame[0] << 8 | frame[1]), frame.subspan(2)};
}

Expected<ControlPacket, PacketError> parse_control_packet(ByteSpan information) {
    ByteReader r(information);
    uint8_t code, id;
    uint16_t length;
    if (!r.u8(code) || !r.u8(id) || !r.be16(length)) return unexpected(PacketError::Truncated);
    if (length < 4) return unexpected(PacketError::LengthTooShort);
    if (length > information.size()) return unexpected(PacketError::LengthPastEnd);
    return ControlPacket{code, id, information.subspan(4, length - 4u)};
}

Bytes build_frame(uint16_t protocol, ByteSpan information) {
    Bytes out;
    out.reserve(4 + information.size());
    ByteWriter w(out);
    w.u8(0xFF);
    w.u8(0x03);
    w.be16(protocol);
    w.bytes(information);
    return out;
}

Bytes build_control_frame(uint16_t protocol, uint8_t code, uint8_t id, ByteSpan data) {
    Bytes out;
    out.reserve(8 + data.size());
    ByteWriter w(out);
    w.u8(0xFF);
    w.u8(0x03);
    w.be16(protocol);
    w.u8(code);
    w.u8(id);
    w.be16(static_cast<uint16_t>(4 + data.size()));
    w.bytes(data);
    return out;
}

Expected<std::vector<Option>, OptionError> parse_options(ByteSpan data) {
    std::vector<Option> options;
    size_t pos = 0;
    while (pos < data.size()) {
        if (data.size() - pos < 2) return unexpected(OptionError::LengthPastEnd);
        uint8_t type = data[pos];
        uint8_t length = data[pos + 1];
        if (length < 2) return unexpected(OptionError::LengthTooShort);
        if (length > data.size() - pos) return unexpected(OptionError::LengthPastEnd);
        options.push_back(
            Option{type, data.subspan(pos + 2, length - 2u), data.subspan(pos, length)});
        pos += length;
    }
    return options;
}

void append_option(Bytes& out, uint8_t type, ByteSpan value) {
    out.push_back(type);
    out.push_back(static_cast<uint8_t>(2 + value.size()));
    out.insert(out.end(), value.begin(), value.end());
}

void append_option_u16(Bytes& out, uint8_t type, uint16_t value) {
    const uint8_t v[2] = {static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
    append_option(out, type, v);
}

void append_option_u32(Bytes& out, uint8_t type, uint32_t value) {
    const uint8_t v[4] = {static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
                          static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
    append_option(out, type, v);
}

bool option_u16(const Option& option, uint16_t& out) {
    if (option.value.size() != 2) return false;
    out = static_cast<uint16_t>(option.value[0] << 8 | option.value[1]);
    return true;
}

bool option_u32(const Option& option, uint32_t& out) {
    if (option.value.size() != 4) return false;
    ByteReader r(option.value);
    return r.be32(out);
}

} // namespace vp::ppp
