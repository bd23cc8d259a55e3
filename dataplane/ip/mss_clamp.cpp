// Walks the TCP options of a SYN looking for MSS (kind 2, length 4).
#include "dataplane/ip/mss_clamp.hpp"

#include "dataplane/ip/checksum.hpp"

#include <cstring>

namespace vp::dp {

namespace {
constexpr uint8_t tcp_flag_syn = 0x02;
constexpr uint8_t option_end = 0;
constexpr uint8_t option_nop = 1;
constexpr uint8_t option_mss = 2;
} // namespace

MssClampResult clamp_mss(uint8_t* tcp, size_t tcp_len, uint16_t max_mss) {
    if (tcp_len < 20) return MssClampResult::Malformed;
    if (!(tcp[13] & tcp_flag_syn)) return MssClampResult::NotSyn;
    size_t header_len = static_cast<size_t>(tcp[12] >> 4) * 4;
    if (header_len < 20 || header_len > tcp_len) return MssClampResult::Malformed;
    size_t i = 20;
    while (i < header_len) {
        uint8_t kind = tcp[i];
        if (kind == option_end) break;
        if (kind == option_nop) {
            ++i;
            continue;
        }
        if (i + 1 >= header_len) return MssClampResult::Malformed;
        uint8_t len = tcp[i + 1];
        if (len < 2 || i + len > header_len) return MssClampResult::Malformed;
        if (kind == option_mss && len == 4) {
            uint16_t mss_be;
            std::memcpy(&mss_be, tcp + i + 2, 2);
            uint16_t mss = static_cast<uint16_t>((mss_be >> 8) | (mss_be << 8));
            if (mss <= max_mss) return MssClampResult::Unchanged;
            uint16_t new_be = static_cast<uint16_t>((max_mss >> 8) | (max_mss << 8));
            std::memcpy(tcp + i + 2, &new_be, 2);
            uint16_t checksum;
            std::memcpy(&checksum, tcp + 16, 2);
            checksum = checksum_update16(checksum, mss_be, new_be);
            std::memcpy(tcp + 16, &checksum, 2);
            return MssClampResult::Clamped;
        }
        i += len;
    }
    return MssClampResult::Unchanged;
}

} // namespace vp::dp
