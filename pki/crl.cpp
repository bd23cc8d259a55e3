// CRL building and the revocation index format (see crl.hpp).
#include "pki/crl.hpp"

#include <openssl/err.h>

#include <charconv>

namespace vp::pki {

namespace {

bool is_hex(std::string_view s) {
    if (s.empty() || s.size() > 40) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

} // namespace

Result<std::vector<RevokedEntry>> parse_revocation_index(std::string_view text) {
    std::vector<RevokedEntry> out;
    size_t line_no = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        if (line.empty() || line.front() == '#') continue;
        size_t sp1 = line.find(' ');
        size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
        auto bad = [&] { return make_error("line " + std::to_string(line_no) + " is malformed"); };
        if (sp2 == std::string_view::npos) return bad();
        RevokedEntry e;
        e.serial_hex = std::string(line.substr(0, sp1));
        std::string_view when = line.substr(sp1 + 1, sp2 - sp1 - 1);
        e.name = std::string(line.substr(sp2 + 1));
        long long t = 0;
        auto [ptr, ec] = std::from_chars(when.data(), when.data() + when.size(), t);
        if (!is_hex(e.serial_hex) || ec != std::errc() || ptr != when.data() + when.size())
            return bad();
        e.revoked_at = static_cast<std::time_t>(t);
        out.push_back(std::move(e));
    }
    return out;
}

std::string revocation_index_text(const std::vector<RevokedEntry>& entries) {
    std::string out = "# serial revoked-at(unix) name\n";
    for (auto& e : entries)
        out += e.serial_hex + ' ' + std::to_string(static_cast<long long>(e.revoked_at)) + ' ' +
               e.name + '\n';
    return out;
}

Result<X509CrlPtr> build_crl(X509* ca, EVP_PKEY* ca_key, const std::vector<RevokedEntry>& revoked,
                             uint64_t crl_number, std::time_t now, int next_update_days) {
    ERR_clear_error();
    X509CrlPtr crl(X509_CRL_new());
    if (!crl || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
        X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca)) != 1)
        return openssl_error("cannot create a CRL");

    Asn1TimePtr last(X509_time_adj_ex(nullptr, 0, 0, &now));
    Asn1TimePtr next(X509_time_adj_ex(nullptr, next_update_days, 0, &now));
    if (!last || !next || X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
        X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1)
        return openssl_error("cannot set the CRL's update times");

    for (auto& e : revoked) {
        X509RevokedPtr entry(X509_REVOKED_new());
        BIGNUM* bn_raw = nullptr;
        if (!entry || BN_hex2bn(&bn_raw, e.serial_hex.c_str()) == 0)
            return make_error("bad serial " + e.serial_hex + " in the revocation index");
        BignumPtr bn(bn_raw);
        Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
        std::time_t when = e.revoked_at;
        Asn1TimePtr date(X509_time_adj_ex(nullptr, 0, 0, &when));
        if (!serial || !date || X509_REVOKED_set_serialNumber(entry.get(), serial.get()) != 1 ||
            X509_REVOKED_set_revocationDate(entry.get(), date.get()) != 1 ||
            X509_CRL_add0_revoked(crl.get(), entry.get()) != 1)
            return openssl_error("cannot add a CRL entry");
        entry.release(); // owned by the CRL now
    }

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca, nullptr, nullptr, crl.get(), 0);
    X509ExtensionPtr akid(
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
    Asn1IntegerPtr number(ASN1_INTEGER_new());
    if (!number || ASN1_INTEGER_set_uint64(number.get(), crl_number) != 1 ||
        X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1 ||
        (akid && X509_CRL_add_ext(crl.get(), akid.get(), -1) != 1))
        return openssl_error("cannot add the CRL's extensions");

    X509_CRL_sort(crl.get());
    if (X509_CRL_sign(crl.get(), ca_key, EVP_sha256()) <= 0)
        return openssl_error("signing the CRL failed");
    return crl;
}

} // namespace vp::pki
