// The SSTP wire format (MS-SSTP section 2.2), defined once for the control plane, the workers,
// perf and the tests: packet and control headers, attributes, the message and attribute numbers,
// pure parsers of untrusted bytes (a span in, a typed value or a typed error out, never a read
// past the span), the stream splitter the workers' reassembly uses, and builders for every
// message the server sends. No DPDK, no heap in the parsers.
#pragma once

#include "base/bytes.hpp"
#include "base/expected.hpp"

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

namespace vp::sstp {

inline constexpr uint8_t kVersion = 0x10;
inline constexpr size_t kPacketHeaderBytes = 4;
inline constexpr size_t kControlHeaderBytes = 4; // message type, attribute count
inline constexpr size_t kAttributeHeaderBytes = 4;
inline constexpr size_t kMaxPacketBytes = 4095; // 12-bit length field, header included
inline constexpr size_t kNonceBytes = 32;
inline constexpr size_t kHashFieldBytes = 32; // SHA1 values are zero-padded to 32 bytes

// Control messages hold a handful of attributes; more is an attack, not a client.
inline constexpr size_t kMaxAttributes = 8;

enum class MessageType : uint16_t {
    CallConnectRequest = 1,
    CallConnectAck = 2,
    CallConnectNak = 3,
    CallConnected = 4,
    CallAbort = 5,
    CallDisconnect = 6,
    CallDisconnectAck = 7,
    EchoRequest = 8,
    EchoResponse = 9,
};

enum class AttributeId : uint8_t {
    NoAttribute = 0, // Status Info about the message as a whole (e.g. a timeout)
    EncapsulatedProtocolId = 1,
    StatusInfo = 2,
    CryptoBinding = 3,
    CryptoBindingRequest = 4,
};

inline constexpr uint16_t kEncapsulatedProtocolPpp = 1;

// Status Info codes (MS-SSTP 2.2.8).
enum class StatusCode : uint32_t {
    NoError = 0,
    DuplicateAttribute = 1,
    UnrecognizedAttribute = 2,
    InvalidAttribValueLength = 3,
    ValueNotSupported = 4,
    UnacceptedFrameReceived = 5,
    RetryCountExceeded = 6,
    InvalidFrameReceived = 7,
    NegotiationTimeout = 8,
    AttribNotSupportedInMsg = 9,
    RequiredAttributeMissing = 10,
    StatusInfoNotSupportedInMsg = 11,
};

// Hash protocol values of Crypto Binding, and the bits of Crypto Binding Request's bitmask.
enum class HashProtocol : uint8_t { Sha1 = 1, Sha256 = 2 };
inline constexpr uint8_t kHashBitmaskSha1 = 0x01;
inline constexpr uint8_t kHashBitmaskSha256 = 0x02;

inline constexpr size_t hash_bytes(HashProtocol h) {
    return h == HashProtocol::Sha1 ? 20 : 32;
}

// Sizes of the fixed messages, header included (tests check the builders against them).
inline constexpr size_t kConnectRequestBytes = 14;
inline constexpr size_t kConnectAckBytes = 48;
inline constexpr size_t kCallConnectedBytes = 112;
inline constexpr size_t kCryptoBindingValueBytes = 100;       // attribute length 104
inline constexpr size_t kCryptoBindingRequestValueBytes = 36; // attribute length 40
inline constexpr size_t kStatusInfoFixedValueBytes = 8;       // 3 reserved, attrib id, status
inline constexpr size_t kCallConnectedMacOffset = 80;         // within the whole packet

enum class WireError : uint8_t {
    Truncated,               // fewer than 4 header bytes (or control header bytes) available
    BadVersion,              // first byte not 0x10
    ReservedBitsSet,         // reserved bits of the header or an attribute length not zero
    LengthTooShort,          // length field below the header it must include
    LengthOverflow,          // length field beyond the bytes available
    NotControl,              // a control parser was given a data packet
    TooManyAttributes,       // attribute count above kMaxAttributes
    AttributeOverflow,       // an attribute runs past the packet, or fewer attributes than counted
    AttributeLengthTooShort, // attribute length below its 4-byte header
    TrailingBytes,           // bytes after the counted attributes
    UnexpectedAttribute,     // a typed parser found the wrong attribute (id or count)
    BadAttributeLength,      // a typed parser found an attribute value of the wrong size
    BadAttributeValue,       // e.g. a hash protocol other than SHA1/SHA256
};

inline constexpr const char* to_string(WireError e) {
    switch (e) {
    case WireError::Truncated:
        return "truncated";
    case WireError::BadVersion:
        return "bad version";
    case WireError::ReservedBitsSet:
        return "reserved bits set";
    case WireError::LengthTooShort:
        return "length too short";
    case WireError::LengthOverflow:
        return "length overflow";
    case WireError::NotControl:
        return "not a control packet";
    case WireError::TooManyAttributes:
        return "too many attributes";
    case WireError::AttributeOverflow:
        return "attribute overflow";
    case WireError::AttributeLengthTooShort:
        return "attribute length too short";
    case WireError::TrailingBytes:
        return "trailing bytes";
    case WireError::UnexpectedAttribute:
        return "unexpected attribute";
    case WireError::BadAttributeLength:
        return "bad attribute length";
    case WireError::BadAttributeValue:
        return "bad attribute value";
    }
    return "?";
}

struct PacketHeader {
    bool control = false;
    uint16_t length = 0; // whole packet, header included
};

// The 4-byte header alone: it needs 4 bytes but not the whole packet, so the splitter can learn
// how much more to wait for. sstpc reads the length as 16 bits, so the reserved bits must be 0.
inline Expected<PacketHeader, WireError> parse_header(ByteSpan in) {
    if (in.size() < kPacketHeaderBytes) return unexpected(WireError::Truncated);
    if (in[0] != kVersion) return unexpected(WireError::BadVersion);
    if ((in[1] & 0xFE) != 0 || (in[2] & 0xF0) != 0) return unexpected(WireError::ReservedBitsSet);
    PacketHeader h;
    h.control = (in[1] & 0x01) != 0;
    h.length = static_cast<uint16_t>((in[2] & 0x0F) << 8 | in[3]);
    if (h.length < kPacketHeaderBytes) return unexpected(WireError::LengthTooShort);
    return h;
}

struct Packet {
    bool control = false;
    ByteSpan body;   // after the 4-byte header: a PPP frame, or a control message
    size_t size = 0; // bytes of `in` the packet used
};

// One complete packet at the start of `in` (bytes after it are left to the caller).
inline Expected<Packet, WireError> parse_packet(ByteSpan in) {
    auto h = parse_header(in);
    if (!h) return unexpected(h.error());
    if (h->length > in.size()) return unexpected(WireError::LengthOverflow);
    return Packet{h->control, in.subspan(kPacketHeaderBytes, h->length - kPacketHeaderBytes),
                  h->length};
}

// The stream splitter. SSTP packets do not align with TLS records, so the worker keeps the
// decrypted bytes of a connection and asks how many whole packets they start with.
struct StreamSplit {
    size_t packets = 0;     // complete packets at the start of the buffer
    size_t consumed = 0;    // their bytes; the next packet begins here
    size_t next_needed = 0; // total bytes the next packet needs (0: its header is incomplete)
    std::optional<WireError> error; // the stream is broken at `consumed`; close the connection
};

inline StreamSplit split_stream(ByteSpan in) {
    StreamSplit s;
    while (true) {
        ByteSpan rest = in.subspan(s.consumed);
        if (rest.size() < kPacketHeaderBytes) return s;
        auto h = parse_header(rest);
        if (!h) {
            s.error = h.error();
            return s;
        }
        if (h->length > rest.size()) {
            s.next_needed = h->length;
            return s;
        }
        s.consumed += h->length;
        ++s.packets;
    }
}

struct Attribute {
    uint8_t id = 0;
    ByteSpan value;
};

struct ControlMessage {
    uint16_t type = 0; // raw: unknown types are the state machine's decision, not the parser's
    uint16_t attribute_count = 0;
    std::array<Attribute, kMaxAttributes> attributes{};

    std::span<const Attribute> attrs() const { return {attributes.data(), attribute_count}; }
};

// The body of a control packet: message header, then exactly `attribute count` attributes that
// fill the body. The attribute's reserved byte is ignored (MS-SSTP: ignored on receipt).
inline Expected<ControlMessage, WireError> parse_control_body(ByteSpan body) {
    if (body.size() < kControlHeaderBytes) return unexpected(WireError::Truncated);
    ControlMessage m;
    m.type = static_cast<uint16_t>(body[0] << 8 | body[1]);
    uint16_t count = static_cast<uint16_t>(body[2] << 8 | body[3]);
    if (count > kMaxAttributes) return unexpected(WireError::TooManyAttributes);
    size_t pos = kControlHeaderBytes;
    for (uint16_t i = 0; i < count; ++i) {
        if (body.size() - pos < kAttributeHeaderBytes)
            return unexpected(WireError::AttributeOverflow);
        if ((body[pos + 2] & 0xF0) != 0) return unexpected(WireError::ReservedBitsSet);
        size_t len = static_cast<size_t>((body[pos + 2] & 0x0F) << 8 | body[pos + 3]);
        if (len < kAttributeHeaderBytes) return unexpected(WireError::AttributeLengthTooShort);
        if (len > body.size() - pos) return unexpected(WireError::AttributeOverflow);
        m.attributes[i] = Attribute{
            body[pos + 1], body.subspan(pos + kAttributeHeaderBytes, len - kAttributeHeaderBytes)};
        pos += len;
    }
    if (pos != body.size()) return unexpected(WireError::TrailingBytes);
    m.attribute_count = count;
    return m;
}

// A whole control packet (exactly `in`, no bytes after it).
inline Expected<ControlMessage, WireError> parse_control(ByteSpan in) {
    auto p = parse_packet(in);
    if (!p) return unexpected(p.error());
    if (!p->control) return unexpected(WireError::NotControl);
    if (p->size != in.size()) return unexpected(WireError::TrailingBytes);
    return parse_control_body(p->body);
}

// --- typed views of the messages the server receives ---------------------------------------

// Connect Request: one Encapsulated Protocol Id attribute with a 2-byte value.
inline Expected<uint16_t, WireError> connect_request_protocol(const ControlMessage& m) {
    if (m.attribute_count != 1 ||
        m.attributes[0].id != static_cast<uint8_t>(AttributeId::EncapsulatedProtocolId))
        return unexpected(WireError::UnexpectedAttribute);
    if (m.attributes[0].value.size() != 2) return unexpected(WireError::BadAttributeLength);
    return static_cast<uint16_t>(m.attributes[0].value[0] << 8 | m.attributes[0].value[1]);
}

struct CryptoBinding {
    HashProtocol hash = HashProtocol::Sha256;
    std::array<uint8_t, kNonceBytes> nonce{};
    std::array<uint8_t, kHashFieldBytes> cert_hash{};
    std::array<uint8_t, kHashFieldBytes> compound_mac{};
};

// Call Connected: one Crypto Binding attribute (3 reserved, hash protocol, nonce, cert hash, MAC).
inline Expected<CryptoBinding, WireError> call_connected_binding(const ControlMessage& m) {
    if (m.attribute_count != 1 ||
        m.attributes[0].id != static_cast<uint8_t>(AttributeId::CryptoBinding))
        return unexpected(WireError::UnexpectedAttribute);
    ByteSpan v = m.attributes[0].value;
    if (v.size() != kCryptoBindingValueBytes) return unexpected(WireError::BadAttributeLength);
    if (v[3] != static_cast<uint8_t>(HashProtocol::Sha1) &&
        v[3] != static_cast<uint8_t>(HashProtocol::Sha256))
        return unexpected(WireError::BadAttributeValue);
    CryptoBinding b;
    b.hash = static_cast<HashProtocol>(v[3]);
    std::memcpy(b.nonce.data(), v.data() + 4, kNonceBytes);
    std::memcpy(b.cert_hash.data(), v.data() + 4 + kNonceBytes, kHashFieldBytes);
    std::memcpy(b.compound_mac.data(), v.data() + 4 + kNonceBytes + kHashFieldBytes,
                kHashFieldBytes);
    return b;
}

struct StatusInfo {
    uint8_t attribute_id = 0;
    uint32_t status = 0;
    ByteSpan value;
};

inline Expected<StatusInfo, WireError> parse_status_info(ByteSpan v) {
    if (v.size() < kStatusInfoFixedValueBytes) return unexpected(WireError::BadAttributeLength);
    return StatusInfo{v[3],
                      static_cast<uint32_t>(v[4]) << 24 | static_cast<uint32_t>(v[5]) << 16 |
                          static_cast<uint32_t>(v[6]) << 8 | v[7],
                      v.subspan(kStatusInfoFixedValueBytes)};
}

// --- builders -----------------------------------------------------------------------------

// The 4-byte header of a packet of `length` bytes (header included, at most 4095).
inline void write_header(uint8_t* out, bool control, uint16_t length) {
    out[0] = kVersion;
    out[1] = control ? 0x01 : 0x00;
    out[2] = static_cast<uint8_t>((length >> 8) & 0x0F);
    out[3] = static_cast<uint8_t>(length);
}

// A data packet around a PPP frame; nullopt when the frame does not fit in 4095 bytes.
inline std::optional<Bytes> build_data_packet(ByteSpan ppp_frame) {
    if (ppp_frame.size() > kMaxPacketBytes - kPacketHeaderBytes) return std::nullopt;
    Bytes out(kPacketHeaderBytes + ppp_frame.size());
    write_header(out.data(), false, static_cast<uint16_t>(out.size()));
    std::memcpy(out.data() + kPacketHeaderBytes, ppp_frame.data(), ppp_frame.size());
    return out;
}

// Builds a control message attribute by attribute, then fixes the lengths. The messages the
// server sends are all far below 4095 bytes; finish() asserts it rather than truncating.
class ControlBuilder {
public:
    explicit ControlBuilder(MessageType type) {
        out_.resize(kPacketHeaderBytes + kControlHeaderBytes);
        out_[4] = static_cast<uint8_t>(static_cast<uint16_t>(type) >> 8);
        out_[5] = static_cast<uint8_t>(static_cast<uint16_t>(type));
    }
    ControlBuilder& attribute(AttributeId id, ByteSpan value) {
        size_t len = kAttributeHeaderBytes + value.size();
        out_.push_back(0);
        out_.push_back(static_cast<uint8_t>(id));
        out_.push_back(static_cast<uint8_t>((len >> 8) & 0x0F));
        out_.push_back(static_cast<uint8_t>(len));
        out_.insert(out_.end(), value.begin(), value.end());
        ++count_;
        return *this;
    }
    // Moves the message out; the builder is spent.
    Bytes finish() {
        assert(out_.size() <= kMaxPacketBytes);
        write_header(out_.data(), true, static_cast<uint16_t>(out_.size()));
        out_[6] = static_cast<uint8_t>(count_ >> 8);
        out_[7] = static_cast<uint8_t>(count_);
        return std::move(out_);
    }

private:
    Bytes out_;
    uint16_t count_ = 0;
};

inline Bytes status_info_value(AttributeId about, StatusCode status, ByteSpan value = {}) {
    Bytes v(kStatusInfoFixedValueBytes);
    v[3] = static_cast<uint8_t>(about);
    auto s = static_cast<uint32_t>(status);
    v[4] = static_cast<uint8_t>(s >> 24);
    v[5] = static_cast<uint8_t>(s >> 16);
    v[6] = static_cast<uint8_t>(s >> 8);
    v[7] = static_cast<uint8_t>(s);
    v.insert(v.end(), value.begin(), value.end());
    return v;
}

// What a client sends (the tests and the SSTP client use it).
inline Bytes build_connect_request(uint16_t protocol = kEncapsulatedProtocolPpp) {
    const uint8_t v[2] = {static_cast<uint8_t>(protocol >> 8), static_cast<uint8_t>(protocol)};
    return ControlBuilder(MessageType::CallConnectRequest)
        .attribute(AttributeId::EncapsulatedProtocolId, v)
        .finish();
}

// Ack: exactly one Crypto Binding Request attribute (sstpc parses only the first attribute and
// wants its value to be exactly 36 bytes): 3 reserved, hash bitmask, nonce.
inline Bytes build_connect_ack(uint8_t hash_bitmask, std::span<const uint8_t, kNonceBytes> nonce) {
    std::array<uint8_t, kCryptoBindingRequestValueBytes> v{};
    v[3] = hash_bitmask;
    std::memcpy(v.data() + 4, nonce.data(), kNonceBytes);
    return ControlBuilder(MessageType::CallConnectAck)
        .attribute(AttributeId::CryptoBindingRequest, v)
        .finish();
}

// Nak: a Status Info saying which attribute was refused and why; `value` carries what the
// server does accept (for the protocol id: 0x0001, PPP).
inline Bytes build_connect_nak(AttributeId about, StatusCode status, ByteSpan value = {}) {
    return ControlBuilder(MessageType::CallConnectNak)
        .attribute(AttributeId::StatusInfo, status_info_value(about, status, value))
        .finish();
}

struct StatusAttribute {
    AttributeId about;
    StatusCode status;
};

// Abort and Disconnect: 8 bytes, or 20 with a Status Info (sstpc acts on an Abort only when it
// carries one, so the server always sends it with Abort).
inline Bytes build_with_optional_status(MessageType type, std::optional<StatusAttribute> s) {
    ControlBuilder b(type);
    if (s) b.attribute(AttributeId::StatusInfo, status_info_value(s->about, s->status));
    return b.finish();
}
inline Bytes build_abort(std::optional<StatusAttribute> s) {
    return build_with_optional_status(MessageType::CallAbort, s);
}
inline Bytes build_disconnect(std::optional<StatusAttribute> s = std::nullopt) {
    return build_with_optional_status(MessageType::CallDisconnect, s);
}
inline Bytes build_bare(MessageType type) {
    return ControlBuilder(type).finish();
}
inline Bytes build_disconnect_ack() {
    return build_bare(MessageType::CallDisconnectAck);
}
inline Bytes build_echo_request() {
    return build_bare(MessageType::EchoRequest);
}
inline Bytes build_echo_response() {
    return build_bare(MessageType::EchoResponse);
}

// Call Connected as a client sends it, with the MAC field zeroed (the crypto binding code fills
// it in, and computes the MAC over exactly these bytes).
inline Bytes build_call_connected_unsigned(HashProtocol hash,
                                           std::span<const uint8_t, kNonceBytes> nonce,
                                           std::span<const uint8_t, kHashFieldBytes> cert_hash) {
    std::array<uint8_t, kCryptoBindingValueBytes> v{};
    v[3] = static_cast<uint8_t>(hash);
    std::memcpy(v.data() + 4, nonce.data(), kNonceBytes);
    std::memcpy(v.data() + 4 + kNonceBytes, cert_hash.data(), kHashFieldBytes);
    return ControlBuilder(MessageType::CallConnected)
        .attribute(AttributeId::CryptoBinding, v)
        .finish();
}

} // namespace vp::sstp
