// Fuzz target: the configuration loader. Operator input must give a clear error, never a crash,
// whatever the file holds.
#include "control/config/appliance_config.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto result = vp::config::load_config_text(text);
    if (!result.ok() && result.message().empty()) std::abort(); // every refusal says why
    return 0;
}
