// Argument splitting shared by vpnctl's RouterOS-style commands.
#include "tools/vpnctl/args.hpp"

namespace vp::tools {

Result<Args> split_args(const std::vector<std::string>& args, size_t max_words) {
    Args out;
    std::vector<std::string> kv;
    for (auto& a : args) {
        if (a.find('=') == std::string::npos) {
            if (!kv.empty() || out.words.size() >= max_words)
                return make_error("unexpected '" + a + "'");
            out.words.push_back(a);
        } else {
            kv.push_back(a);
        }
    }
    auto props = pki::Properties::from_args(kv);
    if (!props) return props.error();
    out.props = std::move(*props);
    return out;
}

} // namespace vp::tools
