// One TLS connection driven through memory BIOs: the caller feeds the peer's ciphertext in,
// takes ciphertext out to send, and reads/writes plaintext. Nothing here touches a socket, so
// the OpenVPN reliability layer (or SSTP's TCP stream) decides how bytes travel.
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "control/tls/context.hpp"

#include <memory>
#include <optional>
#include <string>

namespace vp::tls {

struct PeerCertificate {
    bool present = false;
    std::string common_name;
    std::string subject; // one-line RFC 2253 form, for logs
    std::string issuer;
};

class Session {
public:
    explicit Session(std::shared_ptr<const Context> context);

    bool valid() const { return ssl_ != nullptr; }
    bool handshake_done() const { return done_; }
    bool failed() const { return !failure_.empty(); }
    // Why the handshake or the connection failed, naming a certificate problem when there is one.
    const std::string& failure() const { return failure_; }
    // The failure is the peer's close_notify (an orderly end, not an error).
    bool peer_closed() const { return peer_closed_; }

    // Ciphertext from the peer; advances the handshake and pulls any plaintext that became
    // readable into the read buffer.
    Status feed(ByteSpan ciphertext);
    // Ciphertext to send to the peer (handshake messages, records, alerts).
    Bytes take_output();
    // Queues plaintext as TLS records (only after the handshake).
    Status write(ByteSpan plaintext);
    // Plaintext received so far; the buffer is emptied.
    Bytes read();
    size_t readable() const { return plain_.size(); }

    // RFC 5705 exporter; no context, as OpenVPN uses it.
    Result<Bytes> export_keying_material(std::string_view label, size_t length) const;

    PeerCertificate peer_certificate() const;
    std::string version() const;      // "TLSv1.3"
    std::string cipher_suite() const; // "TLS_AES_256_GCM_SHA384"

    // The OpenSSL session, for what this class does not wrap (the record-layer hand-over,
    // control/tls/key_export.hpp).
    SSL* native() const { return ssl_.get(); }
    // Frees the OpenSSL session and the buffers once something else carries the stream (the
    // SSTP record-layer hand-over): valid() is false from then on, version() and
    // cipher_suite() are empty, feed() and write() fail.
    void release();

private:
    void advance();
    void fail(std::string why);

    std::shared_ptr<const Context> context_;
    SslPtr ssl_;
    BIO* rbio_ = nullptr; // owned by ssl_
    BIO* wbio_ = nullptr; // owned by ssl_
    bool done_ = false;
    bool peer_closed_ = false;
    std::string failure_;
    Bytes plain_;
};

} // namespace vp::tls
