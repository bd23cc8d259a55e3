// Certificate templates: RouterOS property parsing, key-usage names and defaults.
#include "pki/template.hpp"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <charconv>

namespace vp::pki {

namespace {

struct UsageName {
    std::string_view name;
    uint32_t bit;
};

constexpr std::array<UsageName, 15> kUsageNames = {{
    {"digital-signature", KuDigitalSignature},
    {"content-commitment", KuContentCommitment},
    {"key-encipherment", KuKeyEncipherment},
    {"data-encipherment", KuDataEncipherment},
    {"key-agreement", KuKeyAgreement},
    {"key-cert-sign", KuKeyCertSign},
    {"crl-sign", KuCrlSign},
    {"encipher-only", KuEncipherOnly},
    {"decipher-only", KuDecipherOnly},
    {"tls-server", EkuTlsServer},
    {"tls-client", EkuTlsClient},
    {"code-sign", EkuCodeSign},
    {"email-protect", EkuEmailProtect},
    {"timestamp", EkuTimestamp},
    {"ocsp-sign", EkuOcspSign},
}};

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    while (true) {
        size_t pos = text.find(sep);
        out.push_back(text.substr(0, pos));
        if (pos == std::string_view::npos) break;
        text = text.substr(pos + 1);
    }
    return out;
}

bool valid_dns_name(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    // A leading "*." wildcard label is allowed; the rest are letters, digits, '-' and '.'.
    if (name.substr(0, 2) == "*.") name.remove_prefix(2);
    if (name.empty() || name.front() == '.' || name.back() == '.') return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            return false;
    return name.find("..") == std::string_view::npos;
}

bool valid_ip(std::string_view text) {
    std::string s(text);
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool valid_email(std::string_view text) {
    size_t at = text.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 >= text.size()) return false;
    for (char c : text)
        if (c == ',' || c == ' ' || static_cast<unsigned char>(c) < 0x20) return false;
    return true;
}

Result<int> parse_int(std::string_view key, std::string_view text, int min, int max) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max)
        return make_error(std::string(key) + "=" + std::string(text) + ": expected a number from " +
                          std::to_string(min) + " to " + std::to_string(max));
    return value;
}

Result<KeySpec> parse_key_spec(std::optional<std::string> type, std::optional<std::string> size) {
    KeySpec spec;
    if (type && *type != "rsa" && *type != "ec")
        return make_error("key-type=" + *type + ": expected rsa or ec");
    // RouterOS names the EC curve in key-size; key-type may then be left out.
    bool curve_named = false;
    if (size) {
        const std::string& s = *size;
        if (s == "prime256v1" || s == "secp256r1" || s == "p256" || s == "P-256") {
            spec = {KeyType::Ec, 256};
            curve_named = true;
        } else if (s == "secp384r1" || s == "p384" || s == "P-384") {
            spec = {KeyType::Ec, 384};
            curve_named = true;
        } else if (s == "2048" || s == "3072" || s == "4096") {
            spec = {KeyType::Rsa, s == "2048" ? 2048 : s == "3072" ? 3072 : 4096};
        } else if (s == "1024" || s == "1536") {
            return make_error("key-size=" + s + ": RSA keys shorter than 2048 bits are refused");
        } else {
            return make_error("key-size=" + s +
                              ": expected 2048, 3072 or 4096 (rsa), prime256v1 or secp384r1 (ec)");
        }
    }
    if (type) {
        KeyType wanted = *type == "rsa" ? KeyType::Rsa : KeyType::Ec;
        if (!size) {
            spec = wanted == KeyType::Rsa ? KeySpec{KeyType::Rsa, 2048} : KeySpec{KeyType::Ec, 256};
        } else if (wanted != spec.type) {
            return make_error("key-type=" + *type + " does not go with key-size=" + *size +
                              (curve_named ? " (an EC curve)" : " (an RSA size)"));
        }
    }
    return spec;
}

} // namespace

std::string_view key_type_name(KeyType type) {
    return type == KeyType::Rsa ? "rsa" : "ec";
}

std::string key_size_name(KeySpec spec) {
    if (spec.type == KeyType::Rsa) return std::to_string(spec.bits);
    return spec.bits == 384 ? "secp384r1" : "prime256v1";
}

Result<uint32_t> parse_key_usage(std::string_view text) {
    uint32_t bits = 0;
    if (text.empty()) return make_error("key-usage is empty");
    for (auto word : split(text, ',')) {
        bool found = false;
        for (auto& u : kUsageNames) {
            if (u.name == word) {
                bits |= u.bit;
                found = true;
            }
        }
        if (!found) {
            std::string all;
            for (auto& u : kUsageNames)
                all += (all.empty() ? "" : ", ") + std::string(u.name);
            return make_error("key-usage: '" + std::string(word) + "' is not one of: " + all);
        }
    }
    return bits;
}

std::string key_usage_names(uint32_t bits) {
    std::string out;
    for (auto& u : kUsageNames) {
        if (!(bits & u.bit)) continue;
        out += out.empty() ? "" : ",";
        out += u.name;
    }
    return out;
}

Result<std::vector<SubjectAltName>> parse_subject_alt_names(std::string_view text) {
    std::vector<SubjectAltName> out;
    if (text.empty()) return out;
    for (auto item : split(text, ',')) {
        size_t colon = item.find(':');
        std::string_view prefix = colon == std::string_view::npos ? "" : item.substr(0, colon);
        std::string_view value = colon == std::string_view::npos ? "" : item.substr(colon + 1);
        SubjectAltName san{SubjectAltName::Kind::Dns, std::string(value)};
        bool ok = false;
        if (prefix == "DNS" || prefix == "dns") {
            ok = valid_dns_name(value);
        } else if (prefix == "IP" || prefix == "ip") {
            san.kind = SubjectAltName::Kind::Ip;
            ok = valid_ip(value);
        } else if (prefix == "email" || prefix == "EMAIL") {
            san.kind = SubjectAltName::Kind::Email;
            ok = valid_email(value);
        } else {
            return make_error("subject-alt-name: '" + std::string(item) +
                              "': expected DNS:name, IP:address or email:address");
        }
        if (!ok)
            return make_error("subject-alt-name: '" + std::string(item) + "' is not a valid " +
                              std::string(prefix) + " value");
        out.push_back(std::move(san));
    }
    return out;
}

std::string subject_alt_names_text(const std::vector<SubjectAltName>& names) {
    std::string out;
    for (auto& n : names) {
        out += out.empty() ? "" : ",";
        out += n.kind == SubjectAltName::Kind::Dns  ? "DNS:"
               : n.kind == SubjectAltName::Kind::Ip ? "IP:"
                                                    : "email:";
        out += n.value;
    }
    return out;
}

bool valid_object_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name.front() == '.' || name.front() == '-')
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    return true;
}

Result<CertificateTemplate> template_from_properties(Properties props) {
    CertificateTemplate t;
    auto name = props.take("name");
    if (!name) return make_error("name= is required");
    if (!valid_object_name(*name))
        return make_error("name=" + *name +
                          ": use 1-64 letters, digits, '-', '_' or '.' (not first)");
    t.name = *name;
    t.common_name = props.take_or("common-name", t.name);
    if (t.common_name.empty()) return make_error("common-name must not be empty");
    if (t.common_name.size() > 64) return make_error("common-name is longer than 64 characters");
    t.country = props.take_or("country", "");
    if (!t.country.empty() &&
        (t.country.size() != 2 || !std::isalpha(static_cast<unsigned char>(t.country[0])) ||
         !std::isalpha(static_cast<unsigned char>(t.country[1]))))
        return make_error("country=" + t.country + ": expected a two-letter country code");
    t.state = props.take_or("state", "");
    t.locality = props.take_or("locality", "");
    t.organization = props.take_or("organization", "");
    t.unit = props.take_or("unit", "");
    for (auto* field : {&t.state, &t.locality, &t.organization, &t.unit})
        if (field->size() > 64) return make_error("subject fields are limited to 64 characters");

    auto sans = parse_subject_alt_names(props.take_or("subject-alt-name", ""));
    if (!sans) return sans.error();
    t.subject_alt_names = std::move(*sans);

    auto spec = parse_key_spec(props.take("key-type"), props.take("key-size"));
    if (!spec) return spec.error();
    t.key = *spec;

    if (auto days = props.take("days-valid")) {
        auto n = parse_int("days-valid", *days, 1, 36500);
        if (!n) return n.error();
        t.days_valid = *n;
    }
    if (auto usage = props.take("key-usage")) {
        auto bits = parse_key_usage(*usage);
        if (!bits) return bits.error();
        t.key_usage = *bits;
    }
    t.digest = props.take_or("digest-algorithm", "sha256");
    if (t.digest != "sha256" && t.digest != "sha384" && t.digest != "sha512")
        return make_error("digest-algorithm=" + t.digest + ": expected sha256, sha384 or sha512");
    if (auto s = props.finish("certificate add"); !s) return s.error();
    if (t.key.type == KeyType::Ec && (t.key_usage & (KuKeyEncipherment | KuDataEncipherment)))
        return make_error("key-usage key-encipherment and data-encipherment need an RSA key "
                          "(an EC key cannot encrypt)");
    return t;
}

Properties template_to_properties(const CertificateTemplate& t) {
    Properties p;
    p.set("name", t.name);
    p.set("common-name", t.common_name);
    if (!t.country.empty()) p.set("country", t.country);
    if (!t.state.empty()) p.set("state", t.state);
    if (!t.locality.empty()) p.set("locality", t.locality);
    if (!t.organization.empty()) p.set("organization", t.organization);
    if (!t.unit.empty()) p.set("unit", t.unit);
    if (!t.subject_alt_names.empty())
        p.set("subject-alt-name", subject_alt_names_text(t.subject_alt_names));
    p.set("key-type", std::string(key_type_name(t.key.type)));
    p.set("key-size", key_size_name(t.key));
    p.set("days-valid", std::to_string(t.days_valid));
    if (t.key_usage) p.set("key-usage", key_usage_names(t.key_usage));
    p.set("digest-algorithm", t.digest);
    return p;
}

Result<ResolvedKeyUsage> resolve_key_usage(const CertificateTemplate& t, bool self_signed) {
    const bool rsa = t.key.type == KeyType::Rsa;
    uint32_t bits = t.key_usage;
    if (bits == 0) {
        bits = self_signed ? (KuKeyCertSign | KuCrlSign)
                           : (KuDigitalSignature | EkuTlsServer | EkuTlsClient |
                              (rsa ? KuKeyEncipherment : 0u));
    } else if ((bits & kKeyUsageMask) == 0) {
        bits |= KuDigitalSignature;
        if (rsa && (bits & (EkuTlsServer | EkuEmailProtect))) bits |= KuKeyEncipherment;
    }
    if (!rsa && (bits & (KuKeyEncipherment | KuDataEncipherment)))
        return make_error("key-usage key-encipherment and data-encipherment need an RSA key");
    if ((bits & (KuEncipherOnly | KuDecipherOnly)) && !(bits & KuKeyAgreement))
        return make_error("key-usage encipher-only and decipher-only need key-agreement");
    return ResolvedKeyUsage{bits, (bits & KuKeyCertSign) != 0};
}

} // namespace vp::pki
