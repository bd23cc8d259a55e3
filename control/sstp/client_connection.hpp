// One SSTP client connection on the control plane: the TLS client handshake (memory BIOs, the
// link's client context: its certificate, the CAs the server must chain to) on the stream's
// bytes, then ClientProtocol (HTTP, Connect Request, client-role PPP, Call Connected) on the
// plaintext. The crypto binding's certificate hash is taken from the server's leaf certificate
// as TLS saw it. Ciphertext in, ciphertext out: the caller moves the bytes; tests drive it
// directly against the server's sstp::Connection.
//
// Record layer hand-over (docs/sstp.md, the client role): it counts the records OpenSSL opened
// and sealed after the handshake, so that handover_keys() gives the link's worker both
// directions' keys with the right next sequence numbers (the server's write key opens, ours
// seals); after set_offloaded() OpenSSL is out of the stream: the SSTP packets the worker opened
// come in through on_opened_packet() and what the protocol sends is queued as plaintext SSTP
// packets (take_control_packets) for the worker to seal.
#pragma once

#include "control/sstp/client_protocol.hpp"
#include "control/sstp/record_counter.hpp"
#include "control/tls/key_export.hpp"
#include "control/tls/session.hpp"

#include <memory>
#include <string>
#include <utility>

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

    // Both directions' keys with the sequence numbers the next records use (client_write:
    // ours, server_write: the server's). Call once connected, with every record OpenSSL wrote
    // taken and no record of the server's fed past the one that connected the call.
    Result<tls::RecordKeys> handover_keys() const;
    // The worker is the record layer from now on.
    void set_offloaded();
    bool offloaded() const { return offloaded_; }
    // Offloaded: an SSTP packet the worker opened (control, PPP control, non-IPv4 frames).
    void on_opened_packet(ByteSpan packet, uint64_t now_ms);
    // Offloaded: the SSTP packets for the worker to seal, one per entry.
    std::vector<Bytes> take_control_packets() { return std::exchange(control_out_, {}); }
    // Offloaded: the worker's record layer stopped (close_notify: the server ended TLS).
    void record_failed(const std::string& why, bool close_notify);
    uint64_t records_in_after_handshake() const { return records_in_; }
    uint64_t records_out_after_handshake() const { return records_out_; }

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
    // TLS's ciphertext into out_; its records count as sealed after the handshake if `done`.
    void take_tls_output(bool done);

    tls::Session tls_;
    ClientProtocolConfig config_;
    std::unique_ptr<ClientProtocol> protocol_; // once the handshake is done
    uint64_t setup_deadline_ms_;
    Bytes out_;
    std::string failure_;
    RecordCounter in_counter_, out_counter_;
    uint64_t records_in_ = 0;  // server records OpenSSL opened after the handshake
    uint64_t records_out_ = 0; // records OpenSSL sealed after the handshake
    bool offloaded_ = false;
    std::string encoding_;           // kept at the hand-over, when the OpenSSL session goes
    std::vector<Bytes> control_out_; // offloaded: SSTP packets for the worker to seal
};

} // namespace vp::sstp
