// The store's trust side: issuers and chains, revocation and CRLs, and what the servers load
// (identities and the trust store).
#include "pki/store.hpp"

#include "base/log.hpp"
#include "pki/atomic_file.hpp"
#include "pki/store_lock.hpp"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <charconv>

namespace vp::pki {

namespace {

constexpr mode_t kPublicFileMode = 0644;
constexpr int kMaxChainDepth = 8;

bool issued_by(X509* cert, X509* candidate) {
    bool ok = X509_check_issued(candidate, cert) == X509_V_OK &&
              X509_verify(cert, X509_get0_pubkey(candidate)) == 1;
    ERR_clear_error();
    return ok;
}

} // namespace

std::optional<std::string> Store::find_issuer(X509* cert) const {
    if (is_self_signed(cert)) {
        // Its own issuer: find its own entry.
        for (auto& name : certificate_names()) {
            auto candidate = load_certificate(name);
            if (candidate && X509_cmp(candidate->get(), cert) == 0) return name;
        }
        return std::nullopt;
    }
    for (auto& name : certificate_names()) {
        auto candidate = load_certificate(name);
        if (candidate && issued_by(cert, candidate->get())) return name;
    }
    return std::nullopt;
}

Result<std::vector<X509Ptr>> Store::chain_of(const std::string& name) const {
    auto cert = load_certificate(name);
    if (!cert) return cert.error();
    std::vector<std::pair<std::string, X509Ptr>> all;
    for (auto& n : certificate_names()) {
        auto c = load_certificate(n);
        if (c) all.emplace_back(n, std::move(*c));
    }
    std::vector<X509Ptr> chain;
    X509* current = cert->get();
    for (int depth = 0; depth < kMaxChainDepth && !is_self_signed(current); ++depth) {
        X509* next = nullptr;
        for (auto& [n, c] : all) {
            if (X509_cmp(c.get(), current) != 0 && issued_by(current, c.get())) {
                next = c.get();
                break;
            }
        }
        if (!next) break;
        chain.push_back(up_ref(next));
        current = next;
    }
    return chain;
}

Result<std::vector<RevokedEntry>> Store::load_revoked(const std::string& ca_name) const {
    if (!path_exists(revoked_index_path(ca_name))) return std::vector<RevokedEntry>{};
    auto text = read_whole_file(revoked_index_path(ca_name));
    if (!text) return text.error();
    auto entries = parse_revocation_index(*text);
    if (!entries) return make_error(revoked_index_path(ca_name) + ": " + entries.message());
    return entries;
}

std::optional<std::time_t> Store::revoked_at(const std::string& name) const {
    auto cert = load_certificate(name);
    if (!cert || is_self_signed(cert->get())) return std::nullopt;
    auto issuer = find_issuer(cert->get());
    if (!issuer) return std::nullopt;
    auto entries = load_revoked(*issuer);
    if (!entries) return std::nullopt;
    std::string serial = serial_hex(X509_get0_serialNumber(cert->get()));
    for (auto& e : *entries)
        if (e.serial_hex == serial) return e.revoked_at;
    return std::nullopt;
}

Result<X509CrlPtr> Store::load_crl(const std::string& ca_name) const {
    if (!has_crl(ca_name)) return make_error("CA '" + ca_name + "' has no CRL in the store");
    auto text = read_whole_file(crl_path(ca_name));
    if (!text) return text.error();
    auto crl = crl_from_pem(*text);
    if (!crl) return make_error(crl_path(ca_name) + ": " + crl.message());
    return crl;
}

Result<X509CrlPtr> Store::write_crl(const std::string& ca_name, std::time_t now, int days) {
    auto cert = load_certificate(ca_name);
    if (!cert) return cert.error();
    if (!is_ca(cert->get())) return make_error("'" + ca_name + "' is not a CA");
    if (!(key_usage_of(cert->get()) & KuCrlSign) && X509_get_key_usage(cert->get()) != UINT32_MAX)
        return make_error("CA '" + ca_name + "' cannot sign CRLs: its key-usage lacks crl-sign");
    if (!has_private_key(ca_name))
        return make_error("CA '" + ca_name + "' has no private key in this store to sign a CRL");
    auto key = load_private_key(ca_name);
    if (!key) return key.error();
    auto revoked = load_revoked(ca_name);
    if (!revoked) return revoked.error();

    uint64_t number = 0;
    if (path_exists(crl_number_path(ca_name))) {
        auto text = read_whole_file(crl_number_path(ca_name));
        if (!text) return text.error();
        std::string_view digits(*text);
        while (!digits.empty() && (digits.back() == '\n' || digits.back() == '\r'))
            digits.remove_suffix(1);
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
        if (ec != std::errc() || ptr != digits.data() + digits.size())
            return make_error(crl_number_path(ca_name) + " is damaged");
    }
    ++number;
    auto crl = build_crl(cert->get(), key->get(), *revoked, number, now, days);
    if (!crl) return crl.error();
    // The number first: a crash in between skips a number, never reuses one.
    if (auto s = write_file_atomic(crl_number_path(ca_name), std::to_string(number) + "\n",
                                   kPublicFileMode, WriteMode::Replace);
        !s)
        return s.error();
    if (auto s = write_file_atomic(crl_path(ca_name), to_pem(crl->get()), kPublicFileMode,
                                   WriteMode::Replace);
        !s)
        return s.error();
    return crl;
}

Result<X509CrlPtr> Store::generate_crl(const std::string& ca_name, std::time_t now, int days) {
    auto lock = StoreLock::acquire(dir_);
    if (!lock) return lock.error();
    if (days < 0 || days > 36500) return make_error("next-update must be 1 to 36500 days");
    auto meta = load_meta(ca_name);
    if (!meta) return meta.error();
    auto crl = write_crl(ca_name, now, days > 0 ? days : meta->crl_days);
    if (!crl) return crl.error();
    if (days > 0 && days != meta->crl_days) {
        meta->crl_days = days;
        if (auto s = write_meta(ca_name, *meta, WriteMode::Replace); !s) return s.error();
    }
    return crl;
}

Status Store::revoke(const std::string& name, std::time_t now) {
    auto lock = StoreLock::acquire(dir_);
    if (!lock) return lock.error();
    auto cert = load_certificate(name);
    if (!cert) return cert.error();
    if (is_self_signed(cert->get()))
        return make_error("'" + name +
                          "' is self-signed and cannot be revoked; stop trusting it "
                          "(vpnctl certificate set " +
                          name + " trusted=no) or remove it");
    auto issuer = find_issuer(cert->get());
    if (!issuer)
        return make_error("cannot revoke '" + name + "': its issuer (" +
                          name_to_string(X509_get_issuer_name(cert->get())) +
                          ") is not in this store");
    if (!has_private_key(*issuer))
        return make_error("cannot revoke '" + name + "': CA '" + *issuer +
                          "' has no private key in this store to sign a CRL");
    auto entries = load_revoked(*issuer);
    if (!entries) return entries.error();
    std::string serial = serial_hex(X509_get0_serialNumber(cert->get()));
    for (auto& e : *entries)
        if (e.serial_hex == serial)
            return make_error("'" + name + "' is already revoked (since " +
                              format_time(e.revoked_at) + " UTC)");
    auto meta = load_meta(*issuer);
    if (!meta) return meta.error();
    entries->push_back({serial, now, name});
    if (auto s = write_file_atomic(revoked_index_path(*issuer), revocation_index_text(*entries),
                                   kPublicFileMode, WriteMode::Replace);
        !s)
        return s;
    if (auto crl = write_crl(*issuer, now, meta->crl_days); !crl) return crl.error();
    return {};
}

Result<Identity> Store::load_identity(const std::string& name, std::time_t now) const {
    auto cert = load_certificate(name);
    if (!cert) return cert.error();
    if (!has_private_key(name))
        return make_error("certificate '" + name +
                          "' has no private key in the store (import "
                          "it: vpnctl certificate import file-name=KEYFILE passphrase=...)");
    auto key = load_private_key(name);
    if (!key) return key.error();
    if (!public_keys_match(cert->get(), key->get()))
        return make_error("certificate '" + name + "': the private key does not match it");
    std::time_t not_after = to_time_t(X509_get0_notAfter(cert->get()));
    std::time_t not_before = to_time_t(X509_get0_notBefore(cert->get()));
    if (now > not_after)
        return make_error("certificate '" + name + "' expired on " + format_time(not_after) +
                          " UTC");
    if (now < not_before)
        return make_error("certificate '" + name + "' is not valid before " +
                          format_time(not_before) + " UTC (check the system clock)");
    if (auto when = revoked_at(name))
        return make_error("certificate '" + name + "' was revoked on " + format_time(*when) +
                          " UTC");
    auto chain = chain_of(name);
    if (!chain) return chain.error();
    Identity id;
    id.name = name;
    id.certificate = std::move(*cert);
    id.private_key = std::move(*key);
    id.chain = std::move(*chain);
    return id;
}

std::vector<X509Ptr> Store::trusted_cas() const {
    std::vector<X509Ptr> out;
    for (auto& name : certificate_names()) {
        auto cert = load_certificate(name);
        if (!cert || !is_ca(cert->get())) continue;
        auto meta = load_meta(name);
        if (meta && meta->trusted) out.push_back(std::move(*cert));
    }
    return out;
}

Result<X509StorePtr> Store::trust_store(std::time_t now) const {
    X509StorePtr store(X509_STORE_new());
    if (!store) return openssl_error("cannot create an X509_STORE");
    bool any_crl = false;
    for (auto& name : certificate_names()) {
        auto cert = load_certificate(name);
        if (!cert) return cert.error();
        if (!is_ca(cert->get())) continue;
        auto meta = load_meta(name);
        if (!meta) return meta.error();
        if (!meta->trusted) continue;
        if (X509_STORE_add_cert(store.get(), cert->get()) != 1)
            return openssl_error("cannot add CA '" + name + "' to the trust store");
        if (!has_crl(name)) continue;
        auto crl = load_crl(name);
        if (!crl) return crl.error();
        if (X509_CRL_verify(crl->get(), X509_get0_pubkey(cert->get())) != 1) {
            ERR_clear_error();
            return make_error("the CRL of CA '" + name + "' (" + crl_path(name) +
                              ") is not signed by it; regenerate it: vpnctl certificate crl " +
                              name);
        }
        const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl->get());
        if (next && to_time_t(next) < now)
            vp::log::warning(vp::log::Topic::Pki,
                             "the CRL of CA '{}' passed its nextUpdate on {} UTC; it is still "
                             "used, but refresh it (vpnctl certificate crl {}) before publishing",
                             name, format_time(to_time_t(next)), name);
        if (X509_STORE_add_crl(store.get(), crl->get()) != 1)
            return openssl_error("cannot add the CRL of CA '" + name + "' to the trust store");
        any_crl = true;
    }
    if (any_crl) {
        X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
        X509_STORE_set_verify_cb(store.get(), crl_tolerant_verify_callback);
    }
    return store;
}

int crl_tolerant_verify_callback(int ok, X509_STORE_CTX* ctx) {
    if (ok) return ok;
    int err = X509_STORE_CTX_get_error(ctx);
    if (err == X509_V_ERR_UNABLE_TO_GET_CRL || err == X509_V_ERR_CRL_HAS_EXPIRED) {
        X509_STORE_CTX_set_error(ctx, X509_V_OK);
        return 1;
    }
    return ok;
}

} // namespace vp::pki
