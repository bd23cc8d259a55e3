// One SSTP client connection on the control plane: the TLS client handshake (memory BIOs, the
// link's client context: its certificate, the CAs the server must chain to) on the stream's
// bytes, then ClientProtocol (HTTP, Connect Request, client-role PPP, Call Connected) on the
// plaintext. The crypto binding's certificate hash is taken from the server's leaf certificate
// as TLS saw it. Ciphertext in, ciphertext out: the caller moves the bytes; tests drive it
// directly against the server's sstp::Connection.
#pragma once

#include "control/sstp/client_protocol.hpp"
#include "control/tls/session.hpp"

#include <memory>
#include <string>

namespace vp::sstp {

class ClientConnection {
public:
    // `protocol.server_cert` is filled in from the handshake.
    ClientConnection(std::shared_ptr<const tls::Context> tls, ClientProtocolConfig protocol,
                     uint64_t now_ms);

    // Ciphertext from the server.
    void on_data(ByteSpan ciphertext, uint64_t now_ms);
    void on_timer(uint64_t now_ms);
    std::optional<uint64_t> next_deadline() const;
    void disconnect(uint64_t now_ms);
    // The server closed its side of the stream.
    void peer_closed();
    bool send_ip(ByteSpan packet);
    std::vector<Bytes> take_ip_packets() {
        return protocol_ ? protocol_->take_ip_packets() : std::vector<Bytes>{};
    }
    // Ciphertext to send.
    Bytes take_output() {
        Bytes out;
        out.swap(out_);
        return out;
    }

    bool connected() const { return protocol_ && protocol_->connected(); }
    bool done() const { return !failure_.empty() || (protocol_ && protocol_->closed()); }
    // Why it ended: TLS (an untrusted certificate, an alert), HTTP, SSTP or PPP.
    std::string failure() const;
    std::string phase() const;
    std::string encoding() const; // "TLS1.3 TLS_AES_256_GCM_SHA384"
    const ClientProtocol* protocol() const { return protocol_.get(); }
    const tls::Session& tls() const { return tls_; }

private:
    void pump(uint64_t now_ms);
    void flush(); // the protocol's plaintext into TLS, TLS's ciphertext into out_

    tls::Session tls_;
    ClientProtocolConfig config_;
    std::unique_ptr<ClientProtocol> protocol_; // once the handshake is done
    uint64_t setup_deadline_ms_;
    Bytes out_;
    std::string failure_;
};

} // namespace vp::sstp
