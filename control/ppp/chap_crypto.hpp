// The hashes and keys of PPP authentication: CHAP-MD5 (RFC 1994), MS-CHAPv1 (RFC 2433),
// MS-CHAPv2 (RFC 2759), the MPPE master and session keys (RFC 3079) and the SSTP crypto
// binding HLAK built from them. All primitives are OpenSSL's: MD4 and DES come from the legacy
// provider, loaded into a library context this file owns (never the process default, so the
// rest of the appliance keeps its provider set). Everything returns nullopt when OpenSSL fails;
// legacy_crypto_status() says why, for an operator.
#pragma once

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "control/ppp/types.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

namespace vp::ppp {

using Digest16 = std::array<uint8_t, 16>;
using Digest20 = std::array<uint8_t, 20>;
using Challenge8 = std::array<uint8_t, 8>;
using Challenge16 = std::array<uint8_t, 16>;
using Response24 = std::array<uint8_t, 24>;

// Ok once MD4 and DES can be fetched; else an error naming the legacy provider.
Status legacy_crypto_status();

std::optional<Digest16> md4(ByteSpan data);
std::optional<Digest16> md5(std::initializer_list<ByteSpan> parts);
std::optional<Digest20> sha1(std::initializer_list<ByteSpan> parts);
bool random_bytes(MutableByteSpan out);

// RFC 1994: MD5(Identifier | secret | Challenge).
std::optional<Digest16> chap_md5_response(uint8_t id, std::string_view secret, ByteSpan challenge);

// RFC 2759 / RFC 2433 building blocks.
std::optional<Digest16> nt_password_hash(std::string_view password); // MD4(UTF-16LE(password))
// The user name with any "DOMAIN\" prefix removed (RFC 2759 section 4 ChallengeHash note).
std::string_view strip_domain(std::string_view user);
std::optional<Challenge8> challenge_hash(const Challenge16& peer_challenge,
                                         const Challenge16& authenticator_challenge,
                                         std::string_view user);
// DES-ECB of the challenge under the 21-byte zero-padded hash, split into three 7-byte keys.
std::optional<Response24> challenge_response(const Challenge8& challenge,
                                             const Digest16& password_hash);
std::optional<Response24> mschapv2_nt_response(const Challenge16& authenticator_challenge,
                                               const Challenge16& peer_challenge,
                                               std::string_view user, std::string_view password);
// "S=" followed by 40 uppercase hex digits.
std::optional<std::string>
mschapv2_authenticator_response(std::string_view password, const Response24& nt_response,
                                const Challenge16& peer_challenge,
                                const Challenge16& authenticator_challenge, std::string_view user);
// RFC 2433: NT-Response = ChallengeResponse(challenge, NtPasswordHash).
std::optional<Response24> mschapv1_nt_response(const Challenge8& challenge,
                                               std::string_view password);

// RFC 3079 section 3.4: MasterKey = SHA1(PasswordHashHash | NT-Response | Magic1)[0:16].
std::optional<Digest16> mppe_master_key(std::string_view password, const Response24& nt_response);
// RFC 3079 GetAsymmetricStartKey for 128-bit keys; is_send/is_server as in the RFC.
std::optional<Digest16> mppe_asymmetric_key(const Digest16& master_key, bool is_send,
                                            bool is_server);
// sstp-ppp.md: HLAK = server receive key | server send key, the same bytes on both sides.
std::optional<Hlak> mschapv2_hlak(std::string_view password, const Response24& nt_response);
// RFC 3079 section 2.4 start key for MS-CHAPv1: SHA1(PHH | PHH | challenge)[0:16]; HLAK = K | K
// (sstp-ppp.md; unverified against Windows).
std::optional<Hlak> mschapv1_hlak(std::string_view password, const Challenge8& challenge);

// Equal-length constant-time comparison (CRYPTO_memcmp); different lengths are unequal.
bool equal_secret(ByteSpan a, ByteSpan b);

std::string hex_upper(ByteSpan data);

} // namespace vp::ppp
