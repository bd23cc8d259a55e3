// TEST HARNESS ONLY: a minimal OpenVPN data channel over OpenSSL EVP, so that the real-client
// tests can prove the control plane's keys work end to end. The production data channel is the
// dataplane's (ipsec-mb, on worker cores); this one is slow and simple on purpose.
//   AEAD:  [op|kid][peer-id(3), V2 only][pid(4)][tag(16)][ciphertext]
//          nonce = pid || implicit IV(8); AAD = op..pid for V2, pid for V1
//   CBC:   [op|kid][peer-id][HMAC][IV(16)][E(pid(4) || payload || PKCS#7)], HMAC over IV||ct
#pragma once

#include "base/bytes.hpp"
#include "control/ovpn/data_keys.hpp"

#include <optional>

namespace vp::test {

constexpr uint8_t ping_magic[16] = {0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
                                    0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48};
constexpr uint8_t occ_magic[16] = {0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81,
                                   0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c};
constexpr uint8_t occ_exit = 0x06;

struct Decrypted {
    uint32_t packet_id = 0;
    Bytes payload;
};

// `packet` is the whole datagram; `v2` says whether it has the 3-byte peer-id.
std::optional<Decrypted> decrypt_data(const ovpn::DataKeys& keys, ByteSpan packet, bool v2);
// Builds a data packet from the server to the client.
Bytes encrypt_data(const ovpn::DataKeys& keys, std::optional<uint32_t> peer_id, uint32_t packet_id,
                   ByteSpan payload);

// An ICMP echo reply to an IPv4 echo request addressed to `local` (host order), or nullopt.
std::optional<Bytes> answer_icmp_echo(ByteSpan ip_packet, uint32_t local);

} // namespace vp::test
