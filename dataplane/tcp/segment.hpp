// The TCP segment parser: untrusted bytes (an IPv4 packet carrying TCP) to a typed view. Pure
// functions over spans, so that the fuzzer and the unit tests drive them without DPDK's EAL.
// Also the option encoder used by the output path, so that both directions share one notion of
// the option layout (RFC 9293 §3.2, RFC 7323, RFC 2018).
#pragma once

#include "dataplane/tcp/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace vp::tcp {

struct SackBlock {
    uint32_t left = 0;  // first sequence number of the block
    uint32_t right = 0; // sequence number just past the block
};

inline constexpr size_t kMaxSackBlocks = 4; // 4 fit in 40 option bytes without timestamps

struct TcpOptions {
    uint16_t mss = 0; // 0: absent
    uint8_t wscale = 0;
    bool has_mss = false;
    bool has_wscale = false;
    bool sack_permitted = false;
    bool has_timestamps = false;
    uint8_t sack_count = 0;
    uint32_t ts_val = 0;
    uint32_t ts_ecr = 0;
    SackBlock sack[kMaxSackBlocks];
};

// A parsed segment. Addresses and ports are host order. Offsets are from the start of the IPv4
// header.
struct TcpSegment {
    uint32_t src_ip = 0;
    uint32_t dst_ip = 0;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint32_t seq = 0;
    uint32_t ack = 0;
    uint8_t flags = 0;
    uint16_t window = 0; // as on the wire (unscaled)
    uint16_t urgent = 0;
    uint16_t ip_total_len = 0;
    uint16_t ip_header_len = 0;
    uint16_t tcp_header_len = 0;
    uint16_t payload_offset = 0;
    uint16_t payload_len = 0;
    TcpOptions opt;

    bool has(uint8_t f) const { return (flags & f) != 0; }
    // Sequence space the segment occupies: payload plus one each for SYN and FIN.
    uint32_t seq_len() const {
        return payload_len + (has(flag::Syn) ? 1u : 0u) + (has(flag::Fin) ? 1u : 0u);
    }
};

// Every way a packet can fail to be a TCP segment we accept. Each has an engine counter.
enum class ParseError : uint8_t {
    None = 0,
    Truncated,     // fewer bytes than the IPv4 total length or the headers claim
    NotIpv4,       // version != 4
    BadIpHeader,   // IHL < 5, or total length shorter than the IPv4 header
    NotTcp,        // protocol != 6
    Fragment,      // MF set or non-zero fragment offset: reassembly is the IP layer's job
    BadDataOffset, // TCP data offset < 5 or past the end of the packet
    BadOptions,    // an option with an impossible length, or an option of the wrong size
    BadAddress,    // source is multicast, broadcast, zero or loopback; destination multicast
    BadPort,       // source or destination port zero
    BadFlags,      // SYN with FIN or RST; no flags at all
    Count
};

const char* to_string(ParseError e);

// Parses the IPv4 and TCP headers found at the start of `headers`. `packet_len` is the number of
// bytes the packet really has (it may exceed headers.size() when the payload continues in further
// mbuf segments; bytes past the IPv4 total length, such as Ethernet padding, are ignored). The
// checksum is not verified here (see tcp_checksum_ok), so that offloads can skip it.
ParseError parse_segment(std::span<const uint8_t> headers, size_t packet_len, TcpSegment& out);

// Parses the TCP option bytes (between the fixed header and the data). Unknown options are
// skipped; option kinds we understand must carry the length RFCs give them.
ParseError parse_options(std::span<const uint8_t> bytes, TcpOptions& out);

// Verifies the TCP checksum of a whole IPv4 packet held contiguously in `packet` (as parsed).
bool tcp_checksum_ok(std::span<const uint8_t> packet, const TcpSegment& seg);

// Folds a 32-bit ones'-complement sum to 16 bits (not complemented).
uint16_t fold_checksum(uint32_t sum);

// What the output path writes into a segment's option space.
struct OptionsOut {
    uint16_t mss = 0;            // SYN only; 0 = absent
    int8_t wscale = -1;          // SYN only; -1 = absent
    bool sack_permitted = false; // SYN only
    bool timestamps = false;
    uint32_t ts_val = 0;
    uint32_t ts_ecr = 0;
    uint8_t sack_count = 0;
    SackBlock sack[kMaxSackBlocks];
};

inline constexpr size_t kMaxOptionBytes = 40;

// Bytes the options will take, padded to a multiple of 4 (at most 40; SACK blocks that do not fit
// are left out).
size_t options_length(const OptionsOut& o);
// Writes the options into `out` (at least options_length(o) bytes); returns the length written.
size_t write_options(const OptionsOut& o, uint8_t* out);

} // namespace vp::tcp
