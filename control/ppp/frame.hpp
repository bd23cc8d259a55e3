// PPP frames as SSTP carries them (no HDLC flags, escaping or FCS), the code/identifier/length
// packet shared by LCP, IPCP, PAP and CHAP, and the type/length/value options of LCP and IPCP.
// Pure parsers over spans: they never read past their input and report typed errors.
#pragma once

#include "base/bytes.hpp"
#include "base/expected.hpp"

#include <cstdint>
#include <vector>

namespace vp::ppp {

inline constexpr uint16_t kProtoIpv4 = 0x0021;
inline constexpr uint16_t kProtoIpv6 = 0x0057;
inline constexpr uint16_t kProtoIpcp = 0x8021;
inline constexpr uint16_t kProtoIpv6cp = 0x8057;
inline constexpr uint16_t kProtoCcp = 0x80FD;
inline constexpr uint16_t kProtoLcp = 0xC021;
inline constexpr uint16_t kProtoPap = 0xC023;
inline constexpr uint16_t kProtoChap = 0xC223;

enum class FrameError : uint8_t { Empty, BadProtocolField };

struct Frame {
    uint16_t protocol = 0;
    ByteSpan information; // everything after the protocol field
};

// Accepts frames with or without the FF 03 address/control prefix, and a one-byte (PFC)
// protocol field, which RFC 1661 lets a receiver accept even when not negotiated.
Expected<Frame, FrameError> parse_frame(ByteSpan frame);

enum class PacketError : uint8_t { Truncated, LengthTooShort, LengthPastEnd };

// Code, Identifier, Length and the data the Length covers (bytes past Length are padding and
// ignored, as RFC 1661 section 5 says).
struct ControlPacket {
    uint8_t code = 0;
    uint8_t id = 0;
    ByteSpan data;
};
Expected<ControlPacket, PacketError> parse_control_packet(ByteSpan information);

// FF 03, the 2-byte protocol, then the packet.
Bytes build_frame(uint16_t protocol, ByteSpan information);
Bytes build_control_frame(uint16_t protocol, uint8_t code, uint8_t id, ByteSpan data);

enum class OptionError : uint8_t { LengthTooShort, LengthPastEnd };

struct Option {
    uint8_t type = 0;
    ByteSpan value; // the bytes after type and length
    ByteSpan raw;   // the whole option, for echoing it in Ack/Nak/Reject
};
// An option with length 0 or 1, or one running past the end, fails the whole list.
Expected<std::vector<Option>, OptionError> parse_options(ByteSpan data);

void append_option(Bytes& out, uint8_t type, ByteSpan value);
void append_option_u16(Bytes& out, uint8_t type, uint16_t value);
void append_option_u32(Bytes& out, uint8_t type, uint32_t value);

// The value of a fixed-size option, or nullopt when its length is not the expected one.
bool option_u16(const Option& option, uint16_t& out);
bool option_u32(const Option& option, uint32_t& out);

} // namespace vp::ppp
