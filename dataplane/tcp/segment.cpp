// TCP segment parser and option encoder. See segment.hpp.
#include "dataplane/tcp/segment.hpp"

#include "base/bytes.hpp"

#include <rte_ip.h>

#include <cstring>

namespace vp::tcp {

namespace {

// Sources that cannot have sent a real segment: 0/8, 127/8, multicast 224/4 and class E
// (240/4, which includes the limited broadcast). RFC 9293 §3.10.7.2 says to ignore SYNs to
// broadcast or multicast destinations; we drop any segment to a multicast or broadcast address.
bool bad_source(uint32_t ip) {
    uint8_t top = static_cast<uint8_t>(ip >> 24);
    return top == 0 || top == 127 || top >= 224;
}
bool bad_destination(uint32_t ip) {
    return static_cast<uint8_t>(ip >> 24) >= 224 || ip == 0;
}

} // namespace

const char* to_string(ParseError e) {
    switch (e) {
    case ParseError::None:
        return "none";
    case ParseError::Truncated:
        return "truncated";
    case ParseError::NotIpv4:
        return "not_ipv4";
    case ParseError::BadIpHeader:
        return "bad_ip_header";
    case ParseError::NotTcp:
        return "not_tcp";
    case ParseError::Fragment:
        return "fragment";
    case ParseError::BadDataOffset:
        return "bad_data_offset";
    case ParseError::BadOptions:
        return "bad_options";
    case ParseError::BadAddress:
        return "bad_address";
    case ParseError::BadPort:
        return "bad_port";
    case ParseError::BadFlags:
        return "bad_flags";
    case ParseError::Count:
        break;
    }
    return "unknown";
}

ParseError parse_options(std::span<const uint8_t> b, TcpOptions& o) {
    o = TcpOptions{};
    size_t i = 0;
    while (i < b.size()) {
        uint8_t k = b[i];
        if (k == option_kind::Eol) break;
        if (k == option_kind::Nop) {
            ++i;
            continue;
        }
        if (i + 1 >= b.size()) return ParseError::BadOptions;
        size_t len = b[i + 1];
        if (len < 2 || i + len > b.size()) return ParseError::BadOptions;
        const uint8_t* p = b.data() + i + 2;
        // A known option with a length other than its RFC's is ignored, as Linux and the BSDs do:
        // a peer's oddity must not cost the connection, and the bytes are skipped safely.
        switch (k) {
        case option_kind::Mss:
            if (len == 4) {
                o.has_mss = true;
                o.mss = load_be16(p);
            }
            break;
        case option_kind::WindowScale:
            if (len == 3) {
                o.has_wscale = true;
                o.wscale = p[0];
            }
            break;
        case option_kind::SackPermitted:
            if (len == 2) o.sack_permitted = true;
            break;
        case option_kind::Sack:
            if (len >= 10 && (len - 2) % 8 == 0) {
                size_t n = (len - 2) / 8; // at most 4: 2 + 8*5 > 40
                o.sack_count = 0;
                for (size_t j = 0; j < n && j < kMaxSackBlocks; ++j) {
                    o.sack[j].left = load_be32(p + 8 * j);
                    o.sack[j].right = load_be32(p + 8 * j + 4);
                    ++o.sack_count;
                }
            }
            break;
        case option_kind::Timestamps:
            if (len == 10) {
                o.has_timestamps = true;
                o.ts_val = load_be32(p);
                o.ts_ecr = load_be32(p + 4);
            }
            break;
        default:
            break;
        }
        i += len;
    }
    return ParseError::None;
}

ParseError parse_segment(std::span<const uint8_t> h, size_t packet_len, TcpSegment& s) {
    if (h.size() < 20 || packet_len < 20) return ParseError::Truncated;
    if ((h[0] >> 4) != 4) return ParseError::NotIpv4;
    size_t ihl = size_t{h[0] & 0x0fu} * 4;
    size_t total = load_be16(h.data() + 2);
    if (ihl < 20 || total < ihl) return ParseError::BadIpHeader;
    if (total > packet_len || h.size() < ihl) return ParseError::Truncated;
    if (h[9] != IPPROTO_TCP) return ParseError::NotTcp;
    uint16_t frag = load_be16(h.data() + 6);
    if ((frag & 0x3fffu) != 0) return ParseError::Fragment; // MF or offset; DF is fine
    if (total < ihl + 20 || h.size() < ihl + 20) return ParseError::Truncated;
    const uint8_t* t = h.data() + ihl;
    size_t doff = static_cast<size_t>(t[12] >> 4) * 4;
    if (doff < 20 || ihl + doff > total) return ParseError::BadDataOffset;
    if (h.size() < ihl + doff) return ParseError::Truncated;

    s.src_ip = load_be32(h.data() + 12);
    s.dst_ip = load_be32(h.data() + 16);
    s.src_port = load_be16(t);
    s.dst_port = load_be16(t + 2);
    s.seq = load_be32(t + 4);
    s.ack = load_be32(t + 8);
    s.flags = t[13];
    s.window = load_be16(t + 14);
    s.urgent = load_be16(t + 18);
    s.ip_total_len = static_cast<uint16_t>(total);
    s.ip_header_len = static_cast<uint16_t>(ihl);
    s.tcp_header_len = static_cast<uint16_t>(doff);
    s.payload_offset = static_cast<uint16_t>(ihl + doff);
    s.payload_len = static_cast<uint16_t>(total - ihl - doff);

    if (bad_source(s.src_ip) || bad_destination(s.dst_ip)) return ParseError::BadAddress;
    if (s.src_port == 0 || s.dst_port == 0) return ParseError::BadPort;
    uint8_t f = s.flags;
    if ((f & (flag::Syn | flag::Fin | flag::Rst | flag::Ack)) == 0) return ParseError::BadFlags;
    if ((f & flag::Syn) && (f & (flag::Fin | flag::Rst))) return ParseError::BadFlags;

    return parse_options(std::span<const uint8_t>(t + 20, doff - 20), s.opt);
}

uint16_t fold_checksum(uint32_t sum) {
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

bool tcp_checksum_ok(std::span<const uint8_t> packet, const TcpSegment& seg) {
    if (packet.size() < seg.ip_total_len || seg.ip_total_len < seg.ip_header_len + 20u)
        return false;
    const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(packet.data());
    uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);
    sum += rte_raw_cksum(packet.data() + seg.ip_header_len, seg.ip_total_len - seg.ip_header_len);
    return fold_checksum(sum) == 0xffff;
}

size_t options_length(const OptionsOut& o) {
    size_t n = 0;
    if (o.mss) n += 4;
    // SACK-permitted rides in the padding of the timestamps option when both are present.
    n += o.timestamps ? 12 : (o.sack_permitted ? 4 : 0);
    if (o.wscale >= 0) n += 4;
    if (o.sack_count && n + 12 <= kMaxOptionBytes) {
        size_t room = (kMaxOptionBytes - n - 4) / 8;
        size_t k = o.sack_count < room ? o.sack_count : room;
        if (k) n += 4 + 8 * k;
    }
    return n;
}

size_t write_options(const OptionsOut& o, uint8_t* out) {
    uint8_t* p = out;
    if (o.mss) {
        p[0] = option_kind::Mss;
        p[1] = 4;
        store_be16(p + 2, o.mss);
        p += 4;
    }
    // The layout Linux uses, so that middleboxes see nothing unusual: SACK-permitted takes the
    // place of the two NOPs that pad the timestamps option.
    if (o.timestamps) {
        if (o.sack_permitted) {
            p[0] = option_kind::SackPermitted;
            p[1] = 2;
        } else {
            p[0] = option_kind::Nop;
            p[1] = option_kind::Nop;
        }
        p[2] = option_kind::Timestamps;
        p[3] = 10;
        store_be32(p + 4, o.ts_val);
        store_be32(p + 8, o.ts_ecr);
        p += 12;
    } else if (o.sack_permitted) {
        p[0] = option_kind::Nop;
        p[1] = option_kind::Nop;
        p[2] = option_kind::SackPermitted;
        p[3] = 2;
        p += 4;
    }
    if (o.wscale >= 0) {
        p[0] = option_kind::Nop;
        p[1] = option_kind::WindowScale;
        p[2] = 3;
        p[3] = static_cast<uint8_t>(o.wscale);
        p += 4;
    }
    size_t used = static_cast<size_t>(p - out);
    if (o.sack_count && used + 12 <= kMaxOptionBytes) {
        size_t room = (kMaxOptionBytes - used - 4) / 8;
        size_t k = o.sack_count < room ? o.sack_count : room;
        if (k) {
            p[0] = option_kind::Nop;
            p[1] = option_kind::Nop;
            p[2] = option_kind::Sack;
            p[3] = static_cast<uint8_t>(2 + 8 * k);
            p += 4;
            for (size_t j = 0; j < k; ++j) {
                store_be32(p, o.sack[j].left);
                store_be32(p + 4, o.sack[j].right);
                p += 8;
            }
        }
    }
    return static_cast<size_t>(p - out);
}

} // namespace vp::tcp
