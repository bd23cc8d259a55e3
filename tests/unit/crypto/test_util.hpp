// Helpers shared by the crypto unit tests: hex decoding and OpenVPN's reference data-channel
// packet format computed with OpenSSL's EVP API (independently of the ipsec-mb engine).
#pragma once

#include "base/bytes.hpp"
#include "crypto/cipher.hpp"
#include "crypto/data_key.hpp"
#include "crypto/engine.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace vp::crypto::test {

Bytes from_hex(std::string_view hex);
Bytes bytes_of(std::string_view text);

// Key material of one direction, as raw bytes (what DataKey::create takes).
struct RefKey {
    Cipher cipher = Cipher::None;
    Digest digest = Digest::None;
    Bytes cipher_key;
    Bytes hmac_key;
    Bytes implicit_iv; // AEAD only
};

// Deterministic random key material for (cipher, digest).
RefKey make_ref_key(Cipher c, Digest d, uint32_t seed);

// A whole OpenVPN DATA_V2 packet:
//   AEAD:    [op/key-id][peer-id 3][packet-id 4][tag 16][E(payload)]         AAD = first 8 bytes
//   others:  [op/key-id][peer-id 3][HMAC][IV 16][E(packet-id 4 || payload || PKCS#7)]
//            (no IV / no encryption for cipher none, no HMAC for auth none)
// `cbc_iv` is used for CBC (16 bytes).
Bytes evp_seal_packet(const RefKey& k, uint32_t peer_id, uint8_t key_id, uint32_t packet_id,
                      ByteSpan payload, ByteSpan cbc_iv);

struct OpenedPacket {
    uint32_t packet_id = 0;
    Bytes payload;
};
// Parses and decrypts a DATA_V2 packet; nullopt if it fails to authenticate or decrypt.
std::optional<OpenedPacket> evp_open_packet(const RefKey& k, ByteSpan packet);

// CBC+HMAC packet whose plaintext (packet-id || payload || `raw_tail`) is encrypted without
// adding padding, so tests can craft invalid PKCS#7 padding under a valid HMAC. The plaintext
// length must be a multiple of 16.
Bytes evp_seal_packet_raw_cbc(const RefKey& k, uint32_t packet_id, ByteSpan payload,
                              ByteSpan raw_tail, ByteSpan cbc_iv);

constexpr size_t kDataV2HeaderBytes = 4;

// DataKey for a RefKey (asserts success).
std::unique_ptr<DataKey> make_data_key(const RefKey& k);

// Engine side of the same packets. prepare_seal lays out a DATA_V2 packet in `buf` (header,
// packet-id, room for tag/HMAC/IV, payload, tail room) and returns the op that seals it;
// sealed_packet returns the wire packet once the op ran.
DataOp prepare_seal(Bytes& buf, const DataKey& key, uint32_t peer_id, uint32_t packet_id,
                    ByteSpan payload);
Bytes sealed_packet(const Bytes& buf, const DataOp& op);
// `buf` holds a received DATA_V2 packet; returns the op that opens it in place, or an op with
// len 0 past the header if the packet is shorter than the header.
DataOp prepare_open(Bytes& buf, const DataKey& key);
// The packet-id and payload once an open op succeeded.
OpenedPacket opened_packet(const Bytes& buf, const DataOp& op);

} // namespace vp::crypto::test
