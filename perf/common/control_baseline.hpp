// The control-plane benchmarks' common yardstick (perf/ovpn_control, perf/sstp_control): a bare
// OpenSSL server (SSL_CTX with OpenSSL's defaults, what `openssl s_server -cert -key` runs) and
// its handshake against one of the appliance's client contexts, timed in the server thread's CPU
// time only (perf/crypto/bench_util.hpp's clock); and the heap in use, for the memory per idle
// session.
#pragma once

#include "base/bytes.hpp"
#include "control/tls/context.hpp"
#include "control/tls/session.hpp"
#include "perf/crypto/bench_util.hpp"

#include <malloc.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>

namespace vp::perf {

// glibc mallinfo2: bytes in use + mmapped.
inline size_t heap_in_use() {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

// The `openssl s_server` baseline's context with this certificate and key; owns the SSL_CTX.
class BaselineServer {
public:
    BaselineServer(X509* cert, EVP_PKEY* key) : ctx_(SSL_CTX_new(TLS_server_method())) {
        if (ctx_ &&
            (SSL_CTX_use_certificate(ctx_, cert) != 1 || SSL_CTX_use_PrivateKey(ctx_, key) != 1)) {
            SSL_CTX_free(ctx_);
            ctx_ = nullptr;
        }
    }
    ~BaselineServer() { SSL_CTX_free(ctx_); }
    BaselineServer(const BaselineServer&) = delete;
    BaselineServer& operator=(const BaselineServer&) = delete;

    bool ok() const { return ctx_ != nullptr; }

    // One server handshake against a client of `client_ctx`; returns the server's thread CPU
    // seconds, negative on failure.
    double handshake(std::shared_ptr<const tls::Context> client_ctx) const {
        tls::Session client(std::move(client_ctx));
        (void)client.feed({});
        double cpu = 0, t0 = thread_cpu_seconds();
        SSL* ssl = SSL_new(ctx_);
        BIO* in = BIO_new(BIO_s_mem());
        BIO* out = BIO_new(BIO_s_mem());
        SSL_set_bio(ssl, in, out);
        SSL_set_accept_state(ssl);
        cpu += thread_cpu_seconds() - t0;
        bool done = false;
        for (int i = 0; i < 20 && !(done && client.handshake_done()); ++i) {
            Bytes c = client.take_output();
            t0 = thread_cpu_seconds();
            if (!c.empty()) BIO_write(in, c.data(), static_cast<int>(c.size()));
            if (!done) done = SSL_do_handshake(ssl) == 1;
            Bytes s(static_cast<size_t>(BIO_pending(out)));
            if (!s.empty()) BIO_read(out, s.data(), static_cast<int>(s.size()));
            cpu += thread_cpu_seconds() - t0;
            if (!s.empty()) (void)client.feed(s);
        }
        t0 = thread_cpu_seconds();
        SSL_free(ssl);
        cpu += thread_cpu_seconds() - t0;
        return done && client.handshake_done() ? cpu : -1;
    }

private:
    SSL_CTX* ctx_;
};

} // namespace vp::perf
