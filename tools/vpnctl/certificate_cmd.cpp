// Placeholder until the PKI command lands (issue 4).
#include "tools/vpnctl/command.hpp"

#include <cstdio>

namespace vp::tools {

int run_certificate_command(const std::vector<std::string>&, const GlobalOptions&) {
    std::fprintf(stderr, "vpnctl certificate: not built yet\n");
    return 2;
}

} // namespace vp::tools
