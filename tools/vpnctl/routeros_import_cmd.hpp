// `vpnctl import-routeros`: the command's entry point (dispatched from main.cpp).
#pragma once

#include "tools/vpnctl/command.hpp"

#include <string>
#include <vector>

namespace vp::tools {

// `vpnctl import-routeros FILE [--output CFG] [--port NAME=DEVICE]...`: RouterOS export ->
// configuration. Returns 0 when everything was translated, 3 when lines were reported (the
// configuration is still written), 1 when a file cannot be read or written, 2 on usage errors.
int run_import_routeros(const std::vector<std::string>& args, const GlobalOptions& options);

} // namespace vp::tools
