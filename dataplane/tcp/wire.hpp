// TCP wire constants shared by everything that reads or writes TCP headers (the engine's parser
// and encoder, the IPv4 stage's MSS clamp): header flags (RFC 9293 §3.1, RFC 3168) and option
// kinds (RFC 9293 §3.2, RFC 7323, RFC 2018), defined once so the two never disagree.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vp::tcp {

namespace flag {
inline constexpr uint8_t Fin = 0x01;
inline constexpr uint8_t Syn = 0x02;
inline constexpr uint8_t Rst = 0x04;
inline constexpr uint8_t Psh = 0x08;
inline constexpr uint8_t Ack = 0x10;
inline constexpr uint8_t Urg = 0x20;
inline constexpr uint8_t Ece = 0x40;
inline constexpr uint8_t Cwr = 0x80;
} // namespace flag

namespace option_kind {
inline constexpr uint8_t Eol = 0;
inline constexpr uint8_t Nop = 1;
inline constexpr uint8_t Mss = 2;
inline constexpr uint8_t WindowScale = 3;
inline constexpr uint8_t SackPermitted = 4;
inline constexpr uint8_t Sack = 5;
inline constexpr uint8_t Timestamps = 8;
} // namespace option_kind

// Offsets into the fixed 20-byte header.
inline constexpr size_t kHeaderMinBytes = 20;
inline constexpr size_t kDataOffsetByte = 12; // high nibble: header length in 32-bit words
inline constexpr size_t kFlagsByte = 13;
inline constexpr size_t kChecksumOffset = 16;

} // namespace vp::tcp
