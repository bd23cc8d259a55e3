// Session file parsing (strict, with errors that name the session and field), validation and
// writing, over nlohmann-json.
#include "control/perf/session_file.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

namespace vp::perf {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Thrown inside the parser only, turned into a Result at its boundary: the JSON tree is walked
// recursively and every check would otherwise need its own early return.
struct FieldError {
    std::string message;
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw FieldError{where.empty() ? what : where + ": " + what};
}

// "server.port", "sessions[3] (peer_id 4): client.port".
std::string join(const std::string& where, std::string_view field) {
    if (where.empty()) return std::string(field);
    return where + (where.back() == ')' ? ": " : ".") + std::string(field);
}

const char* type_name(const json& v) {
    return v.type_name();
}

// Every key of `object` must be in `allowed`.
void check_fields(const json& object, const std::string& where,
                  std::initializer_list<std::string_view> allowed) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        bool known = false;
        for (auto a : allowed)
            known = known || it.key() == a;
        if (!known) fail(join(where, it.key()), "unknown field");
    }
}

const json& member(const json& object, std::string_view field, const std::string& where) {
    auto it = object.find(field);
    if (it == object.end()) fail(join(where, field), "missing");
    return *it;
}

const json& object_member(const json& object, std::string_view field, const std::string& where) {
    const json& v = member(object, field, where);
    if (!v.is_object())
        fail(join(where, field), std::string("expected an object, got ") + type_name(v));
    return v;
}

std::string string_member(const json& object, std::string_view field, const std::string& where) {
    const json& v = member(object, field, where);
    if (!v.is_string())
        fail(join(where, field), std::string("expected a string, got ") + type_name(v));
    return v.get<std::string>();
}

uint64_t uint_member(const json& object, std::string_view field, const std::string& where,
                     uint64_t max) {
    const json& v = member(object, field, where);
    if (!v.is_number_unsigned())
        fail(join(where, field), std::string("expected a non-negative integer, got ") +
                                     (v.is_number_integer() ? "a negative number" : type_name(v)));
    uint64_t n = v.get<uint64_t>();
    if (n > max) fail(join(where, field), std::to_string(n) + " is over " + std::to_string(max));
    return n;
}

net::Ipv4 address_member(const json& object, std::string_view field, const std::string& where) {
    std::string text = string_member(object, field, where);
    auto a = net::parse_ipv4(text);
    if (!a) fail(join(where, field), "'" + text + "' is not an IPv4 address");
    if (*a == 0 || *a == 0xffffffff || (*a >> 28) == 0xe)
        fail(join(where, field), "'" + text + "' is not a unicast address");
    return *a;
}

UdpEndpoint endpoint_member(const json& object, std::string_view field, const std::string& where) {
    const json& e = object_member(object, field, where);
    std::string w = join(where, field);
    check_fields(e, w, {"address", "port"});
    UdpEndpoint out;
    out.address = address_member(e, "address", w);
    out.port = static_cast<uint16_t>(uint_member(e, "port", w, 65535));
    if (out.port == 0) fail(join(w, "port"), "port 0 is not allowed");
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Bytes hex_member(const json& object, std::string_view field, const std::string& where) {
    if (!object.contains(field)) return {};
    std::string text = string_member(object, field, where);
    if (text.size() % 2 != 0)
        fail(join(where, field), "odd number of hex digits (" + std::to_string(text.size()) + ")");
    Bytes out(text.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            fail(join(where, field), "not hex: character " +
                                         std::to_string(2 * i + (hi < 0 ? 0 : 1)) + " is '" +
                                         text[2 * i + (hi < 0 ? 0 : 1)] + "'");
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return out;
}

DirectionKeys keys_member(const json& object, std::string_view field, const std::string& where) {
    const json& k = object_member(object, field, where);
    std::string w = join(where, field);
    check_fields(k, w, {"cipher_key", "hmac_key", "implicit_iv"});
    DirectionKeys out;
    out.cipher_key = hex_member(k, "cipher_key", w);
    out.hmac_key = hex_member(k, "hmac_key", w);
    out.implicit_iv = hex_member(k, "implicit_iv", w);
    return out;
}

std::string session_where(size_t index, const PerfSession& s) {
    return "sessions[" + std::to_string(index) + "] (peer_id " + std::to_string(s.peer_id) + ")";
}

std::string endpoint_text(const UdpEndpoint& e) {
    return net::to_string(e.address) + ":" + std::to_string(e.port);
}

// One direction's key lengths against the file's cipher and digest.
std::string check_keys(const SessionFile& file, const DirectionKeys& k) {
    auto length_error = [](std::string_view field, size_t want, size_t got, std::string_view why) {
        return std::string(field) + ": expected " + std::to_string(want) + " bytes " +
               std::string(why) + ", got " + std::to_string(got);
    };
    const std::string cipher_name(crypto::openvpn_name(file.cipher));
    const size_t key_len = crypto::key_bytes(file.cipher);
    if (k.cipher_key.size() != key_len)
        return length_error("cipher_key", key_len, k.cipher_key.size(), "for " + cipher_name);
    const size_t hmac_len = crypto::digest_bytes(file.auth);
    if (k.hmac_key.size() != hmac_len)
        return length_error("hmac_key", hmac_len, k.hmac_key.size(),
                            "for auth " + std::string(crypto::openvpn_name(file.auth)));
    const size_t iv_len = crypto::is_aead(file.cipher) ? crypto::DataKey::kImplicitIvBytes : 0;
    if (k.implicit_iv.size() != iv_len)
        return length_error("implicit_iv", iv_len, k.implicit_iv.size(),
                            crypto::is_aead(file.cipher) ? "(AEAD implicit IV)"
                                                         : "(only AEAD ciphers have one)");
    return {};
}

} // namespace

Status validate(const SessionFile& file) {
    if (file.server.address == 0 || file.server.port == 0)
        return make_error("server: address and port must be set");
    if (crypto::is_aead(file.cipher) && file.auth != crypto::Digest::None)
        return make_error("auth: must be \"none\" with " +
                          std::string(crypto::openvpn_name(file.cipher)) +
                          " (AEAD ciphers authenticate themselves)");
    if (file.sessions.empty()) return make_error("sessions: no sessions");
    std::map<uint32_t, size_t> peer_ids;
    std::map<std::pair<uint32_t, uint16_t>, size_t> endpoints;
    std::map<uint32_t, size_t> tunnels;
    for (size_t i = 0; i < file.sessions.size(); ++i) {
        const PerfSession& s = file.sessions[i];
        const std::string where = session_where(i, s);
        if (s.peer_id > kMaxPeerId)
            return make_error(where + ": peer_id: " + std::to_string(s.peer_id) +
                              " is over 16777214 (0xFFFFFF means no peer-id)");
        if (s.key_id > kMaxKeyId)
            return make_error(where + ": key_id: " + std::to_string(s.key_id) + " is over 7");
        if (s.client.address == 0 || s.client.port == 0)
            return make_error(where + ": client: address and port must be set");
        if (s.tunnel_address == 0) return make_error(where + ": tunnel_address: must be set");
        if (auto [it, fresh] = peer_ids.emplace(s.peer_id, i); !fresh)
            return make_error(where + ": peer_id: duplicate of sessions[" +
                              std::to_string(it->second) + "]");
        if (auto [it, fresh] = endpoints.emplace(std::pair{s.client.address, s.client.port}, i);
            !fresh)
            return make_error(where + ": client: " + endpoint_text(s.client) +
                              " is also the endpoint of sessions[" + std::to_string(it->second) +
                              "]");
        if (s.client == file.server)
            return make_error(where + ": client: the endpoint is the server's");
        if (auto [it, fresh] = tunnels.emplace(s.tunnel_address, i); !fresh)
            return make_error(where + ": tunnel_address: " + net::to_string(s.tunnel_address) +
                              " is also the tunnel address of sessions[" +
                              std::to_string(it->second) + "]");
        if (auto e = check_keys(file, s.client_to_server); !e.empty())
            return make_error(where + ": client_to_server." + e);
        if (auto e = check_keys(file, s.server_to_client); !e.empty())
            return make_error(where + ": server_to_client." + e);
    }
    return {};
}

Result<SessionFile> parse_session_file(std::string_view json_text) {
    json root;
    try {
        root = json::parse(json_text);
    } catch (const json::parse_error& e) {
        // Turn the byte offset into line:column, which an editor can jump to.
        size_t line = 1, column = 1;
        for (size_t i = 0; i + 1 < e.byte && i < json_text.size(); ++i) {
            if (json_text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        std::string what = e.what();
        if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
        return make_error("line " + std::to_string(line) + ", column " + std::to_string(column) +
                          ": not valid JSON: " + what);
    }
    SessionFile file;
    try {
        if (!root.is_object()) fail("", "the file must hold a JSON object");
        check_fields(
            root, "",
            {"format", "version", "server", "cipher", "auth", "replay_protection", "sessions"});
        if (std::string f = string_member(root, "format", ""); f != kSessionFileFormat)
            fail("format",
                 "expected \"" + std::string(kSessionFileFormat) + "\", got \"" + f + "\"");
        if (auto v = uint_member(root, "version", "", 1000); v != kSessionFileVersion)
            fail("version", "version " + std::to_string(v) +
                                " is not supported (this build reads " +
                                std::to_string(kSessionFileVersion) + ")");
        file.server = endpoint_member(root, "server", "");
        std::string cipher = string_member(root, "cipher", "");
        auto c = crypto::cipher_from_openvpn_name(cipher);
        if (!c) fail("cipher", "unknown cipher '" + cipher + "' (OpenVPN names, e.g. AES-256-GCM)");
        file.cipher = *c;
        std::string auth = string_member(root, "auth", "");
        auto d = crypto::digest_from_name(auth);
        if (!d) fail("auth", "unknown digest '" + auth + "' (SHA1, SHA256, SHA512, MD5, none)");
        file.auth = *d;
        if (root.contains("replay_protection")) {
            const json& r = root["replay_protection"];
            if (!r.is_boolean())
                fail("replay_protection",
                     std::string("expected true or false, got ") + type_name(r));
            file.replay_protection = r.get<bool>();
        }
        const json& sessions = member(root, "sessions", "");
        if (!sessions.is_array())
            fail("sessions", std::string("expected an array, got ") + type_name(sessions));
        file.sessions.reserve(sessions.size());
        for (size_t i = 0; i < sessions.size(); ++i) {
            const json& js = sessions[i];
            std::string where = "sessions[" + std::to_string(i) + "]";
            if (!js.is_object())
                fail(where, std::string("expected an object, got ") + type_name(js));
            PerfSession s;
            s.peer_id = static_cast<uint32_t>(uint_member(js, "peer_id", where, 0xFFFFFFFF));
            where = session_where(i, s);
            check_fields(js, where,
                         {"peer_id", "key_id", "client", "tunnel_address", "client_to_server",
                          "server_to_client"});
            s.key_id = static_cast<uint8_t>(uint_member(js, "key_id", where, kMaxKeyId));
            s.client = endpoint_member(js, "client", where);
            s.tunnel_address = address_member(js, "tunnel_address", where);
            s.client_to_server = keys_member(js, "client_to_server", where);
            s.server_to_client = keys_member(js, "server_to_client", where);
            file.sessions.push_back(std::move(s));
        }
    } catch (const FieldError& e) {
        return make_error(e.message);
    }
    if (auto st = validate(file); !st.ok()) return st.error();
    return file;
}

Result<SessionFile> load_session_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(path + ": cannot open for reading");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return make_error(path + ": read error");
    auto file = parse_session_file(text.str());
    if (!file.ok()) return make_error(path + ": " + file.message());
    return file;
}

std::string to_json_text(const SessionFile& file) {
    auto keys = [](const DirectionKeys& k) {
        ordered_json o;
        o["cipher_key"] = to_hex(k.cipher_key);
        o["hmac_key"] = to_hex(k.hmac_key);
        o["implicit_iv"] = to_hex(k.implicit_iv);
        return o;
    };
    auto endpoint = [](const UdpEndpoint& e) {
        ordered_json o;
        o["address"] = net::to_string(e.address);
        o["port"] = e.port;
        return o;
    };
    ordered_json root;
    root["format"] = kSessionFileFormat;
    root["version"] = kSessionFileVersion;
    root["server"] = endpoint(file.server);
    root["cipher"] = crypto::openvpn_name(file.cipher);
    root["auth"] = crypto::openvpn_name(file.auth);
    root["replay_protection"] = file.replay_protection;
    ordered_json sessions = ordered_json::array();
    for (const PerfSession& s : file.sessions) {
        ordered_json o;
        o["peer_id"] = s.peer_id;
        o["key_id"] = s.key_id;
        o["client"] = endpoint(s.client);
        o["tunnel_address"] = net::to_string(s.tunnel_address);
        o["client_to_server"] = keys(s.client_to_server);
        o["server_to_client"] = keys(s.server_to_client);
        sessions.push_back(std::move(o));
    }
    root["sessions"] = std::move(sessions);
    return root.dump(2) + "\n";
}

Status write_session_file(const std::string& path, const SessionFile& file) {
    if (auto st = validate(file); !st.ok())
        return make_error(path + ": not written: " + st.message());
    const std::string tmp = path + ".tmp" + std::to_string(getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return make_error(tmp + ": cannot open for writing");
        out << to_json_text(file);
        out.flush();
        if (!out) {
            std::remove(tmp.c_str());
            return make_error(tmp + ": write error");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return make_error(path + ": cannot rename into place: " + ec.message());
    }
    return {};
}

Result<std::unique_ptr<crypto::DataKey>> make_data_key(const SessionFile& file,
                                                       const DirectionKeys& keys) {
    return crypto::DataKey::create(file.cipher, file.auth, keys.cipher_key, keys.hmac_key,
                                   keys.implicit_iv);
}

} // namespace vp::perf
