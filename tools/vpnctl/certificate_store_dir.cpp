// Finding the certificate store directory (see certificate_store_dir.hpp).
#include "tools/vpnctl/certificate_store_dir.hpp"

#include "control/config/reader.hpp"
#include "pki/store.hpp"

#include <sys/stat.h>

namespace vp::tools {

Result<std::string> resolve_store_dir(const GlobalOptions& options) {
    if (!options.store_dir.empty()) return options.store_dir;
    struct stat st;
    if (::stat(options.config_path.c_str(), &st) != 0) {
        // No config at the default place: the default store. A config named with -c must exist.
        if (options.config_path == GlobalOptions{}.config_path)
            return std::string(pki::kDefaultStoreDir);
        return make_error("config file " + options.config_path + " not found");
    }
    config::Diagnostics diagnostics;
    auto parsed = config::read_file(options.config_path, diagnostics);
    if (!parsed) {
        std::string text = diagnostics.text();
        while (!text.empty() && text.back() == '\n')
            text.pop_back();
        return make_error(text.empty() ? "cannot read " + options.config_path : text);
    }
    config::Section root(parsed->config->getRoot(), diagnostics);
    std::string dir = pki::kDefaultStoreDir;
    // Only the one setting vpnctl needs; the daemon checks the rest of the section.
    if (auto certificates = root.group("certificates"))
        dir = certificates->get_string("store", pki::kDefaultStoreDir);
    if (!diagnostics.ok()) {
        std::string text = diagnostics.text();
        while (!text.empty() && text.back() == '\n')
            text.pop_back();
        return make_error(text);
    }
    if (dir.empty())
        return make_error(options.config_path + ": certificates.store must not be empty");
    return dir;
}

} // namespace vp::tools
