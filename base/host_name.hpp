// DNS host-name syntax, shared by the daemon's configuration reader (a client link's
// connect_to) and the RouterOS importer (connect-to), so that both accept the same names.
#pragma once

#include <string_view>

namespace vp::net {

// Whether `text` is a syntactically valid DNS host name (labels of letters, digits and hyphens,
// 1-63 characters each, not starting or ending with a hyphen, 253 characters at most, and not
// all digits and dots — that is a malformed address, not a name).
bool is_dns_name(std::string_view text);

} // namespace vp::net
