// The SSTP client connection: TLS client handshake, then the protocol on the plaintext.
#include "control/sstp/client_connection.hpp"

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
        if (!p.empty())
            if (auto st = tls_.write(p); !st.ok() && failure_.empty())
                failure_ = "TLS: " + st.message();
    }
    Bytes c = tls_.take_output();
    out_.insert(out_.end(), c.begin(), c.end());
}

void ClientConnection::on_data(ByteSpan ciphertext, uint64_t now_ms) {
    if (done()) return;
    (void)tls_.feed(ciphertext); // a failure is reported by pump
    pump(now_ms);
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
    if (!tls_.handshake_done()) return {};
    std::string v = tls_.version(); // "TLSv1.3"
    if (v.rfind("TLSv", 0) == 0) v = "TLS" + v.substr(4);
    return v + " " + tls_.cipher_suite();
}

} // namespace vp::sstp
