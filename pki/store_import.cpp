// Importing a bundle into the store, the RouterOS way: certificates become entries (named
// NAME, NAME_1, ... or FILESTEM_0, FILESTEM_1, ...), a certificate already present is left alone,
// and a private key is attached to the certificate whose public key it matches - also when that
// certificate was imported earlier from another file (`import file-name=cert.crt` then
// `import file-name=cert.key passphrase=...`). Everything is checked before anything is written.
#include "pki/store.hpp"

#include "pki/atomic_file.hpp"
#include "pki/store_lock.hpp"

#include <algorithm>
#include <set>

namespace vp::pki {

namespace {

constexpr mode_t kKeyMode = 0600;
constexpr mode_t kPublicFileMode = 0644;

std::string file_stem(const std::string& path) {
    std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    size_t dot = base.rfind('.');
    if (dot != std::string::npos && dot > 0) base.resize(dot);
    for (char& c : base)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            c = '_';
    while (!base.empty() && (base.front() == '.' || base.front() == '-'))
        base.erase(base.begin());
    if (base.size() > 56) base.resize(56);
    return base.empty() ? "imported" : base;
}

struct PlannedCert {
    X509* cert;
    std::string name;
    bool is_new;
    EVP_PKEY* key_to_attach = nullptr;
};

} // namespace

Result<ImportReport> Store::import_bundle(const Bundle& bundle, const ImportRequest& req) {
    auto lock = StoreLock::acquire(dir_);
    if (!lock) return lock.error();
    if (!req.name.empty() && !valid_object_name(req.name))
        return make_error("name=" + req.name +
                          ": use 1-64 letters, digits, '-', '_' or '.' (not first)");

    // What the store holds now, by fingerprint.
    std::vector<std::pair<std::string, X509Ptr>> existing;
    for (auto& n : certificate_names()) {
        auto c = load_certificate(n);
        if (!c) return c.error();
        existing.emplace_back(n, std::move(*c));
    }

    // The certificate a key in the bundle belongs to is the "main" one: it gets name= first.
    std::vector<size_t> order;
    for (size_t i = 0; i < bundle.certificates.size(); ++i) {
        for (auto& key : bundle.private_keys) {
            if (public_keys_match(bundle.certificates[i].get(), key.get())) {
                order.push_back(i);
                break;
            }
        }
    }
    for (size_t i = 0; i < bundle.certificates.size(); ++i)
        if (std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);

    std::set<std::string> taken;
    auto is_free = [&](const std::string& n) {
        return !taken.count(n) && !has_certificate(n) && !has_template(n);
    };
    const std::string stem = req.name.empty() ? file_stem(req.file_name) : req.name;
    int counter = req.name.empty() ? 0 : 1;
    bool main_named = false;

    std::vector<PlannedCert> plan;
    ImportReport report;
    for (size_t i : order) {
        X509* cert = bundle.certificates[i].get();
        std::string found;
        for (auto& [n, c] : existing)
            if (X509_cmp(c.get(), cert) == 0) found = n;
        for (auto& p : plan)
            if (X509_cmp(p.cert, cert) == 0) found = p.name;
        if (!found.empty()) {
            if (std::none_of(plan.begin(), plan.end(), [&](auto& p) { return p.name == found; }))
                plan.push_back({cert, found, false});
            report.lines.push_back("certificate " + name_to_string(X509_get_subject_name(cert)) +
                                   " is already in the store as '" + found + "'");
            continue;
        }
        std::string name;
        if (!req.name.empty() && !main_named) {
            if (auto s = check_name_free(req.name); !s) return s.error();
            name = req.name;
            main_named = true;
        } else {
            do {
                name = stem + "_" + std::to_string(counter++);
            } while (!is_free(name));
        }
        taken.insert(name);
        plan.push_back({cert, name, true});
    }

    // Keys go to the certificate they match: one from this bundle or one already stored.
    for (auto& key : bundle.private_keys) {
        PlannedCert* target = nullptr;
        for (auto& p : plan)
            if (public_keys_match(p.cert, key.get())) target = &p;
        if (!target) {
            for (auto& [n, c] : existing) {
                if (public_keys_match(c.get(), key.get())) {
                    plan.push_back({c.get(), n, false});
                    target = &plan.back();
                    break;
                }
            }
        }
        if (!target)
            return make_error("the private key in " + req.file_name +
                              " matches no certificate in the store or the file; import its "
                              "certificate first");
        if (!target->is_new && has_private_key(target->name)) {
            report.lines.push_back("certificate '" + target->name +
                                   "' already has its private key");
            continue;
        }
        target->key_to_attach = key.get();
    }

    for (auto& p : plan) {
        if (p.is_new) {
            CertificateMeta meta;
            meta.trusted = req.trusted;
            if (auto s = write_meta(p.name, meta, WriteMode::Replace); !s) return s.error();
        }
        if (p.key_to_attach) {
            if (p.is_new && path_exists(private_key_path(p.name)))
                if (auto s = remove_file(private_key_path(p.name)); !s) return s.error();
            if (auto s =
                    write_file_atomic(private_key_path(p.name), private_key_to_pem(p.key_to_attach),
                                      kKeyMode, WriteMode::CreateNew);
                !s)
                return s.error();
        }
        if (p.is_new) {
            if (auto s = write_file_atomic(certificate_path(p.name), to_pem(p.cert),
                                           kPublicFileMode, WriteMode::CreateNew);
                !s)
                return s.error();
            report.lines.push_back("imported certificate '" + p.name + "' (" +
                                   name_to_string(X509_get_subject_name(p.cert)) + ")" +
                                   (p.key_to_attach ? " with its private key" : ""));
        } else if (p.key_to_attach) {
            report.lines.push_back("attached the private key to certificate '" + p.name + "'");
        }
    }
    return report;
}

} // namespace vp::pki
