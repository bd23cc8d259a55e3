// `vpnctl import-routeros FILE [--output CFG] [--port NAME=DEVICE]...`: reads a RouterOS
// `/export`, writes a vpnplane configuration, and reports on stderr every line that was not
// translated. Exit status: 0 everything translated, 3 something reported (the configuration is
// still written), 1 the files could not be read or written, 2 usage.
#include "tools/vpnctl/routeros_import_cmd.hpp"

#include "tools/vpnctl/routeros_translate.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace vp::tools {

int run_import_routeros(const std::vector<std::string>& args, const GlobalOptions&) {
    std::string input, output;
    routeros::ImportOptions options;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if ((a == "--output" || a == "-o") && i + 1 < args.size()) {
            output = args[++i];
        } else if (a == "--port" && i + 1 < args.size()) {
            const std::string& spec = args[++i];
            size_t eq = spec.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
                std::fprintf(stderr, "vpnctl: --port takes NAME=DEVICE, not '%s'\n", spec.c_str());
                return 2;
            }
            options.ports.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
        } else if (input.empty() && !a.empty() && a[0] != '-') {
            input = a;
        } else {
            std::fprintf(stderr, "usage: vpnctl import-routeros FILE [--output CFG] "
                                 "[--port NAME=DEVICE]...\n");
            return 2;
        }
    }
    if (input.empty()) {
        std::fprintf(stderr, "usage: vpnctl import-routeros FILE [--output CFG] "
                             "[--port NAME=DEVICE]...\n");
        return 2;
    }
    std::ifstream in(input, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "vpnctl: cannot read %s\n", input.c_str());
        return 1;
    }
    std::stringstream text;
    text << in.rdbuf();
    options.source_name = input;
    auto result = routeros::translate(routeros::parse_export(text.str()), options);
    if (output.empty() || output == "-") {
        std::fputs(result.config.c_str(), stdout);
    } else {
        std::ofstream out(output, std::ios::binary | std::ios::trunc);
        out << result.config;
        out.close();
        if (!out) {
            std::fprintf(stderr, "vpnctl: cannot write %s\n", output.c_str());
            return 1;
        }
    }
    for (auto& r : result.reports)
        std::fprintf(stderr, "%s: %s\n", input.c_str(), routeros::format_report(r).c_str());
    return result.reports.empty() ? 0 : 3;
}

} // namespace vp::tools
