// Options string, peer-info and control message parsing/building.
#include "control/ovpn/options.hpp"

#include <charconv>

namespace vp::ovpn {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    while (true) {
        auto pos = text.find(sep);
        out.push_back(text.substr(0, pos));
        if (pos == std::string_view::npos) break;
        text.remove_prefix(pos + 1);
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

int parse_int(std::string_view s, int fallback) {
    int v = fallback;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc{} ? v : fallback;
}

bool printable(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

} // namespace

std::optional<std::string> OptionsString::get(std::string_view name) const {
    for (auto& [k, v] : items)
        if (k == name) return v;
    return std::nullopt;
}

OptionsString parse_options_string(std::string_view text) {
    OptionsString o;
    for (auto item : split(text, ',')) {
        item = trim(item);
        if (item.empty()) continue;
        auto space = item.find(' ');
        if (space == std::string_view::npos)
            o.items.emplace_back(std::string(item), std::string());
        else
            o.items.emplace_back(std::string(item.substr(0, space)),
                                 std::string(trim(item.substr(space + 1))));
        if (o.items.size() >= 64) break; // OpenVPN's strings are far shorter
    }
    return o;
}

std::string build_options_string(const OccOptions& o) {
    using crypto::Cipher;
    bool aead = crypto::is_aead(o.cipher);
    uint32_t link_mtu = o.link_mtu;
    if (link_mtu == 0) {
        // OpenVPN's legacy link-mtu figure: tun MTU plus the data packet's framing. Peers only
        // compare it to print a warning, but keeping it plausible keeps their logs quiet.
        uint32_t overhead = 1 + 4; // opcode + packet id
        if (aead) {
            overhead += crypto::tag_bytes(o.cipher) + 3; // + peer-id
        } else if (o.cipher != Cipher::None) {
            overhead += crypto::digest_bytes(o.digest) + 16 + 16; // HMAC + IV + padding
        }
        link_mtu = o.tun_mtu + overhead + 18;
    }
    std::string s = "V4,dev-type tun,link-mtu " + std::to_string(link_mtu) + ",tun-mtu " +
                    std::to_string(o.tun_mtu) + ",proto " +
                    (o.tcp ? (o.server ? "TCPv4_SERVER" : "TCPv4_CLIENT") : "UDPv4");
    s += ",cipher ";
    s += crypto::openvpn_name(o.cipher);
    s += ",auth ";
    s += aead ? std::string("[null-digest]") : std::string(crypto::openvpn_name(o.digest));
    s += ",keysize " + std::to_string(crypto::key_bytes(o.cipher) * 8);
    if (o.tls_auth) s += ",tls-auth";
    s += ",key-method 2";
    s += o.server ? ",tls-server" : ",tls-client";
    return s;
}

std::optional<std::string> PeerInfo::get(std::string_view name) const {
    for (auto& [k, v] : vars)
        if (k == name) return v;
    return std::nullopt;
}

uint32_t PeerInfo::iv_proto() const {
    auto v = get("IV_PROTO");
    return v ? static_cast<uint32_t>(parse_int(*v, 0)) : 0;
}

int PeerInfo::iv_ncp() const {
    auto v = get("IV_NCP");
    return v ? parse_int(*v, 0) : 0;
}

std::optional<std::vector<std::string>> PeerInfo::ciphers() const {
    auto v = get("IV_CIPHERS");
    if (!v) return std::nullopt;
    std::vector<std::string> out;
    for (auto c : split(*v, ':'))
        if (!c.empty()) out.emplace_back(c);
    return out;
}

std::string PeerInfo::version() const {
    return get("IV_VER").value_or("unknown");
}

std::string PeerInfo::platform() const {
    return get("IV_PLAT").value_or("unknown");
}

PeerInfo parse_peer_info(std::string_view text) {
    PeerInfo info;
    for (auto line : split(text, '\n')) {
        line = trim(line);
        auto eq = line.find('=');
        if (line.empty() || eq == std::string_view::npos || eq == 0) continue;
        info.vars.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
        if (info.vars.size() >= 256) break;
    }
    return info;
}

bool MessageSplitter::feed(ByteSpan data) {
    for (uint8_t b : data) {
        if (b != 0) {
            if (partial_.size() >= max_message_bytes) return false;
            partial_.push_back(static_cast<char>(b));
            continue;
        }
        std::string_view m = partial_;
        while (!m.empty() && (m.back() == '\n' || m.back() == '\r'))
            m.remove_suffix(1);
        if (!m.empty() && printable(m)) ready_.emplace_back(m);
        partial_.clear();
    }
    return true;
}

std::optional<std::string> MessageSplitter::next() {
    if (read_ >= ready_.size()) {
        ready_.clear();
        read_ = 0;
        return std::nullopt;
    }
    return std::move(ready_[read_++]);
}

bool is_command(std::string_view message, std::string_view command) {
    return message.substr(0, command.size()) == command &&
           (message.size() == command.size() || message[command.size()] == ',');
}

std::optional<std::vector<std::string>> parse_push_reply(std::string_view message) {
    if (!is_command(message, "PUSH_REPLY")) return std::nullopt;
    std::vector<std::string> out;
    if (message.size() == 10) return out;
    for (auto item : split(message.substr(11), ',')) {
        item = trim(item);
        if (!item.empty()) out.emplace_back(item);
        if (out.size() >= 1024) break;
    }
    return out;
}

} // namespace vp::ovpn
