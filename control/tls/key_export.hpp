// Hand-over of a TLS session's record layer from OpenSSL to a worker (SSTP; docs/tls-record.md):
// the SSL_CTX settings that make the hand-over well defined, the capture of the session's
// secrets (NSS key-log lines, public API only), the derivation of both directions' record keys
// and sequence numbers, and TLS 1.3's KeyUpdate step.
//
// Hand-over conditions (configure_for_offload sets them; export_record_keys checks them):
//  - no session tickets (TLS 1.3: num_tickets 0), so the server writes nothing after its
//    Finished and its application sequence number is still 0;
//  - no renegotiation (SSL_OP_NO_RENEGOTIATION): the worker cannot run a handshake;
//  - no encrypt-then-MAC (SSL_OP_NO_ENCRYPT_THEN_MAC): CBC suites use RFC 5246's
//    MAC-then-encrypt only. Why: Windows' SSTP client (SChannel) does not offer RFC 7366, so
//    the MAC-then-encrypt path with its constant-time check is needed anyway; one CBC layout is
//    one thing to get right and test, and CBC is the fallback suite, GCM the normal one.
//  - the caller stops feeding OpenSSL right after the client's Finished (TCP record punt mode)
//    and exports then: TLS 1.2 sequence numbers are 1 in both directions (each Finished was
//    record 0 under the new keys), TLS 1.3 sequence numbers are 0 in both directions.
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "control/tls/context.hpp"
#include "crypto/tls_record.hpp"

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace vp::tls {

// Sets the hand-over conditions above on a context and installs the key-log capture. Call it
// on the SSTP server's context before any session is made from it.
Status configure_for_offload(SSL_CTX* ctx);

// One direction's record key material and the next sequence number to use.
struct RecordDirectionKeys {
    Bytes enc_key;
    Bytes iv;      // TLS 1.2 GCM: 4-byte salt; CBC: 16 bytes (unused, explicit IVs); 1.3: 12
    Bytes mac_key; // CBC only
    uint64_t seq = 0;
    ~RecordDirectionKeys();
};

struct RecordKeys {
    Version version = Version::Tls12;
    crypto::TlsSuite suite = crypto::TlsSuite::Tls12Aes256Gcm;
    std::string suite_name; // OpenSSL's name, for logs
    std::string digest;     // TLS 1.3: the suite's hash ("SHA256", "SHA384"), for KeyUpdate
    RecordDirectionKeys client_write; // protects what the client sends (server: open with it)
    RecordDirectionKeys server_write; // protects what the server sends (server: seal with it)
    Bytes client_traffic_secret;      // TLS 1.3: client_application_traffic_secret_N
    Bytes server_traffic_secret;      // TLS 1.3: server_application_traffic_secret_N
    ~RecordKeys();
};

// Both directions' keys of a session whose handshake has just completed, on a context set up
// by configure_for_offload. Fails (naming why) for a suite the worker cannot run or when a
// hand-over condition does not hold.
Result<RecordKeys> export_record_keys(SSL* ssl);

// TLS 1.3: key and IV from a traffic secret (HKDF-Expand-Label "key" / "iv"), sequence 0.
Result<RecordDirectionKeys> tls13_traffic_keys(crypto::TlsSuite suite, std::string_view digest,
                                               ByteSpan secret);

// TLS 1.3 KeyUpdate (RFC 8446 §7.2): application_traffic_secret_N+1 =
// HKDF-Expand-Label(secret_N, "traffic upd", "", hash length).
Result<Bytes> tls13_next_traffic_secret(std::string_view digest, ByteSpan secret);

// TLS 1.3 KeyUpdate, as the control plane runs it for a handed-over session (docs/sstp.md
// "KeyUpdate"): the suite and each direction's latest traffic secret, wiped on destruction.
struct KeyUpdateSecrets {
    crypto::TlsSuite suite = crypto::TlsSuite::Tls13Aes256Gcm;
    std::string digest;
    Bytes client_secret; // protects what the client sends
    Bytes server_secret; // protects what the server sends
    ~KeyUpdateSecrets();
};

// Advances `secret` to the next traffic secret (the old one wiped) and returns the record key
// (sequence 0) of the new one.
Result<std::unique_ptr<crypto::TlsRecordKey>>
tls13_update_key(crypto::TlsSuite suite, std::string_view digest, Bytes& secret);

// A TlsRecordKey for the worker from one direction's key material.
Result<std::unique_ptr<crypto::TlsRecordKey>> make_record_key(crypto::TlsSuite suite,
                                                              const RecordDirectionKeys& keys);

} // namespace vp::tls
