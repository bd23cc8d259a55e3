// Key method 2 codec.
#include "control/ovpn/key_method2.hpp"

namespace vp::ovpn {

std::string_view to_string(KeyMethod2Error e) {
    switch (e) {
    case KeyMethod2Error::Truncated:
        return "truncated key method 2 message";
    case KeyMethod2Error::BadPrefix:
        return "not a key method 2 message";
    case KeyMethod2Error::UnsupportedKeyMethod:
        return "unsupported key method";
    case KeyMethod2Error::StringTooLong:
        return "over-long string in key method 2 message";
    }
    return "?";
}

namespace {

enum class StringRead { Ok, Absent, Truncated, TooLong };

StringRead read_string(ByteReader& r, size_t max, std::string& out) {
    if (r.empty()) return StringRead::Absent;
    uint16_t len = 0;
    if (!r.be16(len)) return StringRead::Truncated;
    if (len > max) return StringRead::TooLong;
    ByteSpan bytes;
    if (!r.bytes(len, bytes)) return StringRead::Truncated;
    // Up to the first NUL (the length counts the terminator; OpenVPN forces one at the end).
    size_t n = 0;
    while (n < bytes.size() && bytes[n] != 0)
        ++n;
    out.assign(reinterpret_cast<const char*>(bytes.data()), n);
    return StringRead::Ok;
}

void write_string(ByteWriter& w, std::string_view s) {
    if (s.empty()) {
        w.be16(0);
        return;
    }
    w.be16(static_cast<uint16_t>(s.size() + 1));
    w.bytes(s);
    w.u8(0);
}

} // namespace

Expected<ParsedKeyMethod2, KeyMethod2Error> parse_key_method2(ByteSpan data, bool from_client) {
    ByteReader r(data);
    uint32_t zero = 0;
    uint8_t method = 0;
    if (!r.be32(zero) || !r.u8(method)) return unexpected(KeyMethod2Error::Truncated);
    if (zero != 0) return unexpected(KeyMethod2Error::BadPrefix);
    if ((method & 0x0F) != 2) return unexpected(KeyMethod2Error::UnsupportedKeyMethod);

    ParsedKeyMethod2 out;
    KeyMethod2& m = out.message;
    if (from_client) {
        m.pre_master.emplace();
        if (!r.copy(m.pre_master->bytes.data(), 48)) return unexpected(KeyMethod2Error::Truncated);
    }
    if (!r.copy(m.random1.bytes.data(), 32) || !r.copy(m.random2.bytes.data(), 32))
        return unexpected(KeyMethod2Error::Truncated);

    struct Field {
        std::string* out;
        size_t max;
        bool required;
    };
    for (Field f : {Field{&m.options, max_options_bytes, true},
                    Field{&m.username, max_credential_bytes, false},
                    Field{&m.password, max_credential_bytes, false},
                    Field{&m.peer_info, max_peer_info_bytes, false}}) {
        switch (read_string(r, f.max, *f.out)) {
        case StringRead::Ok:
            break;
        case StringRead::Absent:
            if (f.required) return unexpected(KeyMethod2Error::Truncated);
            out.consumed = r.position();
            return out;
        case StringRead::Truncated:
            return unexpected(KeyMethod2Error::Truncated);
        case StringRead::TooLong:
            return unexpected(KeyMethod2Error::StringTooLong);
        }
    }
    out.consumed = r.position();
    return out;
}

Bytes serialize_key_method2(const KeyMethod2& m) {
    Bytes out;
    ByteWriter w(out);
    w.be32(0);
    w.u8(2);
    if (m.pre_master) w.bytes(ByteSpan(m.pre_master->bytes));
    w.bytes(ByteSpan(m.random1.bytes));
    w.bytes(ByteSpan(m.random2.bytes));
    write_string(w, m.options);
    write_string(w, m.username);
    write_string(w, m.password);
    write_string(w, m.peer_info);
    return out;
}

} // namespace vp::ovpn
