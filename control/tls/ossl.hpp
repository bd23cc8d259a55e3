// RAII handles for the OpenSSL objects the control plane owns, and the helper that turns
// OpenSSL's thread-local error queue into one line an operator can read.
#pragma once

#include "base/ossl_ptr.hpp"

#include <string>

namespace vp::tls {

// The handles control/tls has always named; the deleters live in base/ossl_ptr.hpp.
using SslCtxPtr = OsslPtr<SSL_CTX>;
using SslPtr = OsslPtr<SSL>;
using BioPtr = OsslPtr<BIO>;
using X509Ptr = OsslPtr<X509>;
using X509CrlPtr = OsslPtr<X509_CRL>;
using X509StorePtr = OsslPtr<X509_STORE>;
using EvpPkeyPtr = OsslPtr<EVP_PKEY>;
using CipherCtxPtr = OsslPtr<EVP_CIPHER_CTX>;
using MacPtr = OsslPtr<EVP_MAC>;
using MacCtxPtr = OsslPtr<EVP_MAC_CTX>;

// Drains the calling thread's OpenSSL error queue into "reason; reason" ("" when empty).
std::string openssl_error_text();

} // namespace vp::tls
