// The parts of the RouterOS translator that live in files of their own: the /ip firewall menus
// (filter, nat, mangle, connection tracking, address-list -> `firewall`; /interface list ->
// `interface_lists`, which the rules name) and /interface ovpn-client
// (-> `ovpn_clients`). Each takes the commands of its menus, reports with the line what it
// cannot translate, and writes its libconfig section. Internal to routeros_translate*.cpp.
#pragma once

#include "tools/vpnctl/routeros_translate.hpp"

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vp::tools::routeros::detail {

// A libconfig string literal.
std::string quote(const std::string& value);

// setting -> libconfig value text (already quoted or a bare number / boolean), in order.
using Rendered = std::vector<std::pair<std::string, std::string>>;

struct FirewallRule {
    size_t line = 0;
    std::string table; // "filter", "nat", "mangle"
    Rendered fields;
    bool ok = true; // false: refused; reported, not written
    // (setting, RouterOS interface name) resolved against the imported interfaces at the end.
    std::vector<std::pair<std::string, std::string>> interfaces;
    // (setting, list name) resolved against the imported /interface list entries at the end.
    std::vector<std::pair<std::string, std::string>> lists;
    // (setting, address list name with its '!') resolved against /ip firewall address-list.
    std::vector<std::pair<std::string, std::string>> address_lists;
    std::string fills; // add-src/dst-to-address-list: the list the rule fills
};

// An /ip firewall address-list entry (-> firewall.address_lists).
struct AddressListEntry {
    size_t line = 0;
    std::string list;
    Rendered fields; // addresses, comment, disabled
    bool enabled = true;
    bool ok = true;
};

// An /interface list with its members (RouterOS interface names, resolved at the end).
struct InterfaceList {
    size_t line = 0;
    std::string name;
    std::vector<std::pair<size_t, std::string>> members; // (line, interface)
    bool ok = true;
    std::vector<std::string> resolved; // imported interface names, after finish()
};

class FirewallImport {
public:
    explicit FirewallImport(std::vector<Report>& reports) : reports_(reports) {}

    // Commands of /ip firewall ..., /interface list and /interface list member.
    void command(const Command& c);
    // Resolves interface names (RouterOS name -> imported interface name, or nothing).
    void finish(const std::function<std::optional<std::string>(const std::string&)>& iface);
    // The `firewall` section, or "" when nothing was imported.
    std::string write() const;
    // The `interface_lists` section, or "".
    std::string write_lists() const;
    // A /ppp profile's address-list: sessions fill it (dynamic entries), so rules may name it.
    void add_profile_list(const std::string& name) { profile_lists_.insert(name); }

private:
    void report(size_t line, std::string text) { reports_.push_back({line, std::move(text)}); }
    void rule(const Command& c, const std::string& table);
    void connection_tracking(const Command& c);
    void interface_list(const Command& c);
    InterfaceList* find_list(const std::string& name);
    void address_list(const Command& c);
    std::string write_address_lists() const;

    std::vector<Report>& reports_;
    std::vector<FirewallRule> filter_, nat_, mangle_;
    Rendered tracking_;
    std::vector<InterfaceList> lists_;
    std::vector<AddressListEntry> address_entries_;
    std::set<std::string> profile_lists_;
    std::set<std::string> rule_lists_; // lists add-src/dst-to-address-list rules fill
};

struct ClientLink {
    size_t line = 0;
    std::string name;
    Rendered fields;
    bool ok = true;
};

class OvpnClientImport {
public:
    explicit OvpnClientImport(std::vector<Report>& reports) : reports_(reports) {}

    void command(const Command& c); // /interface ovpn-client add|set
    // The link named `name`: nullptr when there is none.
    const ClientLink* find(const std::string& name) const;
    // The `ovpn_clients` section, or "" when no link was imported.
    std::string write() const;

private:
    void report(size_t line, std::string text) { reports_.push_back({line, std::move(text)}); }

    std::vector<Report>& reports_;
    std::vector<ClientLink> links_;
};

// /interface sstp-client -> `sstp_clients` (routeros_translate_sstp_client.cpp).
class SstpClientImport {
public:
    explicit SstpClientImport(std::vector<Report>& reports) : reports_(reports) {}

    void command(const Command& c); // /interface sstp-client add|set
    // The link named `name`: nullptr when there is none.
    const ClientLink* find(const std::string& name) const;
    // The `sstp_clients` section, or "" when no link was imported.
    std::string write() const;

private:
    void report(size_t line, std::string text) { reports_.push_back({line, std::move(text)}); }

    std::vector<Report>& reports_;
    std::vector<ClientLink> links_;
};

} // namespace vp::tools::routeros::detail
