// Where vpnctl's certificate store is: `--store DIR`, else the daemon config's
// `certificates { store = "..."; }`, else /var/lib/vpnplane/certificates.
#pragma once

#include "base/result.hpp"
#include "tools/vpnctl/command.hpp"

#include <string>

namespace vp::tools {

Result<std::string> resolve_store_dir(const GlobalOptions& options);

} // namespace vp::tools
