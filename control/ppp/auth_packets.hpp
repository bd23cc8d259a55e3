// The data of PAP (RFC 1334) and CHAP (RFC 1994) packets and the MS-CHAP value layouts
// (RFC 2433, RFC 2759). Pure parsers over spans; the views they return point into the input.
#pragma once

#include "base/bytes.hpp"
#include "base/expected.hpp"
#include "control/ppp/chap_crypto.hpp"

#include <string_view>

namespace vp::ppp {

inline constexpr uint8_t kPapRequest = 1, kPapAck = 2, kPapNak = 3;
inline constexpr uint8_t kChapChallenge = 1, kChapResponse = 2, kChapSuccess = 3, kChapFailure = 4;
// CHAP algorithm octets of the LCP Authentication-Protocol option.
inline constexpr uint8_t kChapMd5 = 0x05, kChapMsV1 = 0x80, kChapMsV2 = 0x81;

enum class AuthPacketError : uint8_t { Truncated, BadValueSize };

struct PapRequest {
    std::string_view peer_id;
    std::string_view password;
};
Expected<PapRequest, AuthPacketError> parse_pap_request(ByteSpan data);
Bytes build_pap_request(std::string_view peer_id, std::string_view password);
// Ack/Nak data: Msg-Length and Message (a short message is tolerated and cut).
std::string_view parse_pap_message(ByteSpan data);
Bytes build_pap_message(std::string_view message);

// CHAP Challenge and Response data: Value-Size, Value, Name (the rest of the packet).
struct ChapValue {
    ByteSpan value;
    std::string_view name;
};
Expected<ChapValue, AuthPacketError> parse_chap_value(ByteSpan data);
Bytes build_chap_value(ByteSpan value, std::string_view name);

// MS-CHAPv2 Response value (49 bytes): Peer-Challenge, 8 reserved zero bytes, NT-Response, Flags.
struct MsChapV2Response {
    Challenge16 peer_challenge{};
    Response24 nt_response{};
};
Expected<MsChapV2Response, AuthPacketError> parse_mschapv2_response(ByteSpan value);
Bytes build_mschapv2_response(const MsChapV2Response& response);

// MS-CHAPv1 Response value (49 bytes): LM-Response, NT-Response, Use-NT flag.
struct MsChapV1Response {
    Response24 lm_response{};
    Response24 nt_response{};
    bool use_nt = true;
};
Expected<MsChapV1Response, AuthPacketError> parse_mschapv1_response(ByteSpan value);
Bytes build_mschapv1_response(const MsChapV1Response& response);

// The "S=<40 hex>" of an MS-CHAPv2 Success message, or empty when it has none.
std::string_view mschapv2_success_authenticator(std::string_view message);

inline std::string_view as_text(ByteSpan data) {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
}

} // namespace vp::ppp
