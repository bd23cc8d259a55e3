// Memory-BIO TLS session.
#include "control/tls/session.hpp"

#include "pki/ossl.hpp"

#include <openssl/err.h>

namespace vp::tls {

namespace {

std::string name_text(X509_NAME* name) {
    if (!name) return {};
    BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

// A certificate's text as logs and AAA may show it: a NUL or another control byte (a client
// certificate can carry any; CVE-2017-7522 crashed OpenVPN with a NUL) becomes \xNN, so the
// name cannot be cut short or forge log lines.
std::string printable_name(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

} // namespace

Session::Session(std::shared_ptr<const Context> context) : context_(std::move(context)) {
    ssl_.reset(SSL_new(context_->native()));
    if (!ssl_) return;
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    if (!rbio_ || !wbio_) {
        BIO_free(rbio_);
        BIO_free(wbio_);
        ssl_.reset();
        return;
    }
    // An empty read BIO means "wait for more", never end of stream.
    BIO_set_mem_eof_return(rbio_, -1);
    SSL_set_bio(ssl_.get(), rbio_, wbio_);
    if (context_->is_server())
        SSL_set_accept_state(ssl_.get());
    else
        SSL_set_connect_state(ssl_.get());
}

void Session::fail(std::string why) {
    if (failure_.empty()) failure_ = why.empty() ? "TLS failure" : std::move(why);
}

void Session::advance() {
    if (failed()) return;
    if (!done_) {
        ERR_clear_error();
        int rc = SSL_do_handshake(ssl_.get());
        if (rc == 1) {
            done_ = true;
        } else {
            int err = SSL_get_error(ssl_.get(), rc);
            if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
            std::string why = openssl_error_text();
            long verify = SSL_get_verify_result(ssl_.get());
            if (verify != X509_V_OK) {
                why += why.empty() ? "" : ": ";
                why += X509_verify_cert_error_string(verify);
            }
            fail(why.empty() ? "TLS handshake failed" : why);
            return;
        }
    }
    uint8_t buf[4096];
    while (true) {
        ERR_clear_error();
        size_t got = 0;
        int rc = SSL_read_ex(ssl_.get(), buf, sizeof buf, &got);
        if (rc == 1) {
            plain_.insert(plain_.end(), buf, buf + got);
            continue;
        }
        int err = SSL_get_error(ssl_.get(), rc);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
        if (err == SSL_ERROR_ZERO_RETURN) {
            peer_closed_ = true;
            fail("peer closed the TLS connection");
            return;
        }
        fail(openssl_error_text());
        return;
    }
}

Status Session::feed(ByteSpan ciphertext) {
    if (!ssl_) return make_error("TLS session could not be created");
    if (!ciphertext.empty() &&
        BIO_write(rbio_, ciphertext.data(), static_cast<int>(ciphertext.size())) !=
            static_cast<int>(ciphertext.size()))
        return make_error("TLS input buffer full");
    advance();
    if (failed()) return make_error(failure_);
    return {};
}

Bytes Session::take_output() {
    Bytes out;
    if (!ssl_) return out;
    size_t pending = BIO_ctrl_pending(wbio_);
    out.resize(pending);
    if (pending > 0) {
        int got = BIO_read(wbio_, out.data(), static_cast<int>(pending));
        out.resize(got > 0 ? static_cast<size_t>(got) : 0);
    }
    return out;
}

Status Session::write(ByteSpan plaintext) {
    if (!ssl_ || !done_ || failed()) return make_error("TLS session is not established");
    ERR_clear_error();
    size_t written = 0;
    if (SSL_write_ex(ssl_.get(), plaintext.data(), plaintext.size(), &written) != 1 ||
        written != plaintext.size())
        return make_error("TLS write failed: " + openssl_error_text());
    return {};
}

Bytes Session::read() {
    Bytes out;
    out.swap(plain_);
    return out;
}

Result<Bytes> Session::export_keying_material(std::string_view label, size_t length) const {
    if (!ssl_ || !done_) return make_error("keying material before the handshake finished");
    Bytes out(length);
    std::string l(label);
    if (SSL_export_keying_material(ssl_.get(), out.data(), out.size(), l.c_str(), l.size(), nullptr,
                                   0, 0) != 1)
        return make_error("TLS keying material export failed: " + openssl_error_text());
    return out;
}

PeerCertificate Session::peer_certificate() const {
    PeerCertificate info;
    if (!ssl_) return info;
    X509Ptr cert(SSL_get1_peer_certificate(ssl_.get()));
    if (!cert) return info;
    info.present = true;
    info.common_name = printable_name(pki::common_name(cert.get()));
    info.subject = printable_name(name_text(X509_get_subject_name(cert.get())));
    info.issuer = printable_name(name_text(X509_get_issuer_name(cert.get())));
    return info;
}

void Session::release() {
    ssl_.reset(); // the BIOs go with it
    rbio_ = wbio_ = nullptr;
    Bytes().swap(plain_);
}

std::string Session::version() const {
    return ssl_ ? SSL_get_version(ssl_.get()) : "";
}

std::string Session::cipher_suite() const {
    const SSL_CIPHER* c = ssl_ ? SSL_get_current_cipher(ssl_.get()) : nullptr;
    return c ? SSL_CIPHER_get_name(c) : "";
}

} // namespace vp::tls
