// Building and rendering the store's `print` views (see describe.hpp).
#include "pki/describe.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <cstdio>
#include <map>

namespace vp::pki {

namespace {

struct Loaded {
    std::string name;
    X509Ptr cert;
};

bool issued_by(X509* cert, X509* candidate) {
    bool ok = X509_check_issued(candidate, cert) == X509_V_OK &&
              X509_verify(cert, X509_get0_pubkey(candidate)) == 1;
    ERR_clear_error();
    return ok;
}

EntryView template_view(const Store& store, const std::string& name) {
    EntryView v;
    v.name = name;
    v.is_template = true;
    auto t = store.load_template(name);
    if (!t) {
        v.properties.push_back({"error", t.message()});
        return v;
    }
    auto& p = v.properties;
    p.push_back({"common-name", t->common_name});
    p.push_back({"subject-alt-name", subject_alt_names_text(t->subject_alt_names)});
    p.push_back({"key-type", std::string(key_type_name(t->key.type))});
    p.push_back({"key-size", key_size_name(t->key)});
    p.push_back({"days-valid", std::to_string(t->days_valid)});
    p.push_back({"key-usage", t->key_usage ? key_usage_names(t->key_usage) : "(default)"});
    p.push_back({"digest-algorithm", t->digest});
    for (auto [key, value] : {std::pair{"country", &t->country},
                              {"state", &t->state},
                              {"locality", &t->locality},
                              {"organization", &t->organization},
                              {"unit", &t->unit}})
        if (!value->empty()) p.push_back({key, *value});
    return v;
}

// Revocation indexes by CA name, each read once per print.
using RevokedCache = std::map<std::string, std::vector<RevokedEntry>>;

std::optional<std::time_t> revoked_time(const Store& store, RevokedCache& cache,
                                        const std::string& issuer, X509* cert) {
    auto it = cache.find(issuer);
    if (it == cache.end()) {
        auto entries = store.revoked_entries(issuer);
        it = cache.emplace(issuer, entries ? std::move(*entries) : std::vector<RevokedEntry>{})
                 .first;
    }
    std::string serial = serial_hex(X509_get0_serialNumber(cert));
    for (auto& e : it->second)
        if (e.serial_hex == serial) return e.revoked_at;
    return std::nullopt;
}

EntryView certificate_view(const Store& store, const Loaded& entry, const std::vector<Loaded>& all,
                           RevokedCache& revoked_cache, std::time_t now) {
    EntryView v;
    v.name = entry.name;
    X509* cert = entry.cert.get();
    const bool has_key = store.has_private_key(entry.name);
    auto meta = store.load_meta(entry.name);
    const bool trusted = meta ? meta->trusted : false;
    const bool authority = is_ca(cert);
    const bool self_signed = is_self_signed(cert);
    std::string issuer_name;
    for (auto& other : all) {
        if (self_signed
                ? X509_cmp(other.cert.get(), cert) == 0
                : (X509_cmp(other.cert.get(), cert) != 0 && issued_by(cert, other.cert.get()))) {
            issuer_name = other.name;
            break;
        }
    }
    const bool issued = !self_signed && !issuer_name.empty() && store.has_private_key(issuer_name);
    const std::time_t not_before = to_time_t(X509_get0_notBefore(cert));
    const std::time_t not_after = to_time_t(X509_get0_notAfter(cert));
    const bool expired = now > not_after;
    auto revoked = self_signed || issuer_name.empty()
                       ? std::nullopt
                       : revoked_time(store, revoked_cache, issuer_name, cert);
    const bool has_crl = authority && store.has_crl(entry.name);

    if (has_key) v.flags += 'K';
    if (has_crl) v.flags += 'L';
    if (authority) v.flags += 'A';
    if (issued) v.flags += 'I';
    if (revoked) v.flags += 'R';
    if (expired) v.flags += 'E';
    if (trusted) v.flags += 'T';

    auto& p = v.properties;
    auto spec = key_spec_of(X509_get0_pubkey(cert));
    p.push_back({"common-name", common_name(cert)});
    p.push_back({"subject-alt-name", subject_alt_names_text(subject_alt_names_of(cert))});
    p.push_back({"key-type", spec ? std::string(key_type_name(spec->type)) : "other"});
    p.push_back({"key-size", spec ? key_size_name(*spec) : "?"});
    p.push_back({"days-valid", std::to_string((not_after - not_before + 43200) / 86400)});
    p.push_back({"trusted", trusted ? "yes" : "no"});
    p.push_back({"key-usage", key_usage_names(key_usage_of(cert))});
    p.push_back({"ca", self_signed           ? "self"
                       : issuer_name.empty() ? "(not in store)"
                                             : issuer_name});
    p.push_back({"serial-number", serial_hex(X509_get0_serialNumber(cert))});
    p.push_back({"fingerprint", fingerprint_sha256(cert)});
    p.push_back({"sha1-fingerprint", fingerprint_sha1(cert)});
    p.push_back({"subject", name_to_string(X509_get_subject_name(cert))});
    p.push_back({"issuer", name_to_string(X509_get_issuer_name(cert))});
    p.push_back({"invalid-before", format_time(not_before)});
    p.push_back({"invalid-after", format_time(not_after)});
    p.push_back({"expires-after", format_duration(static_cast<int64_t>(not_after - now))});
    p.push_back({"private-key", has_key ? "yes" : "no"});
    if (revoked) p.push_back({"revoked", format_time(*revoked)});
    auto cdp = crl_distribution_points(cert);
    if (!cdp.empty()) {
        std::string joined;
        for (auto& u : cdp)
            joined += (joined.empty() ? "" : ",") + u;
        p.push_back({"crl-distribution-point", joined});
    }
    if (meta && !meta->ca_crl_host.empty()) p.push_back({"ca-crl-host", meta->ca_crl_host});
    if (has_crl) {
        auto crl = store.load_crl(entry.name);
        if (crl) {
            const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl->get());
            p.push_back({"crl-next-update", next ? format_time(to_time_t(next)) : "none"});
            int count = sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl->get()));
            p.push_back({"crl-revoked-count", std::to_string(count < 0 ? 0 : count)});
        }
    }
    return v;
}

bool needs_quotes(const std::string& value) {
    return value.empty() || value.find_first_of(" \",=") != std::string::npos;
}

std::string quoted(const std::string& value) {
    if (!needs_quotes(value)) return value;
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + '"';
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + '"';
}

std::string pad(std::string s, size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

} // namespace

const std::string* EntryView::get(std::string_view key) const {
    for (auto& [k, v] : properties)
        if (k == key) return &v;
    return nullptr;
}

std::vector<EntryView> describe_store(const Store& store, std::time_t now) {
    std::vector<Loaded> all;
    std::vector<EntryView> out;
    for (auto& name : store.certificate_names()) {
        auto cert = store.load_certificate(name);
        if (cert) {
            all.push_back({name, std::move(*cert)});
        } else {
            EntryView v;
            v.name = name;
            v.properties.push_back({"error", cert.message()});
            out.push_back(std::move(v));
        }
    }
    RevokedCache revoked_cache;
    for (auto& entry : all)
        out.push_back(certificate_view(store, entry, all, revoked_cache, now));
    for (auto& name : store.template_names())
        out.push_back(template_view(store, name));
    std::sort(out.begin(), out.end(),
              [](const EntryView& a, const EntryView& b) { return a.name < b.name; });
    return out;
}

std::string format_table(const std::vector<EntryView>& entries) {
    std::string out = "Flags: K - PRIVATE-KEY; L - CRL; A - AUTHORITY; I - ISSUED; R - REVOKED; "
                      "E - EXPIRED; T - TRUSTED\n";
    size_t name_w = 4, cn_w = 11, san_w = 16;
    for (auto& e : entries) {
        name_w = std::max(name_w, e.name.size());
        if (auto* cn = e.get("common-name")) cn_w = std::max(cn_w, cn->size());
        if (auto* san = e.get("subject-alt-name")) san_w = std::max(san_w, san->size());
    }
    out += pad(" #", 4) + pad("", 8) + pad("NAME", name_w + 2) + pad("COMMON-NAME", cn_w + 2) +
           pad("SUBJECT-ALT-NAME", san_w + 2) + "FINGERPRINT\n";
    size_t index = 0;
    for (auto& e : entries) {
        auto* cn = e.get("common-name");
        auto* san = e.get("subject-alt-name");
        auto* fp = e.get("fingerprint");
        std::string flags = e.is_template ? "" : e.flags;
        std::string line = pad(" " + std::to_string(index++), 4) + pad(flags, 8) +
                           pad(e.name, name_w + 2) + pad(cn ? *cn : "", cn_w + 2) +
                           pad(san ? *san : "", san_w + 2) +
                           (e.is_template ? "(template)"
                            : fp          ? *fp
                                          : "");
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out += line + '\n';
    }
    return out;
}

std::string format_detail(const std::vector<EntryView>& entries) {
    std::string out = "Flags: K - PRIVATE-KEY; L - CRL; A - AUTHORITY; I - ISSUED; R - REVOKED; "
                      "E - EXPIRED; T - TRUSTED\n";
    size_t index = 0;
    for (auto& e : entries) {
        std::string flags;
        for (char f : e.flags)
            flags += std::string(1, f) + ' ';
        std::string line = pad(" " + std::to_string(index++), 3) + " " + flags;
        std::string indent(7, ' ');
        bool first = true;
        auto emit = [&](const std::string& pair) {
            if (!first && line.size() + 1 + pair.size() > 100) {
                out += line + '\n';
                line = indent + pair;
            } else {
                line += (first ? "" : " ") + pair;
            }
            first = false;
        };
        emit("name=" + quoted(e.name));
        for (auto& [k, v] : e.properties)
            emit(k + "=" + quoted(v));
        out += line + "\n\n";
    }
    return out;
}

std::string format_json(const std::vector<EntryView>& entries) {
    std::string out = "[";
    for (size_t i = 0; i < entries.size(); ++i) {
        auto& e = entries[i];
        out += i ? ",\n {" : "\n {";
        out += "\"name\": " + json_string(e.name);
        out += ", \"template\": ";
        out += e.is_template ? "true" : "false";
        out += ", \"flags\": " + json_string(e.flags);
        for (auto& [k, v] : e.properties)
            out += ", " + json_string(k) + ": " + json_string(v);
        out += "}";
    }
    out += entries.empty() ? "]\n" : "\n]\n";
    return out;
}

} // namespace vp::pki
