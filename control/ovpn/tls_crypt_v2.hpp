// tls-crypt-v2: each client has its own tls-crypt key Kc, and carries it to the server wrapped
// (encrypted and authenticated) with the server key as WKc, appended to its first packets:
//   WKc = T(32) | AES-256-CTR(Ke, IV = T[0:16], Kc(256) | metadata) | len(2, BE, all of WKc)
//   T   = HMAC-SHA256(Ka, len | Kc | metadata)
// Ke is the first 32 bytes of the server key's cipher half, Ka of its hmac half. Metadata is
// typed: 0x00 user data, 0x01 a 64-bit creation timestamp. The server keeps no state until the
// client proves its address, so a 2.6 client that announces "early negotiation" (its first
// packet id is 0x0F000000 + n) is asked, through a TLV in the server's reset, to resend WKc with
// its next packet (P_CONTROL_WKC_V1).
#pragma once

#include "base/bytes.hpp"
#include "base/expected.hpp"
#include "base/result.hpp"
#include "control/ovpn/static_key.hpp"
#include "control/ovpn/wrap_error.hpp"

#include <string>

namespace vp::ovpn {

constexpr size_t max_wkc_bytes = 1024;
constexpr size_t min_wkc_bytes = 32 + 256 + 2;
constexpr size_t max_metadata_bytes = max_wkc_bytes - min_wkc_bytes;
constexpr uint8_t metadata_type_user = 0x00;
constexpr uint8_t metadata_type_timestamp = 0x01;

// Early negotiation: the client's reset carries a tls-crypt packet id whose top byte is 0x0F.
constexpr uint32_t early_negotiation_mask = 0xFF000000;
constexpr uint32_t early_negotiation_start = 0x0F000000;
constexpr bool announces_early_negotiation(uint32_t packet_id) {
    return (packet_id & early_negotiation_mask) == early_negotiation_start;
}
// The payload of a server reset that asks the client to resend WKc:
// TLV type EARLY_NEG_FLAGS (1), length 2, flags RESEND_WKC (1).
constexpr uint8_t resend_wkc_tlv[6] = {0x00, 0x01, 0x00, 0x02, 0x00, 0x01};

Result<Bytes> wrap_client_key(const TlsCryptV2ServerKey& server, const StaticKey& client_key,
                              ByteSpan metadata);

struct UnwrappedClientKey {
    StaticKey key;
    Bytes metadata;
};
Expected<UnwrappedClientKey, WrapError> unwrap_client_key(const TlsCryptV2ServerKey& server,
                                                          ByteSpan wkc);

// Splits a P_CONTROL_HARD_RESET_CLIENT_V3 / P_CONTROL_WKC_V1 datagram into its tls-crypt
// packet and the WKc behind it (located by WKc's trailing length).
struct WkcSplit {
    ByteSpan packet;
    ByteSpan wkc;
};
Expected<WkcSplit, WrapError> split_wkc(ByteSpan datagram);

// "timestamp 1700000000" / "user data (12 bytes)" / "empty", for logs.
std::string describe_metadata(ByteSpan metadata);

} // namespace vp::ovpn
