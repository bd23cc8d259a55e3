// Fuzz target: NAT's and connection tracking's packet work on untrusted IPv4 bytes — the
// conntrack key (ICMP errors quoting truncated or bogus headers, fragments), source and
// destination rewriting, and the translation of ICMP errors back to the quoted packet's
// original tuple. Nothing may read or write outside the datagram (ASan); a rewritten packet's
// key must carry the new address and port, and its IPv4 header checksum must still verify.
#include "dataplane/conntrack/nat.hpp"
#include "dataplane/ip/ipv4_header.hpp"

#include <rte_ip.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

bool header_checksum_ok(const uint8_t* p, size_t header_len) {
    // The one's complement sum over a valid header is 0xffff.
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < header_len; i += 2)
        sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vp::dp;
    if (size < 8) return 0;
    uint32_t new_addr;
    uint16_t new_port;
    std::memcpy(&new_addr, data, 4);
    std::memcpy(&new_port, data + 4, 2);
    bool source = data[6] & 1;
    // An exact-size heap copy: a read past the datagram is a read past the block. Offset 2 as
    // in an mbuf behind an Ethernet header (32-bit fields only 2-byte aligned).
    std::vector<uint8_t> buffer(size - 7 + 2);
    std::memcpy(buffer.data() + 2, data + 7, size - 7);
    uint8_t* packet = buffer.data() + 2;
    size_t len = size - 7;
    Ipv4Facts facts{};
    if (check_ipv4(packet, len, true, facts) != Ipv4Check::Ok) return 0;
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(packet);
    ct::Key key;
    switch (ct::packet_key(ip, facts.total_len, key)) {
    case ct::KeyResult::ok: {
        if (source)
            ct::rewrite_src(ip, facts.total_len, new_addr, new_port);
        else
            ct::rewrite_dst(ip, facts.total_len, new_addr, new_port);
        ct::Key after;
        if (ct::packet_key(ip, facts.total_len, after) != ct::KeyResult::ok) std::abort();
        if ((source ? after.src : after.dst) != new_addr) std::abort();
        bool ports = key.proto == 6 || key.proto == 17 || (key.proto == 1 && key.sport != 0);
        if (ports && (source ? after.sport : after.dport) != new_port && key.proto != 1)
            std::abort();
        if (!header_checksum_ok(packet, facts.header_len)) std::abort();
        break;
    }
    case ct::KeyResult::icmp_error: {
        ct::Key quoted = ct::inverse(key);
        quoted.src = new_addr;
        quoted.sport = new_port;
        if (ct::translate_icmp_error(ip, facts.total_len, quoted)) {
            if (ip->dst_addr != new_addr) std::abort();
            if (!header_checksum_ok(packet, facts.header_len)) std::abort();
        }
        break;
    }
    case ct::KeyResult::untracked:
        break;
    }
    // NAT rule matching over the tuple of whatever is there now.
    std::vector<fw::NatRule> rules(2);
    rules[0].chain = fw::NatChain::dstnat;
    rules[0].protocol = data[6] >> 1;
    rules[1].dst_ports = {{static_cast<uint16_t>(new_port & 0xff), 0xffff}};
    fw::Tuple t;
    fw::fill_tuple(ip, 0, 0, 1, 0, t);
    int a = ct::match_nat(rules, fw::NatChain::dstnat, t);
    int b = ct::match_nat(rules, fw::NatChain::srcnat, t);
    if (a > 0 || (b >= 0 && b != 1)) std::abort();
    return 0;
}
