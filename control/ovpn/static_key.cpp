// Key file formats. The static key is hex between BEGIN/END lines (OpenVPN ignores anything
// outside them, e.g. its "# 2048 bit OpenVPN static key" comment); the tls-crypt-v2 keys are
// base64 PEM blocks, which OpenSSL's PEM reader handles.
#include "control/ovpn/static_key.hpp"

#include "control/ovpn/tls_crypt_v2.hpp"
#include "control/tls/ossl.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <fstream>
#include <sstream>

namespace vp::ovpn {

namespace {

constexpr std::string_view static_begin = "-----BEGIN OpenVPN Static key V1-----";
constexpr std::string_view static_end = "-----END OpenVPN Static key V1-----";
constexpr const char* v2_server_name = "OpenVPN tls-crypt-v2 server key";
constexpr const char* v2_client_name = "OpenVPN tls-crypt-v2 client key";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The payload of the first PEM block named `name`.
Result<Bytes> read_pem_block(std::string_view text, const char* name) {
    tls::BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    while (true) {
        char* got_name = nullptr;
        char* header = nullptr;
        unsigned char* data = nullptr;
        long len = 0;
        if (PEM_read_bio(bio.get(), &got_name, &header, &data, &len) != 1) {
            ERR_clear_error();
            return make_error(std::string("no '") + name + "' PEM block");
        }
        bool match = std::string_view(got_name) == name;
        Bytes out;
        if (match) out.assign(data, data + len);
        OPENSSL_free(got_name);
        OPENSSL_free(header);
        OPENSSL_clear_free(data, static_cast<size_t>(len));
        if (match) return out;
    }
}

std::string write_pem_block(const char* name, ByteSpan data) {
    tls::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio(bio.get(), name, "", data.data(), static_cast<long>(data.size()));
    char* out = nullptr;
    long len = BIO_get_mem_data(bio.get(), &out);
    return std::string(out, static_cast<size_t>(len));
}

} // namespace

Result<StaticKey> parse_static_key(std::string_view text) {
    auto begin = text.find(static_begin);
    if (begin == std::string_view::npos)
        return make_error("not an OpenVPN static key (no '" + std::string(static_begin) + "')");
    auto end = text.find(static_end, begin);
    if (end == std::string_view::npos) return make_error("static key has no END line");
    std::string_view body =
        text.substr(begin + static_begin.size(), end - begin - static_begin.size());
    StaticKey key;
    size_t n = 0;
    int high = -1;
    for (char c : body) {
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
        int v = hex_value(c);
        if (v < 0) return make_error("static key contains a non-hex character");
        if (high < 0) {
            high = v;
            continue;
        }
        if (n == key.bytes.size()) return make_error("static key is longer than 2048 bits");
        key.bytes[n++] = static_cast<uint8_t>(high << 4 | v);
        high = -1;
    }
    if (high >= 0 || n != key.bytes.size())
        return make_error("static key must hold exactly 2048 bits (256 bytes), found " +
                          std::to_string(n));
    return key;
}

std::string format_static_key(const StaticKey& key) {
    std::string out = "#\n# 2048 bit OpenVPN static key\n#\n";
    out += static_begin;
    out += '\n';
    for (size_t line = 0; line < 16; ++line) {
        out += to_hex(key.span(line * 16, 16));
        out += '\n';
    }
    out += static_end;
    out += '\n';
    return out;
}

StaticKey generate_static_key() {
    StaticKey key;
    RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size()));
    return key;
}

Result<TlsCryptV2ServerKey> parse_tls_crypt_v2_server_key(std::string_view text) {
    auto data = read_pem_block(text, v2_server_name);
    if (!data) return data.error();
    TlsCryptV2ServerKey key;
    if (data->size() != key.bytes.size())
        return make_error("tls-crypt-v2 server key must be 128 bytes, found " +
                          std::to_string(data->size()));
    std::copy(data->begin(), data->end(), key.bytes.begin());
    OPENSSL_cleanse(data->data(), data->size());
    return key;
}

std::string format_tls_crypt_v2_server_key(const TlsCryptV2ServerKey& key) {
    return write_pem_block(v2_server_name, ByteSpan(key.bytes));
}

TlsCryptV2ServerKey generate_tls_crypt_v2_server_key() {
    TlsCryptV2ServerKey key;
    RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size()));
    return key;
}

Result<TlsCryptV2ClientKey> parse_tls_crypt_v2_client_key(std::string_view text) {
    auto data = read_pem_block(text, v2_client_name);
    if (!data) return data.error();
    TlsCryptV2ClientKey key;
    if (data->size() <= key.key.bytes.size() || data->size() > key.key.bytes.size() + max_wkc_bytes)
        return make_error("tls-crypt-v2 client key has an invalid length (" +
                          std::to_string(data->size()) + " bytes)");
    std::copy(data->begin(), data->begin() + 256, key.key.bytes.begin());
    key.wrapped.assign(data->begin() + 256, data->end());
    OPENSSL_cleanse(data->data(), data->size());
    return key;
}

std::string format_tls_crypt_v2_client_key(const TlsCryptV2ClientKey& key) {
    Bytes data(key.key.bytes.begin(), key.key.bytes.end());
    data.insert(data.end(), key.wrapped.begin(), key.wrapped.end());
    std::string out = write_pem_block(v2_client_name, data);
    OPENSSL_cleanse(data.data(), data.size());
    return out;
}

Result<TlsCryptV2ClientKey> generate_tls_crypt_v2_client_key(const TlsCryptV2ServerKey& server,
                                                             uint64_t unix_time_s,
                                                             const Bytes* user_metadata) {
    TlsCryptV2ClientKey out;
    out.key = generate_static_key();
    Bytes metadata;
    if (user_metadata) {
        metadata.push_back(metadata_type_user);
        metadata.insert(metadata.end(), user_metadata->begin(), user_metadata->end());
    } else {
        metadata.push_back(metadata_type_timestamp);
        ByteWriter(metadata).be64(unix_time_s);
    }
    auto wkc = wrap_client_key(server, out.key, metadata);
    if (!wkc) return wkc.error();
    out.wrapped = std::move(*wkc);
    return out;
}

Result<std::string> read_key_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("cannot read key file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace vp::ovpn
