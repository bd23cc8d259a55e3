// HTTP/1.1 syntax shared by the appliance's two request parsers (SSTP's duplex POST in
// control/sstp/http.cpp, the metrics endpoint in control/mgmt/http_request.cpp): RFC 9110
// tokens, control characters in field values, case-insensitive comparison, optional whitespace,
// and the reason phrases of the statuses the appliance answers with.
#pragma once

#include <string_view>

namespace vp::http {

// A non-empty RFC 9110 token (method, header name).
bool is_token(std::string_view s);
// A control character other than HTAB (never valid in a field value).
bool has_ctl(std::string_view s);
// ASCII case-insensitive equality (header names).
bool iequals(std::string_view a, std::string_view b);
// `s` without leading and trailing spaces and tabs (a field value's OWS).
std::string_view trim_ows(std::string_view s);
// "Bad Request" for 400 and so on; "Error" for a status it does not know.
const char* reason_phrase(int status);

} // namespace vp::http
