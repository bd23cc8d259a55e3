// The perf session file: synthetic OpenVPN data-channel sessions shared by the load generator
// (perf/vpnperf) and the appliance's perf mode, which installs them through the same publish API
// the control plane uses after a real handshake. It carries exactly what crypto::DataKey::create
// takes for each direction, plus the addressing both sides need (the appliance's WAN address and
// OpenVPN port, each client's UDP endpoint, peer-id, key-id and tunnel address).
//
// Format (JSON, UTF-8; every field is checked and unknown fields are errors, so typos fail):
//
//   {
//     "format": "vpnplane-perf-sessions", "version": 1,
//     "server": {"address": "10.1.0.1", "port": 1194},
//     "cipher": "AES-256-GCM",           // OpenVPN name (crypto/cipher.hpp)
//     "auth": "none",                    // OpenVPN --auth name; "none" for AEAD ciphers
//     "replay_protection": false,        // optional, default false
//     "sessions": [
//       {"peer_id": 1, "key_id": 0,
//        "client": {"address": "10.1.0.2", "port": 40000},
//        "tunnel_address": "10.8.0.2",
//        "client_to_server": {"cipher_key": "<hex>", "hmac_key": "", "implicit_iv": "<hex>"},
//        "server_to_client": {"cipher_key": "<hex>", "hmac_key": "", "implicit_iv": "<hex>"}}
//     ]
//   }
//
// Key rules (those of DataKey::create): cipher_key is key_bytes(cipher) bytes; hmac_key is
// digest_bytes(auth) bytes (empty for AEAD or auth none); implicit_iv is 8 bytes for AEAD
// ciphers and empty otherwise. Fields that must be empty may be omitted.
//
// replay_protection: a load generator replays a fixed pool of pre-encrypted packets, so packet-ids
// repeat; a session with a replay window would drop all but the first round. Perf files therefore
// default to false and the appliance's perf mode must then accept repeated packet-ids. Set it to
// true only for traffic whose packet-ids really increase (e.g. to measure the window's cost).
//
// Key material here is test material: the file is written in clear, keys are not wiped from
// memory. Never reuse a perf file's keys for real sessions.
#pragma once

#include "base/bytes.hpp"
#include "base/ipv4.hpp"
#include "base/result.hpp"
#include "crypto/cipher.hpp"
#include "crypto/data_key.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vp::perf {

inline constexpr std::string_view kSessionFileFormat = "vpnplane-perf-sessions";
inline constexpr int kSessionFileVersion = 1;
// OpenVPN reserves peer-id 0xFFFFFF for "no peer-id".
inline constexpr uint32_t kMaxPeerId = 0xFFFFFE;
inline constexpr uint8_t kMaxKeyId = 7;

struct UdpEndpoint {
    net::Ipv4 address = 0; // host order
    uint16_t port = 0;
    bool operator==(const UdpEndpoint&) const = default;
};

// One direction's key material, as DataKey::create takes it.
struct DirectionKeys {
    Bytes cipher_key;
    Bytes hmac_key;
    Bytes implicit_iv;
    bool operator==(const DirectionKeys&) const = default;
};

struct PerfSession {
    uint32_t peer_id = 0; // 24 bits, not 0xFFFFFF
    uint8_t key_id = 0;   // 0..7
    UdpEndpoint client;   // source of the client's encrypted packets
    net::Ipv4 tunnel_address = 0;
    DirectionKeys client_to_server;
    DirectionKeys server_to_client;
    bool operator==(const PerfSession&) const = default;
};

struct SessionFile {
    UdpEndpoint server; // the appliance's WAN address and OpenVPN UDP port
    crypto::Cipher cipher = crypto::Cipher::Aes256Gcm;
    crypto::Digest auth = crypto::Digest::None;
    bool replay_protection = false;
    std::vector<PerfSession> sessions;
    bool operator==(const SessionFile&) const = default;
};

// Parses and validates a session file's text. Errors name the session (index and peer-id) and
// the field, e.g. "sessions[3] (peer_id 4): client_to_server.cipher_key: expected 32 bytes for
// AES-256-GCM, got 16".
Result<SessionFile> parse_session_file(std::string_view json_text);
// Reads and parses a file; errors start with the path.
Result<SessionFile> load_session_file(const std::string& path);

// Checks the rules above on an in-memory SessionFile (the parser calls it; so does the writer,
// so that nothing invalid is ever written).
Status validate(const SessionFile& file);

// The JSON text (pretty-printed, stable field order).
std::string to_json_text(const SessionFile& file);
// Validates, then writes atomically (temporary file + rename).
Status write_session_file(const std::string& path, const SessionFile& file);

// The DataKey for one direction of a session of `file`.
Result<std::unique_ptr<crypto::DataKey>> make_data_key(const SessionFile& file,
                                                       const DirectionKeys& keys);

} // namespace vp::perf
