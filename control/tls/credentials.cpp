// Loading certificates, keys, CAs and CRLs from PEM.
#include "control/tls/credentials.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace vp::tls {

namespace {

Result<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

BioPtr memory_bio(const std::string& text) {
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::vector<X509Ptr> read_certificates(const std::string& text) {
    std::vector<X509Ptr> out;
    auto bio = memory_bio(text);
    while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
        out.emplace_back(c);
    ERR_clear_error(); // the loop ends on "no start line"
    return out;
}

std::vector<X509CrlPtr> read_crls(const std::string& text) {
    std::vector<X509CrlPtr> out;
    auto bio = memory_bio(text);
    while (X509_CRL* c = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr))
        out.emplace_back(c);
    ERR_clear_error();
    return out;
}

} // namespace

Result<Credentials> load_pem_text(const PemFiles& text) {
    Credentials creds;
    if (!text.certificate.empty()) {
        auto certs = read_certificates(text.certificate);
        if (certs.empty()) return make_error("certificate: no PEM certificate found");
        creds.certificate = std::move(certs.front());
        for (size_t i = 1; i < certs.size(); ++i)
            creds.chain.push_back(std::move(certs[i]));
    }
    if (!text.private_key.empty()) {
        auto bio = memory_bio(text.private_key);
        creds.private_key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
        if (!creds.private_key)
            return make_error("private_key: no usable PEM private key (" + openssl_error_text() +
                              ")");
        if (creds.certificate &&
            X509_check_private_key(creds.certificate.get(), creds.private_key.get()) != 1) {
            ERR_clear_error();
            return make_error("private_key: does not match the certificate");
        }
    }
    if (!text.ca.empty()) {
        creds.trusted = read_certificates(text.ca);
        if (creds.trusted.empty()) return make_error("ca: no PEM CA certificate found");
    }
    if (!text.crl.empty()) {
        creds.crls = read_crls(text.crl);
        if (creds.crls.empty()) return make_error("crl: no PEM CRL found");
    }
    return creds;
}

Result<Credentials> load_pem_files(const PemFiles& files) {
    PemFiles text;
    struct Item {
        const std::string& path;
        std::string& out;
    };
    for (auto item :
         {Item{files.certificate, text.certificate}, Item{files.private_key, text.private_key},
          Item{files.ca, text.ca}, Item{files.crl, text.crl}}) {
        if (item.path.empty()) continue;
        auto content = read_text_file(item.path);
        if (!content) return content.error();
        item.out = std::move(*content);
    }
    auto creds = load_pem_text(text);
    if (!creds) {
        // Name the file rather than the field.
        const std::string& m = creds.message();
        for (auto [field, path] : {std::pair{"certificate: ", &files.certificate},
                                   std::pair{"private_key: ", &files.private_key},
                                   std::pair{"ca: ", &files.ca}, std::pair{"crl: ", &files.crl}})
            if (m.rfind(field, 0) == 0) return make_error(*path + ": " + m.substr(strlen(field)));
        return creds.error();
    }
    return creds;
}

} // namespace vp::tls
