// Key method 2: the first plaintext message each side writes into the TLS tunnel.
//   0x00000000 | 0x02 | pre_master(48, client only) | random1(32) | random2(32) |
//   string options | string username | string password | string peer_info
// A string is a u16 length that counts the terminating NUL, then the bytes; length 0 is the
// empty string. The server's reply carries no pre_master and empty username, password and
// peer-info. Older clients may stop after the options (or after the password).
#pragma once

#include "base/bytes.hpp"
#include "base/expected.hpp"
#include "control/ovpn/static_key.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace vp::ovpn {

constexpr size_t max_options_bytes = 2048;
constexpr size_t max_credential_bytes = 4096; // 2.6 USER_PASS_LEN, for long auth tokens
constexpr size_t max_peer_info_bytes = 8192;

struct KeyMethod2 {
    std::optional<SecretBytes<48>> pre_master; // present in the client's message only
    SecretBytes<32> random1;
    SecretBytes<32> random2;
    std::string options;
    std::string username;
    std::string password;
    std::string peer_info;

    KeyMethod2() = default;
    KeyMethod2(const KeyMethod2&) = default;
    KeyMethod2(KeyMethod2&&) = default;
    KeyMethod2& operator=(const KeyMethod2&) = default;
    KeyMethod2& operator=(KeyMethod2&&) = default;
    ~KeyMethod2() { OPENSSL_cleanse(password.data(), password.size()); }
};

enum class KeyMethod2Error : uint8_t {
    Truncated,
    BadPrefix,            // the four zero bytes are missing
    UnsupportedKeyMethod, // not key method 2
    StringTooLong,
};
std::string_view to_string(KeyMethod2Error e);

struct ParsedKeyMethod2 {
    KeyMethod2 message;
    size_t consumed = 0;
};
// `from_client`: the message carries pre_master.
Expected<ParsedKeyMethod2, KeyMethod2Error> parse_key_method2(ByteSpan data, bool from_client);
Bytes serialize_key_method2(const KeyMethod2& m);

} // namespace vp::ovpn
