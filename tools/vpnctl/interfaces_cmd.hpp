// `vpnctl interfaces`: the client links (ovpn_clients), like RouterOS's
// /interface ovpn-client print detail: one block per link.
#pragma once

#include <nlohmann/json.hpp>

namespace vp::tools {

int show_interfaces(const nlohmann::ordered_json& reply);

} // namespace vp::tools
