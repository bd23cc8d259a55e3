// The parts of the RouterOS translator that live in files of their own: the /ip firewall menus
// (filter, nat, mangle, connection tracking, address-list -> `firewall`; /interface list ->
// `interface_lists`, which the rules name) and /interface ovpn-client and sstp-client
// (-> `ovpn_clients`, `sstp_clients`). Each takes the commands of its menus, reports with the line
// what it cannot translate, and writes its libconfig section. Internal to routeros_translate*.cpp.
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
// A decimal number of at most 9 digits (so it fits an unsigned).
bool all_digits(const std::string& v);

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

// One /interface ovpn-client or sstp-client command being translated into `link`: what the
// menu-specific property handlers write through.
class ClientLinkEdit {
public:
    ClientLinkEdit(const Command& c, ClientLink& l, std::vector<Report>& reports)
        : command(c), link(l), reports_(reports) {}

    // Sets `key` (replacing an earlier value of the same command or of the `add`).
    void put(const std::string& key, const std::string& rendered);
    bool has(const std::string& key) const;
    // Reports `p` with the reason and marks the link not imported.
    void refuse(const Property& p, const std::string& why);
    // yes/no -> true/false; anything else refuses the link.
    void yes_no(const Property& p, const char* setting);
    void report(std::string text) { reports_.push_back({command.line, std::move(text)}); }

    const Command& command;
    ClientLink& link;

private:
    std::vector<Report>& reports_;
};

// What differs between the client-link menus.
struct ClientLinkMenu {
    const char* menu;        // "ovpn-client": /interface <menu>
    const char* name_prefix; // RouterOS names unnamed links <prefix>1, <prefix>2, ...
    const char* section;     // the libconfig list written
    bool added_disabled;     // an `add` without disabled= writes disabled = true
    // The properties only this menu has: false when `p` is not one of them.
    bool (*property)(ClientLinkEdit& e, const Property& p);
};

extern const ClientLinkMenu ovpn_client_menu; // routeros_translate_ovpn_client.cpp
extern const ClientLinkMenu sstp_client_menu; // routeros_translate_sstp_client.cpp

// /interface ovpn-client and sstp-client -> `ovpn_clients` / `sstp_clients`
// (routeros_translate_client_link.cpp): what the menus share (names, connect-to, port, user,
// certificates, keepalive, disabled, the checks of an `add`).
class ClientLinkImport {
public:
    ClientLinkImport(std::vector<Report>& reports, const ClientLinkMenu& menu)
        : reports_(reports), menu_(menu) {}

    void command(const Command& c); // /interface <menu> add|set
    // The link named `name`: nullptr when there is none.
    const ClientLink* find(const std::string& name) const;
    // The menu's section, or "" when no link was imported.
    std::string write() const;

private:
    void report(size_t line, std::string text) { reports_.push_back({line, std::move(text)}); }

    std::vector<Report>& reports_;
    const ClientLinkMenu& menu_;
    std::vector<ClientLink> links_;
};

} // namespace vp::tools::routeros::detail
