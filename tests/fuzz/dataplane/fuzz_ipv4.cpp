// Fuzz target: the per-packet parsers of untrusted IPv4 bytes — header validation, MSS clamping
// of the TCP options that follow, and the OpenVPN data-packet header the workers steer by.
// Nothing may read outside the buffer (ASan), and a clamped segment must still carry a
// consistent MSS.
#include "dataplane/ip/ipv4_header.hpp"
#include "dataplane/ip/mss_clamp.hpp"
#include "dataplane/ovpn/wire.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    uint16_t max_mss = static_cast<uint16_t>(536 + (data[0] << 8 | data[1]) % 9000);
    // Copy so that a read past the input is a read past an exact-size heap block.
    std::vector<uint8_t> packet(data + 2, data + size);
    vp::dp::Ipv4Facts facts{};
    for (bool verify : {true, false}) {
        auto check = vp::dp::check_ipv4(packet.data(), packet.size(), verify, facts);
        if (check != vp::dp::Ipv4Check::Ok) continue;
        if (facts.header_len > facts.total_len || facts.total_len > packet.size()) std::abort();
        if (packet[9] == 17 && facts.first_fragment && facts.total_len >= facts.header_len + 8u) {
            const uint8_t* payload = packet.data() + facts.header_len + 8;
            size_t len = facts.total_len - facts.header_len - 8;
            vp::dp::ovpn::DataHeader h;
            if (vp::dp::ovpn::parse_data_header(payload, len, h) &&
                (h.header_len > len || h.key_id > 7 ||
                 (h.opcode == vp::dp::ovpn::op_data_v2 && h.peer_id > 0xffffff)))
                std::abort();
        }
        if (packet[9] == 6 && facts.first_fragment) {
            uint8_t* tcp = packet.data() + facts.header_len;
            size_t tcp_len = facts.total_len - facts.header_len;
            vp::dp::clamp_mss(tcp, tcp_len, max_mss);
            // Clamping is idempotent: a second pass never changes anything.
            if (vp::dp::clamp_mss(tcp, tcp_len, max_mss) == vp::dp::MssClampResult::Clamped)
                std::abort();
        }
    }
    // The TCP parser on its own, on arbitrary bytes.
    std::vector<uint8_t> raw(data + 2, data + size);
    vp::dp::clamp_mss(raw.data(), raw.size(), max_mss);
    return 0;
}
