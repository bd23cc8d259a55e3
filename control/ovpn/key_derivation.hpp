// Data-channel key derivation. Both methods yield OpenVPN's 256-byte key block ("key2"):
// key[0] = bytes 0..127 for client->server, key[1] = bytes 128..255 for server->client, each
// cipher(64) || hmac(64).
// - TLS-EKM (RFC 5705, label "EXPORTER-OpenVPN-datakeys", no context), used when the client
//   announces IV_PROTO_TLS_KEY_EXPORT and the server pushes it.
// - Legacy PRF (TLS 1.0 PRF: P_MD5 xor P_SHA1), which RouterOS clients need:
//     master   = PRF(pre_master, "OpenVPN master secret", c.random1 | s.random1)          48 B
//     keyblock = PRF(master, "OpenVPN key expansion",
//                    c.random2 | s.random2 | client sid | server sid)                    256 B
#pragma once

#include "base/result.hpp"
#include "control/ovpn/data_keys.hpp"
#include "control/ovpn/key_method2.hpp"
#include "control/ovpn/packet.hpp"
#include "control/ovpn/static_key.hpp"
#include "control/tls/session.hpp"

namespace vp::ovpn {

struct KeyBlock : SecretBytes<256> {};

enum class KeyDerivation : uint8_t { LegacyPrf, TlsEkm };

constexpr std::string_view ekm_label = "EXPORTER-OpenVPN-datakeys";

Result<KeyBlock> derive_key_block_prf(const KeyMethod2& client, const KeyMethod2& server,
                                      const SessionId& client_sid, const SessionId& server_sid);
Result<KeyBlock> derive_key_block_ekm(const tls::Session& tls);

// Slices the key block for one cipher/digest.
DataKeys make_data_keys(const KeyBlock& block, crypto::Cipher cipher, crypto::Digest digest,
                        uint8_t key_id);

} // namespace vp::ovpn
