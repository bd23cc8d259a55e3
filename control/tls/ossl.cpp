// OpenSSL error queue rendering.
#include "control/tls/ossl.hpp"

#include <openssl/err.h>

namespace vp::tls {

std::string openssl_error_text() {
    std::string text;
    unsigned long code;
    while ((code = ERR_get_error()) != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        // "error:0A000086:SSL routines::certificate verify failed" -> keep the reason only.
        std::string line = buf;
        auto pos = line.rfind(':');
        if (pos != std::string::npos && pos + 1 < line.size()) line = line.substr(pos + 1);
        if (text.find(line) != std::string::npos) continue;
        text += text.empty() ? "" : "; ";
        text += line;
    }
    return text;
}

} // namespace vp::tls
