// Constant-time password comparison for AAA. Both sides are hashed (SHA-256) first, so neither the
// position of the first difference nor the length of the stored password leaks through timing;
// the digests are then compared with CRYPTO_memcmp.
#pragma once

#include <string_view>

namespace vp::aaa {

bool passwords_equal(std::string_view offered, std::string_view stored);

} // namespace vp::aaa
