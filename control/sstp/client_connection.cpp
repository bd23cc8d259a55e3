// The SSTP client connection: TLS client handshake, then the protocol on the plaintext.
#include "control/sstp/client_connection.hpp"

#include "dataplane/sstp/wire.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace vp::sstp {

ClientConnection::ClientConnection(std::shared_ptr<const tls::Context> tls,
                                   ClientProtocolConfig protocol, uint64_t now_ms)
    : tls_(std::move(tls)), config_(std::move(protocol)),
      setup_deadline_ms_(now_ms + config_.negotiation_ms) {
    if (!tls_.valid()) {
        failure_ = "cannot create a TLS session";
        return;
    }
    if (!config_.host.empty())
        SSL_set_tlsext_host_name(tls_.native(), config_.host.c_str()); // SNI, as sstpc sends it
    (void)tls_.feed({});                                               // the ClientHello
    pump(now_ms);
}

void ClientConnection::pump(uint64_t now_ms) {
    if (!failure_.empty()) return;
    if (offloaded_) { // OpenSSL is gone: the protocol's packets go to the worker
        flush();
        return;
    }
    if (tls_.failed()) {
        failure_ =
            tls_.peer_closed() ? "the server closed TLS (close_notify)" : "TLS: " + tls_.failure();
    }
    if (failure_.empty() && !protocol_ && tls_.handshake_done()) {
        X509* leaf = SSL_get0_peer_certificate(tls_.native());
        if (!leaf) {
            failure_ = "TLS: the server sent no certificate";
        } else {
            int len = i2d_X509(leaf, nullptr);
            Bytes der(len > 0 ? static_cast<size_t>(len) : 0);
            uint8_t* p = der.data();
            if (len > 0) i2d_X509(leaf, &p);
            auto hashes = cert_hashes(der);
            if (!hashes.ok()) {
                failure_ = "hashing the server's certificate: " + hashes.message();
            } else {
                config_.server_cert = *hashes;
                protocol_ = std::make_unique<ClientProtocol>(config_, now_ms);
            }
        }
    }
    if (protocol_) {
        if (tls_.readable()) {
            Bytes plain = tls_.read();
            protocol_->on_plaintext(plain, now_ms);
        }
    }
    flush();
}

void ClientConnection::flush() {
    if (protocol_) {
        Bytes p = protocol_->take_output();
        if (offloaded_) {
            // One SSTP packet per entry: the worker seals each as one record.
            for (size_t at = 0; at + vp::sstp::kPacketHeaderBytes <= p.size();) {
                size_t len = (size_t{p[at + 2]} << 8 | p[at + 3]) & 0x0FFF;
                if (len < vp::sstp::kPacketHeaderBytes || at + len > p.size()) break;
                control_out_.emplace_back(p.begin() + static_cast<ptrdiff_t>(at),
                                          p.begin() + static_cast<ptrdiff_t>(at + len));
                at += len;
            }
            return;
        }
        if (!p.empty())
            if (auto st = tls_.write(p); !st.ok() && failure_.empty())
                failure_ = "TLS: " + st.message();
    }
    take_tls_output(tls_.handshake_done());
}

void ClientConnection::take_tls_output(bool done) {
    Bytes c = tls_.take_output();
    // TLS 1.2: our Finished (record 0 under the new keys, which the export base counts) leaves
    // before the server's Finished completes the handshake; TLS 1.3: our Finished leaves with
    // the feed that completes it (taken with `done` false by on_data).
    out_counter_.scan(c, [&](uint8_t type) {
        if (done && (type == 21 || type == 23)) ++records_out_;
    });
    out_.insert(out_.end(), c.begin(), c.end());
}

void ClientConnection::on_data(ByteSpan ciphertext, uint64_t now_ms) {
    if (done()) return;
    if (offloaded_) { // the worker is the record layer: OpenSSL must not take a record
        failure_ = "TLS: a record reached the control plane after the hand-over";
        return;
    }
    // Records that start once the handshake is done were opened with the server's application
    // keys (the link's stream is punted record by record, so each is fed alone): tickets,
    // HTTP, SSTP, PPP.
    bool was_done = tls_.handshake_done();
    in_counter_.scan(ciphertext, [&](uint8_t) {
        if (was_done) ++records_in_;
    });
    (void)tls_.feed(ciphertext); // a failure is reported by pump
    take_tls_output(was_done);
    pump(now_ms);
}

Result<tls::RecordKeys> ClientConnection::handover_keys() const {
    if (offloaded_) return make_error("the record layer was already handed over");
    auto keys = tls::export_record_keys(tls_.native());
    if (!keys.ok()) return keys.error();
    keys->server_write.seq += records_in_;
    keys->client_write.seq += records_out_;
    return keys;
}

void ClientConnection::set_offloaded() {
    encoding_ = encoding();
    offloaded_ = true;
    tls_.release();
}

void ClientConnection::on_opened_packet(ByteSpan packet, uint64_t now_ms) {
    if (!offloaded_ || !protocol_ || done()) return;
    protocol_->on_plaintext(packet, now_ms);
    flush();
}

void ClientConnection::record_failed(const std::string& why, bool close_notify) {
    if (!failure_.empty()) return;
    failure_ = close_notify ? "the server closed TLS (close_notify)"
                            : "TLS record layer on the worker: " + why;
}

void ClientConnection::on_timer(uint64_t now_ms) {
    if (done()) return;
    if (!protocol_) {
        if (now_ms >= setup_deadline_ms_)
            failure_ = "the TLS handshake did not finish within " +
                       std::to_string(config_.negotiation_ms / 1000) + " s";
        return;
    }
    protocol_->on_timer(now_ms);
    pump(now_ms);
}

std::optional<uint64_t> ClientConnection::next_deadline() const {
    if (done()) return std::nullopt;
    if (!protocol_) return setup_deadline_ms_;
    return protocol_->next_deadline();
}

void ClientConnection::disconnect(uint64_t now_ms) {
    if (done()) return;
    if (!protocol_) {
        failure_ = "disconnected before the TLS handshake finished";
        return;
    }
    protocol_->disconnect(now_ms);
    pump(now_ms);
}

void ClientConnection::peer_closed() {
    if (failure_.empty() && !(protocol_ && protocol_->closed()))
        failure_ = "the server closed the TCP connection";
}

bool ClientConnection::send_ip(ByteSpan packet) {
    if (done() || !protocol_ || !protocol_->send_ip(packet)) return false;
    flush();
    return true;
}

std::string ClientConnection::failure() const {
    if (!failure_.empty()) return failure_;
    if (protocol_) return protocol_->failure();
    return {};
}

std::string ClientConnection::phase() const {
    if (!protocol_) return "tls";
    return to_string(protocol_->phase());
}

std::string ClientConnection::encoding() const {
    if (offloaded_) return encoding_;
    if (!tls_.handshake_done()) return {};
    std::string v = tls_.version(); // "TLSv1.3"
    if (v.rfind("TLSv", 0) == 0) v = "TLS" + v.substr(4);
    return v + " " + tls_.cipher_suite();
}

} // namespace vp::sstp
