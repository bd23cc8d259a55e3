// Helpers shared by the pki unit tests: a temporary directory and a quick store with a CA.
#pragma once

#include "pki/store.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

namespace vp::pki::testing {

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "vp-pki-XXXXXX").string();
        char* made = ::mkdtemp(pattern.data());
        if (made) path_ = made;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// 2026-01-01 00:00:00 UTC: tests pass `now` explicitly, so they do not depend on the clock.
inline constexpr std::time_t kNow = 1767225600;

inline CertificateTemplate make_template(const std::vector<std::string>& args) {
    auto props = Properties::from_args(args);
    EXPECT_TRUE(props.ok()) << (props ? "" : props.message());
    auto t = template_from_properties(std::move(*props));
    EXPECT_TRUE(t.ok()) << (t ? "" : t.message());
    return *t;
}

// Adds a template and signs it; fails the test on error.
inline X509Ptr add_and_sign(Store& store, const std::vector<std::string>& add_args, SignRequest req,
                            std::time_t now = kNow) {
    auto t = make_template(add_args);
    auto added = store.add_template(t);
    EXPECT_TRUE(added.ok()) << (added ? "" : added.message());
    req.template_name = t.name;
    auto cert = store.sign(req, now);
    EXPECT_TRUE(cert.ok()) << (cert ? "" : cert.message());
    return cert ? std::move(*cert) : X509Ptr();
}

// A store with an EC CA "ca", a server "server" and a client "client" (EC keys: fast).
inline void make_basic_pki(Store& store, std::time_t now = kNow) {
    add_and_sign(store,
                 {"name=ca-template", "common-name=Test CA", "key-size=prime256v1",
                  "days-valid=3650", "key-usage=key-cert-sign,crl-sign"},
                 {.name = "ca"}, now);
    add_and_sign(store,
                 {"name=server", "common-name=vpn.example.com",
                  "subject-alt-name=DNS:vpn.example.com,IP:192.0.2.1", "key-size=prime256v1",
                  "key-usage=tls-server"},
                 {.ca = "ca"}, now);
    add_and_sign(
        store, {"name=client", "common-name=alice", "key-size=prime256v1", "key-usage=tls-client"},
        {.ca = "ca"}, now);
}

// Verifies `cert` against `store` at time `now` with the SSL client or server purpose; returns
// X509_V_OK or the verification error.
inline int verify_with(X509_STORE* store, X509* cert, std::time_t now,
                       const std::vector<X509*>& untrusted = {}, int purpose = 0) {
    X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    STACK_OF(X509)* chain = sk_X509_new_null();
    for (auto* c : untrusted)
        sk_X509_push(chain, c);
    X509_STORE_CTX_init(ctx.get(), store, cert, chain);
    X509_STORE_CTX_set_time(ctx.get(), 0, now);
    if (purpose) X509_STORE_CTX_set_purpose(ctx.get(), purpose);
    int ok = X509_verify_cert(ctx.get());
    int err = X509_STORE_CTX_get_error(ctx.get());
    sk_X509_free(chain);
    return ok == 1 ? X509_V_OK : (err == X509_V_OK ? -1 : err);
}

} // namespace vp::pki::testing
