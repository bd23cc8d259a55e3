// `vpnctl certificate ...`: RouterOS's /certificate menu over the pki/ store.
//   add name=... [common-name= subject-alt-name= key-type= key-size= days-valid= key-usage=
//       country= state= locality= organization= unit= digest-algorithm=]
//   sign TEMPLATE [name=NAME] [ca=CA] [ca-crl-host=HOST]
//   print [detail] [NAME | where name=NAME]
//   export-certificate NAME [type=pem|pkcs12] [export-passphrase=P] [file-name=BASE] [legacy=yes]
//   import file-name=PATH [passphrase=P] [name=NAME] [trusted=yes|no]
//   revoke NAME
//   crl [CA] [next-update=DAYS] [file-name=PATH]
//   set NAME trusted=yes|no
//   remove NAME
// Errors print one line on stderr; the exit status is 1 for a failed operation, 2 for misuse.
#include "tools/vpnctl/args.hpp"
#include "tools/vpnctl/certificate_store_dir.hpp"
#include "tools/vpnctl/command.hpp"

#include "pki/atomic_file.hpp"
#include "pki/bundle.hpp"
#include "pki/describe.hpp"
#include "pki/store.hpp"

#include <cstdio>
#include <ctime>
#include <functional>
#include <map>

namespace vp::tools {

namespace {

using pki::Properties;
using pki::Store;

constexpr int kFailed = 1;
constexpr int kMisuse = 2;

const char* const kUsage =
    "usage: vpnctl [--store DIR] certificate COMMAND ...\n"
    "  add name=NAME [common-name=CN] [subject-alt-name=DNS:x,IP:y] [key-type=rsa|ec]\n"
    "      [key-size=2048|3072|4096|prime256v1|secp384r1] [days-valid=N] [key-usage=a,b,...]\n"
    "      [country=CC] [state=] [locality=] [organization=] [unit=] [digest-algorithm=sha256]\n"
    "  sign TEMPLATE [name=NAME] [ca=CA] [ca-crl-host=HOST]\n"
    "  print [detail] [NAME | where name=NAME]\n"
    "  export-certificate NAME [type=pem|pkcs12] [export-passphrase=P] [file-name=BASE] "
    "[legacy=yes]\n"
    "  import file-name=PATH [passphrase=P] [name=NAME] [trusted=yes|no]\n"
    "  revoke NAME\n"
    "  crl [CA] [next-update=DAYS] [file-name=PATH]\n"
    "  set NAME trusted=yes|no\n"
    "  remove NAME\n";

struct Context {
    std::string command;
    const GlobalOptions* options;
    std::time_t now;
};

int fail(const Context& ctx, const std::string& message) {
    std::fprintf(stderr, "vpnctl certificate %s: %s\n", ctx.command.c_str(), message.c_str());
    return kFailed;
}

int misuse(const Context& ctx, const std::string& message) {
    std::fprintf(stderr, "vpnctl certificate %s: %s (see vpnctl certificate help)\n",
                 ctx.command.c_str(), message.c_str());
    return kMisuse;
}

Result<Store> open_store(const Context& ctx, bool create) {
    auto dir = resolve_store_dir(*ctx.options);
    if (!dir) return dir.error();
    return create ? Store::open_or_create(*dir) : Store::open(*dir);
}

int cmd_add(const Context& ctx, const std::vector<std::string>& args) {
    auto props = Properties::from_args(args);
    if (!props) return misuse(ctx, props.message());
    auto tmpl = pki::template_from_properties(std::move(*props));
    if (!tmpl) return misuse(ctx, tmpl.message());
    auto store = open_store(ctx, true);
    if (!store) return fail(ctx, store.message());
    if (auto s = store->add_template(*tmpl); !s) return fail(ctx, s.message());
    return 0;
}

int cmd_sign(const Context& ctx, const std::vector<std::string>& args) {
    auto a = split_args(args, 1);
    if (!a) return misuse(ctx, a.message());
    pki::SignRequest req;
    if (a->words.empty()) {
        auto t = a->props.take("template");
        if (!t) return misuse(ctx, "which template? vpnctl certificate sign TEMPLATE ...");
        req.template_name = *t;
    } else {
        req.template_name = a->words[0];
    }
    req.name = a->props.take_or("name", "");
    req.ca = a->props.take_or("ca", "");
    req.ca_crl_host = a->props.take_or("ca-crl-host", "");
    if (auto s = a->props.finish("sign"); !s) return misuse(ctx, s.message());
    auto store = open_store(ctx, false);
    if (!store) return fail(ctx, store.message());
    auto cert = store->sign(req, ctx.now);
    if (!cert) return fail(ctx, cert.message());
    std::printf("signed '%s' (%s), valid until %s UTC\n",
                (req.name.empty() ? req.template_name : req.name).c_str(),
                pki::name_to_string(X509_get_subject_name(cert->get())).c_str(),
                pki::format_time(pki::to_time_t(X509_get0_notAfter(cert->get()))).c_str());
    return 0;
}

int cmd_print(const Context& ctx, const std::vector<std::string>& args) {
    bool detail = false;
    std::string only;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "detail") {
            detail = true;
        } else if (a == "where" && i + 1 < args.size() && args[i + 1].rfind("name=", 0) == 0) {
            only = args[++i].substr(5);
        } else if (a.find('=') == std::string::npos && only.empty()) {
            only = a;
        } else {
            return misuse(ctx, "unexpected '" + a + "'");
        }
    }
    auto store = open_store(ctx, false);
    if (!store) return fail(ctx, store.message());
    auto entries = pki::describe_store(*store, ctx.now);
    if (!only.empty()) {
        std::erase_if(entries, [&](const pki::EntryView& e) { return e.name != only; });
        if (entries.empty()) return fail(ctx, "no certificate or template named '" + only + "'");
    }
    std::string text = ctx.options->json ? pki::format_json(entries)
                       : detail          ? pki::format_detail(entries)
                                         : pki::format_table(entries);
    std::fputs(text.c_str(), stdout);
    return 0;
}

std::string strip_extension(const std::string& path) {
    for (const char* ext : {".crt", ".pem", ".key", ".p12", ".pfx", ".cer"}) {
        std::string e = ext;
        if (path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0)
            return path.substr(0, path.size() - e.size());
    }
    return path;
}

int cmd_export(const Context& ctx, const std::vector<std::string>& args) {
    auto a = split_args(args, 1);
    if (!a) return misuse(ctx, a.message());
    if (a->words.empty()) return misuse(ctx, "which certificate? export-certificate NAME ...");
    const std::string name = a->words[0];
    const std::string type = a->props.take_or("type", "pem");
    const std::string passphrase = a->props.take_or("export-passphrase", "");
    const std::string base = strip_extension(a->props.take_or("file-name", "cert_export_" + name));
    auto legacy = a->props.take_bool("legacy");
    if (!legacy) return misuse(ctx, legacy.message());
    if (auto s = a->props.finish("export-certificate"); !s) return misuse(ctx, s.message());
    if (type != "pem" && type != "pkcs12")
        return misuse(ctx, "type=" + type + ": expected pem or pkcs12");
    if (legacy->value_or(false) && type != "pkcs12")
        return misuse(ctx, "legacy=yes applies to type=pkcs12");
    if (base.empty()) return misuse(ctx, "file-name is empty");

    auto store = open_store(ctx, false);
    if (!store) return fail(ctx, store.message());
    auto cert = store->load_certificate(name);
    if (!cert) return fail(ctx, cert.message());
    pki::EvpPkeyPtr key;
    if (store->has_private_key(name)) {
        auto k = store->load_private_key(name);
        if (!k) return fail(ctx, k.message());
        key = std::move(*k);
    }

    if (type == "pkcs12") {
        auto chain = store->chain_of(name);
        if (!chain) return fail(ctx, chain.message());
        auto p12 = pki::export_pkcs12(cert->get(), key.get(), *chain, name, passphrase,
                                      legacy->value_or(false) ? pki::Pkcs12Encryption::Legacy
                                                              : pki::Pkcs12Encryption::Modern);
        if (!p12) return fail(ctx, p12.message());
        const std::string path = base + ".p12";
        if (auto s = pki::write_file_atomic(
                path, std::string_view(reinterpret_cast<const char*>(p12->data()), p12->size()),
                0600, pki::WriteMode::CreateNew);
            !s)
            return fail(ctx, s.message());
        std::printf("exported '%s'%s and %zu CA certificate(s) to %s\n", name.c_str(),
                    key ? " with its private key" : "", chain->size(), path.c_str());
        return 0;
    }

    // PEM: the certificate; the key only when a passphrase protects it.
    if (!passphrase.empty() && passphrase.size() < pki::kMinExportPassphrase)
        return fail(ctx, "export-passphrase must be at least " +
                             std::to_string(pki::kMinExportPassphrase) + " characters");
    std::string key_pem;
    if (!passphrase.empty() && key) {
        auto enc = pki::private_key_to_encrypted_pem(key.get(), passphrase);
        if (!enc) return fail(ctx, enc.message());
        key_pem = std::move(*enc);
    }
    const std::string cert_path = base + ".crt";
    const std::string key_path = base + ".key";
    if (!key_pem.empty() && pki::path_exists(key_path))
        return fail(ctx, key_path + " already exists; remove it first or choose another name");
    if (auto s = pki::write_file_atomic(cert_path, pki::to_pem(cert->get()), 0644,
                                        pki::WriteMode::CreateNew);
        !s)
        return fail(ctx, s.message());
    std::printf("exported certificate '%s' to %s\n", name.c_str(), cert_path.c_str());
    if (!key_pem.empty()) {
        if (auto s = pki::write_file_atomic(key_path, key_pem, 0600, pki::WriteMode::CreateNew); !s)
            return fail(ctx, s.message());
        std::printf("exported its private key, encrypted, to %s\n", key_path.c_str());
    } else if (key && passphrase.empty()) {
        std::printf("private key not exported: give export-passphrase= (%zu+ characters) to "
                    "export it encrypted\n",
                    pki::kMinExportPassphrase);
    }
    return 0;
}

int cmd_import(const Context& ctx, const std::vector<std::string>& args) {
    auto props = Properties::from_args(args);
    if (!props) return misuse(ctx, props.message());
    pki::ImportRequest req;
    auto file = props->take("file-name");
    if (!file || file->empty()) return misuse(ctx, "file-name= is required");
    req.file_name = *file;
    req.passphrase = props->take_or("passphrase", "");
    req.name = props->take_or("name", "");
    auto trusted = props->take_bool("trusted");
    if (!trusted) return misuse(ctx, trusted.message());
    req.trusted = trusted->value_or(true);
    if (auto s = props->finish("import"); !s) return misuse(ctx, s.message());

    auto data = pki::read_whole_file(req.file_name);
    if (!data) return fail(ctx, data.message());
    auto bundle = pki::parse_bundle(
        std::span(reinterpret_cast<const uint8_t*>(data->data()), data->size()), req.passphrase);
    if (!bundle) return fail(ctx, req.file_name + ": " + bundle.message());
    auto store = open_store(ctx, true);
    if (!store) return fail(ctx, store.message());
    auto report = store->import_bundle(*bundle, req);
    if (!report) return fail(ctx, report.message());
    for (auto& line : report->lines)
        std::printf("%s\n", line.c_str());
    return 0;
}

int cmd_revoke(const Context& ctx, const std::vector<std::string>& args) {
    if (args.size() != 1 || args[0].find('=') != std::string::npos)
        return misuse(ctx, "usage: revoke NAME");
    auto store = open_store(ctx, false);
    if (!store) return fail(ctx, store.message());
    if (auto s = store->revoke(args[0], ctx.now); !s) return fail(ctx, s.message());
    std::printf("revoked '%s'; the CRL of its CA was re-signed\n", args[0].c_str());
    return 0;
}

int cmd_crl(const Context& ctx, const std::vector<std::string>& args) {
    auto a = split_args(args, 1);
    if (!a) return misuse(ctx, a.message());
    int days = 0;
    if (auto d = a->props.take("next-update")) {
        days = std::atoi(d->c_str());
        if (days < 1 || days > 36500 || std::to_string(days) != *d)
            return misuse(ctx, "next-update=" + *d + ": expected days, 1 to 36500");
    }
    const std::string file = a->props.take_or("file-name", "");
    if (auto s = a->props.finish("crl"); !s) return misuse(ctx, s.message());
    auto store = open_store(ctx, false);
    if (!store) return fail(ctx, store.message());

    std::vector<std::string> cas;
    if (!a->words.empty()) {
        cas.push_back(a->words[0]);
    } else {
        // Every CA here that can sign a CRL.
        for (auto& name : store->certificate_names()) {
            auto cert = store->load_certificate(name);
            if (cert && pki::is_ca(cert->get()) && store->has_private_key(name) &&
                (pki::key_usage_of(cert->get()) & pki::KuCrlSign))
                cas.push_back(name);
        }
        if (cas.empty()) return fail(ctx, "no CA with a private key and crl-sign in the store");
    }
    if (!file.empty() && cas.size() != 1)
        return misuse(ctx, "file-name= needs one CA: crl CA file-name=PATH");
    for (auto& ca : cas) {
        auto crl = store->generate_crl(ca, ctx.now, days);
        if (!crl) return fail(ctx, crl.message());
        const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl->get());
        int count = sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl->get()));
        std::printf("CRL of '%s': %d revoked, next update %s UTC, %s\n", ca.c_str(),
                    count < 0 ? 0 : count, pki::format_time(pki::to_time_t(next)).c_str(),
                    store->crl_path(ca).c_str());
        if (!file.empty()) {
            // A publishing location is meant to be refreshed, so this one replaces.
            bool existed = pki::path_exists(file);
            if (auto s = pki::write_file_atomic(file, pki::to_pem(crl->get()), 0644,
                                                pki::WriteMode::Replace);
                !s)
                return fail(ctx, s.message());
            std::printf("%s %s\n", existed ? "replaced" : "wrote", file.c_str());
        }
    }
    return 0;
}

int cmd_set(const Context& ctx, const std::vector<std::string>& args) {
    auto a = split_args(args, 1);
    if (!a) return misuse(ctx, a.message());
    if (a->words.empty()) return misuse(ctx, "usage: set NAME trusted=yes|no");
    auto trusted = a->props.take_bool("trusted");
    if (!trusted) return misuse(ctx, trusted.message());
    if (auto s = a->props.finish("set"); !s) return misuse(ctx, s.message());
    if (!trusted->has_value()) return misuse(ctx, "nothing to set (trusted=yes|no)");
    auto store = open_store(ctx, false);
    if (!store) return fail(ctx, store.message());
    if (auto s = store->set_trusted(a->words[0], **trusted); !s) return fail(ctx, s.message());
    return 0;
}

int cmd_remove(const Context& ctx, const std::vector<std::string>& args) {
    if (args.size() != 1 || args[0].find('=') != std::string::npos)
        return misuse(ctx, "usage: remove NAME");
    auto store = open_store(ctx, false);
    if (!store) return fail(ctx, store.message());
    if (auto s = store->remove(args[0]); !s) return fail(ctx, s.message());
    return 0;
}

} // namespace

int run_certificate_command(const std::vector<std::string>& args, const GlobalOptions& options) {
    using Handler = int (*)(const Context&, const std::vector<std::string>&);
    static const std::map<std::string, Handler> handlers = {
        {"add", cmd_add},       {"sign", cmd_sign},
        {"print", cmd_print},   {"export-certificate", cmd_export},
        {"import", cmd_import}, {"revoke", cmd_revoke},
        {"crl", cmd_crl},       {"set", cmd_set},
        {"remove", cmd_remove},
    };
    if (args.empty() || args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
        std::fputs(kUsage, args.empty() ? stderr : stdout);
        return args.empty() ? kMisuse : 0;
    }
    auto it = handlers.find(args[0]);
    if (it == handlers.end()) {
        std::fprintf(stderr,
                     "vpnctl certificate: unknown command '%s' (vpnctl certificate help lists "
                     "them)\n",
                     args[0].c_str());
        return kMisuse;
    }
    Context ctx{args[0], &options, std::time(nullptr)};
    return it->second(ctx, std::vector<std::string>(args.begin() + 1, args.end()));
}

} // namespace vp::tools
