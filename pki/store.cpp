// The on-disk certificate store: layout, names, templates, signing and certificate files.
// Revocation, trust and identities are in store_trust.cpp; import in store_import.cpp.
#include "pki/store.hpp"

#include "pki/atomic_file.hpp"
#include "pki/store_lock.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace vp::pki {

namespace {

constexpr mode_t kPrivateDirMode = 0700;
constexpr mode_t kPublicDirMode = 0755;
constexpr mode_t kKeyMode = 0600;
constexpr mode_t kPublicFileMode = 0644;

std::vector<std::string> list_with_suffix(const std::string& dir, std::string_view suffix) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        std::string_view file = e->d_name;
        if (file.size() <= suffix.size() || file.front() == '.') continue;
        if (file.substr(file.size() - suffix.size()) != suffix) continue;
        std::string name(file.substr(0, file.size() - suffix.size()));
        if (valid_object_name(name)) out.push_back(std::move(name));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

std::string crl_url_for(const std::string& host, const std::string& ca_name) {
    // RouterOS's ca-crl-host is a host; a full URL is taken as it is.
    if (host.find("://") != std::string::npos) return host;
    return "http://" + host + "/crl/" + ca_name + ".crl";
}

} // namespace

std::vector<X509*> Identity::chain_without_root() const {
    std::vector<X509*> out;
    for (auto& c : chain)
        if (!is_self_signed(c.get())) out.push_back(c.get());
    return out;
}

Result<Store> Store::open(const std::string& dir) {
    struct stat st;
    if (dir.empty()) return make_error("no certificate store directory given");
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return make_error("certificate store " + dir +
                          " does not exist (vpnctl certificate add creates it)");
    return Store(dir);
}

Result<Store> Store::open_or_create(const std::string& dir) {
    if (dir.empty()) return make_error("no certificate store directory given");
    // Parents (e.g. /var/lib/vpnplane) as mkdir -p would make them; the store itself is 0700.
    std::error_code ec;
    auto parent = std::filesystem::path(dir).parent_path();
    if (!parent.empty() && !std::filesystem::exists(parent, ec))
        std::filesystem::create_directories(parent, ec);
    if (ec) return make_error("cannot create directory " + parent.string() + ": " + ec.message());
    if (auto s = ensure_directory(dir, kPrivateDirMode); !s) return s.error();
    for (auto [sub, mode] : {std::pair{"templates", kPublicDirMode},
                             {"certs", kPublicDirMode},
                             {"private", kPrivateDirMode},
                             {"crl", kPublicDirMode}})
        if (auto s = ensure_directory(dir + "/" + sub, mode); !s) return s.error();
    return Store(dir);
}

std::string Store::certificate_path(const std::string& name) const {
    return dir_ + "/certs/" + name + ".crt";
}
std::string Store::meta_path(const std::string& name) const {
    return dir_ + "/certs/" + name + ".meta";
}
std::string Store::private_key_path(const std::string& name) const {
    return dir_ + "/private/" + name + ".key";
}
std::string Store::template_path(const std::string& name) const {
    return dir_ + "/templates/" + name + ".template";
}
std::string Store::crl_path(const std::string& ca_name) const {
    return dir_ + "/crl/" + ca_name + ".crl";
}
std::string Store::revoked_index_path(const std::string& ca_name) const {
    return dir_ + "/crl/" + ca_name + ".revoked";
}
std::string Store::crl_number_path(const std::string& ca_name) const {
    return dir_ + "/crl/" + ca_name + ".crlnumber";
}

std::vector<std::string> Store::template_names() const {
    return list_with_suffix(dir_ + "/templates", ".template");
}

std::vector<std::string> Store::certificate_names() const {
    return list_with_suffix(dir_ + "/certs", ".crt");
}

bool Store::has_template(const std::string& name) const {
    return valid_object_name(name) && path_exists(template_path(name));
}

bool Store::has_certificate(const std::string& name) const {
    return valid_object_name(name) && path_exists(certificate_path(name));
}

bool Store::has_private_key(const std::string& name) const {
    return has_certificate(name) && path_exists(private_key_path(name));
}

bool Store::has_crl(const std::string& ca_name) const {
    return valid_object_name(ca_name) && path_exists(crl_path(ca_name));
}

Status Store::check_name_free(const std::string& name) const {
    if (!valid_object_name(name))
        return make_error("'" + name +
                          "' is not a valid name: use 1-64 letters, digits, '-', "
                          "'_' or '.' (not first)");
    if (has_certificate(name))
        return make_error("name '" + name +
                          "' is in use by a certificate; remove it first "
                          "(vpnctl certificate remove " +
                          name + ") or choose another name");
    if (has_template(name))
        return make_error("name '" + name +
                          "' is in use by a template; remove it first "
                          "(vpnctl certificate remove " +
                          name + ") or choose another name");
    return {};
}

Status Store::add_template(const CertificateTemplate& tmpl) {
    auto lock = StoreLock::acquire(dir_);
    if (!lock) return lock.error();
    if (auto s = check_name_free(tmpl.name); !s) return s;
    return write_file_atomic(template_path(tmpl.name), template_to_properties(tmpl).to_text(),
                             kPublicFileMode, WriteMode::CreateNew);
}

Result<CertificateTemplate> Store::load_template(const std::string& name) const {
    if (!has_template(name)) {
        if (has_certificate(name))
            return make_error("'" + name + "' is already a signed certificate, not a template");
        return make_error("no template named '" + name +
                          "' (add one with vpnctl certificate add "
                          "name=" +
                          name + " ...)");
    }
    auto text = read_whole_file(template_path(name));
    if (!text) return text.error();
    auto props = Properties::from_text(*text);
    if (!props) return make_error(template_path(name) + ": " + props.message());
    auto tmpl = template_from_properties(std::move(*props));
    if (!tmpl) return make_error(template_path(name) + ": " + tmpl.message());
    return tmpl;
}

Result<X509Ptr> Store::load_certificate(const std::string& name) const {
    if (!has_certificate(name)) {
        if (has_template(name))
            return make_error("'" + name +
                              "' is a template that has not been signed yet "
                              "(vpnctl certificate sign " +
                              name + ")");
        return make_error("no certificate named '" + name + "' in " + dir_);
    }
    auto text = read_whole_file(certificate_path(name));
    if (!text) return text.error();
    auto cert = certificate_from_pem(*text);
    if (!cert) return make_error(certificate_path(name) + ": " + cert.message());
    return cert;
}

Result<EvpPkeyPtr> Store::load_private_key(const std::string& name) const {
    if (!has_private_key(name))
        return make_error("certificate '" + name + "' has no private key in the store");
    auto text = read_whole_file(private_key_path(name));
    if (!text) return text.error();
    BioPtr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
    EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) return openssl_error(private_key_path(name) + ": damaged private key");
    return key;
}

Result<CertificateMeta> Store::load_meta(const std::string& name) const {
    CertificateMeta meta;
    if (!path_exists(meta_path(name))) return meta;
    auto text = read_whole_file(meta_path(name));
    if (!text) return text.error();
    auto props = Properties::from_text(*text);
    if (!props) return make_error(meta_path(name) + ": " + props.message());
    auto trusted = props->take_bool("trusted");
    if (!trusted) return make_error(meta_path(name) + ": " + trusted.message());
    meta.trusted = trusted->value_or(true);
    meta.ca_crl_host = props->take_or("ca-crl-host", "");
    if (auto days = props->take("crl-days")) {
        int n = std::atoi(days->c_str());
        if (n < 1 || n > 36500) return make_error(meta_path(name) + ": crl-days out of range");
        meta.crl_days = n;
    }
    if (auto s = props->finish(meta_path(name)); !s) return s.error();
    return meta;
}

Status Store::write_meta(const std::string& name, const CertificateMeta& meta, WriteMode mode) {
    Properties p;
    p.set("trusted", meta.trusted ? "yes" : "no");
    if (!meta.ca_crl_host.empty()) p.set("ca-crl-host", meta.ca_crl_host);
    if (meta.crl_days != kDefaultCrlDays) p.set("crl-days", std::to_string(meta.crl_days));
    return write_file_atomic(meta_path(name), p.to_text(), kPublicFileMode, mode);
}

Status Store::set_trusted(const std::string& name, bool trusted) {
    auto lock = StoreLock::acquire(dir_);
    if (!lock) return lock.error();
    if (!has_certificate(name)) return load_certificate(name).error();
    auto meta = load_meta(name);
    if (!meta) return meta.error();
    meta->trusted = trusted;
    return write_meta(name, *meta, WriteMode::Replace);
}

Status Store::remove(const std::string& name) {
    auto lock = StoreLock::acquire(dir_);
    if (!lock) return lock.error();
    if (has_template(name)) return remove_file(template_path(name));
    if (!has_certificate(name))
        return make_error("no certificate or template named '" + name + "'");
    // The certificate file goes first: without it the rest is unreachable leftovers, never a
    // certificate with a missing key.
    for (const std::string& path :
         {certificate_path(name), private_key_path(name), meta_path(name), crl_path(name),
          revoked_index_path(name), crl_number_path(name)})
        if (auto s = remove_file(path); !s) return s;
    return {};
}

Result<X509Ptr> Store::sign(const SignRequest& req, std::time_t now) {
    auto lock = StoreLock::acquire(dir_);
    if (!lock) return lock.error();
    auto tmpl = load_template(req.template_name);
    if (!tmpl) return tmpl.error();
    const std::string name = req.name.empty() ? req.template_name : req.name;
    if (name != req.template_name)
        if (auto s = check_name_free(name); !s) return s.error();

    const bool self_signed = req.ca.empty() || req.ca == req.template_name;
    Issuer issuer;
    X509Ptr ca_cert;
    EvpPkeyPtr ca_key;
    if (!self_signed) {
        if (!has_certificate(req.ca)) {
            if (has_template(req.ca))
                return make_error("CA '" + req.ca +
                                  "' is still a template: sign it first "
                                  "(vpnctl certificate sign " +
                                  req.ca + ")");
            return make_error("no CA certificate named '" + req.ca + "'");
        }
        auto cert = load_certificate(req.ca);
        if (!cert) return cert.error();
        ca_cert = std::move(*cert);
        if (has_private_key(req.ca)) {
            auto key = load_private_key(req.ca);
            if (!key) return key.error();
            ca_key = std::move(*key);
        }
        auto meta = load_meta(req.ca);
        if (!meta) return meta.error();
        if (auto when = revoked_at(req.ca))
            return make_error("CA '" + req.ca + "' was revoked on " + format_time(*when) +
                              " UTC and cannot sign");
        issuer.name = req.ca;
        issuer.certificate = ca_cert.get();
        issuer.private_key = ca_key.get();
        if (!meta->ca_crl_host.empty()) issuer.crl_url = crl_url_for(meta->ca_crl_host, req.ca);
        if (auto s = check_can_sign(issuer, now); !s) return s.error();
        if (!req.ca_crl_host.empty())
            return make_error("ca-crl-host is given when signing the CA itself (self-signed); "
                              "certificates it issues then carry it");
    }
    CertificateMeta meta;
    if (self_signed && !req.ca_crl_host.empty()) {
        auto usage = resolve_key_usage(*tmpl, true);
        if (!usage) return usage.error();
        if (!usage->is_ca)
            return make_error("ca-crl-host needs a CA template (key-usage=key-cert-sign,crl-sign)");
        if (!is_clean_value(req.ca_crl_host) || req.ca_crl_host.find(' ') != std::string::npos ||
            req.ca_crl_host.find(',') != std::string::npos)
            return make_error("ca-crl-host=" + req.ca_crl_host + " is not a host name or URL");
        meta.ca_crl_host = req.ca_crl_host;
    }

    auto key = generate_key(tmpl->key);
    if (!key) return key.error();
    auto cert = issue_certificate(*tmpl, key->get(), self_signed ? nullptr : &issuer, now);
    if (!cert) return cert.error();

    // Key, metadata, then the certificate: the certificate file is what makes the entry exist,
    // so a crash in between leaves leftovers that the next attempt clears, never a certificate
    // without its key.
    if (path_exists(private_key_path(name)))
        if (auto s = remove_file(private_key_path(name)); !s) return s.error();
    if (auto s = write_file_atomic(private_key_path(name), private_key_to_pem(key->get()), kKeyMode,
                                   WriteMode::CreateNew);
        !s)
        return s.error();
    if (auto s = write_meta(name, meta, WriteMode::Replace); !s) return s.error();
    if (auto s = write_file_atomic(certificate_path(name), to_pem(cert->get()), kPublicFileMode,
                                   WriteMode::CreateNew);
        !s)
        return s.error();
    if (auto s = remove_file(template_path(req.template_name)); !s) return s.error();

    // A new CA starts with an empty CRL, so that clients and servers that check revocation
    // find one (only possible when it may sign CRLs).
    if (self_signed && is_ca(cert->get()) && (key_usage_of(cert->get()) & KuCrlSign))
        if (auto crl = write_crl(name, now, meta.crl_days); !crl) return crl.error();
    return std::move(*cert);
}

Result<std::string> Store::certificate_pem(const std::string& name) const {
    auto cert = load_certificate(name);
    if (!cert) return cert.error();
    return to_pem(cert->get());
}

Result<std::string> Store::private_key_pem(const std::string& name) const {
    auto key = load_private_key(name);
    if (!key) return key.error();
    return private_key_to_pem(key->get());
}

Result<std::string> Store::ca_pem(const std::string& name) const {
    auto chain = chain_of(name);
    if (!chain) return chain.error();
    if (chain->empty()) {
        // A self-signed certificate is its own CA.
        auto cert = load_certificate(name);
        if (cert && is_self_signed(cert->get())) return to_pem(cert->get());
        return make_error("the CA that issued '" + name + "' is not in the store");
    }
    std::string out;
    for (auto& c : *chain)
        out += to_pem(c.get());
    return out;
}

} // namespace vp::pki
