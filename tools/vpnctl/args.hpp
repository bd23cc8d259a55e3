// Splitting RouterOS-style command words: "NAME ... key=value ..." into the leading positional
// words and the strict property list (pki::Properties).
#pragma once

#include "base/result.hpp"
#include "pki/properties.hpp"

#include <string>
#include <vector>

namespace vp::tools {

struct Args {
    std::vector<std::string> words;
    pki::Properties props;
};

// At most `max_words` positional words, all before the first key=value.
Result<Args> split_args(const std::vector<std::string>& args, size_t max_words);

} // namespace vp::tools
