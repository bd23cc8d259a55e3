// Fuzz target: the RouterOS export parser and the translator behind `vpnctl import-routeros`.
// An operator's file must give line-numbered reports, never a crash or a read past the input.
#include "tools/vpnctl/routeros_translate.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = vp::tools::routeros::parse_export(text);
    for (auto& e : parsed.errors)
        if (e.line == 0 || e.message.empty()) std::abort(); // every error says where and why
    vp::tools::routeros::ImportOptions options;
    options.ports = {{"ether1", "net_null0"}, {"lan", "net_null1"}};
    auto result = vp::tools::routeros::translate(parsed, options);
    if (result.config.empty()) std::abort();
    return 0;
}
