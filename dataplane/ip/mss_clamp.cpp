// Walks the TCP options of a SYN looking for MSS (kind 2, length 4).
#include "dataplane/ip/mss_clamp.hpp"

#include "base/bytes.hpp"
#include "dataplane/ip/checksum.hpp"
#include "dataplane/tcp/wire.hpp"

#include <cstring>

namespace vp::dp {

MssClampResult clamp_mss(uint8_t* tcp, size_t tcp_len, uint16_t max_mss) {
    if (max_mss == UINT16_MAX) return change_mss(tcp, tcp_len, max_mss, 1, 0); // never rewrites
    return change_mss(tcp, tcp_len, max_mss, static_cast<uint16_t>(max_mss + 1), UINT16_MAX);
}

MssClampResult change_mss(uint8_t* tcp, size_t tcp_len, uint16_t new_mss, uint16_t lo,
                          uint16_t hi) {
    if (tcp_len < tcp::kHeaderMinBytes) return MssClampResult::Malformed;
    if (!(tcp[tcp::kFlagsByte] & tcp::flag::Syn)) return MssClampResult::NotSyn;
    size_t header_len = static_cast<size_t>(tcp[tcp::kDataOffsetByte] >> 4) * 4;
    if (header_len < tcp::kHeaderMinBytes || header_len > tcp_len) return MssClampResult::Malformed;
    size_t i = tcp::kHeaderMinBytes;
    while (i < header_len) {
        uint8_t kind = tcp[i];
        if (kind == tcp::option_kind::Eol) break;
        if (kind == tcp::option_kind::Nop) {
            ++i;
            continue;
        }
        if (i + 1 >= header_len) return MssClampResult::Malformed;
        uint8_t len = tcp[i + 1];
        if (len < 2 || i + len > header_len) return MssClampResult::Malformed;
        if (kind == tcp::option_kind::Mss && len == 4) {
            uint8_t* field = tcp + i + 2;
            uint16_t mss = load_be16(field);
            if (mss < lo || mss > hi || mss == new_mss) return MssClampResult::Unchanged;
            // The checksum update works on the field as stored (network order).
            uint16_t old_be, new_be, checksum;
            std::memcpy(&old_be, field, 2);
            store_be16(field, new_mss);
            std::memcpy(&new_be, field, 2);
            std::memcpy(&checksum, tcp + tcp::kChecksumOffset, 2);
            checksum = checksum_update16(checksum, old_be, new_be);
            std::memcpy(tcp + tcp::kChecksumOffset, &checksum, 2);
            return MssClampResult::Clamped;
        }
        i += len;
    }
    return MssClampResult::Unchanged;
}

} // namespace vp::dp
