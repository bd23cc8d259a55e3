// PAP and CHAP packet data parsing and building (see auth_packets.hpp).
#include "control/ppp/auth_packets.hpp"

#include <algorithm>

namespace vp::ppp {

Expected<PapRequest, AuthPacketError> parse_pap_request(ByteSpan data) {
    ByteReader r(data);
    uint8_t id_len, pw_len;
    ByteSpan id, pw;
    if (!r.u8(id_len) || !r.bytes(id_len, id) || !r.u8(pw_len) || !r.bytes(pw_len, pw))
        return unexpected(AuthPacketError::Truncated);
    return PapRequest{as_text(id), as_text(pw)};
}

Bytes build_pap_request(std::string_view peer_id, std::string_view password) {
    Bytes out;
    peer_id = peer_id.substr(0, 255);
    password = password.substr(0, 255);
    out.reserve(2 + peer_id.size() + password.size());
    out.push_back(static_cast<uint8_t>(peer_id.size()));
    out.insert(out.end(), peer_id.begin(), peer_id.end());
    out.push_back(static_cast<uint8_t>(password.size()));
    out.insert(out.end(), password.begin(), password.end());
    return out;
}

std::string_view parse_pap_message(ByteSpan data) {
    if (data.empty()) return {};
    size_t n = std::min<size_t>(data[0], data.size() - 1);
    return as_text(data.subspan(1, n));
}

Bytes build_pap_message(std::string_view message) {
    message = message.substr(0, 255);
    Bytes out;
    out.reserve(1 + message.size());
    ByteWriter w(out);
    w.u8(static_cast<uint8_t>(message.size()));
    w.bytes(message);
    return out;
}

Expected<ChapValue, AuthPacketError> parse_chap_value(ByteSpan data) {
    ByteReader r(data);
    uint8_t size;
    ByteSpan value;
    if (!r.u8(size) || !r.bytes(size, value)) return unexpected(AuthPacketError::Truncated);
    if (size == 0) return unexpected(AuthPacketError::BadValueSize);
    return ChapValue{value, as_text(r.rest())};
}

Bytes build_chap_value(ByteSpan value, std::string_view name) {
    // Sized up front: the result is one allocation (and GCC 12's -Warray-bounds stays quiet).
    Bytes out;
    out.reserve(1 + value.size() + name.size());
    ByteWriter w(out);
    w.u8(static_cast<uint8_t>(value.size()));
    w.bytes(value);
    w.bytes(name);
    return out;
}

Expected<MsChapV2Response, AuthPacketError> parse_mschapv2_response(ByteSpan value) {
    if (value.size() != 49) return unexpected(AuthPacketError::BadValueSize);
    MsChapV2Response out;
    std::copy_n(value.begin(), 16, out.peer_challenge.begin());
    std::copy_n(value.begin() + 24, 24, out.nt_response.begin());
    return out;
}

Bytes build_mschapv2_response(const MsChapV2Response& response) {
    Bytes out(49, 0);
    std::copy(response.peer_challenge.begin(), response.peer_challenge.end(), out.begin());
    std::copy(response.nt_response.begin(), response.nt_response.end(), out.begin() + 24);
    return out;
}

Expected<MsChapV1Response, AuthPacketError> parse_mschapv1_response(ByteSpan value) {
    if (value.size() != 49) return unexpected(AuthPacketError::BadValueSize);
    MsChapV1Response out;
    std::copy_n(value.begin(), 24, out.lm_response.begin());
    std::copy_n(value.begin() + 24, 24, out.nt_response.begin());
    out.use_nt = value[48] != 0;
    return out;
}

Bytes build_mschapv1_response(const MsChapV1Response& response) {
    Bytes out(49, 0);
    std::copy(response.lm_response.begin(), response.lm_response.end(), out.begin());
    std::copy(response.nt_response.begin(), response.nt_response.end(), out.begin() + 24);
    out[48] = response.use_nt ? 1 : 0;
    return out;
}

std::string_view mschapv2_success_authenticator(std::string_view message) {
    auto pos = message.find("S=");
    if (pos == std::string_view::npos || message.size() - pos < 42) return {};
    return message.substr(pos, 42);
}

} // namespace vp::ppp
