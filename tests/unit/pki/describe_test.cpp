// `print` views: RouterOS flags and properties of templates and certificates.
#include "pki/describe.hpp"

#include "pki_test_util.hpp"

#include <gtest/gtest.h>

namespace vp::pki {
namespace {

using testing::kNow;
using testing::TempDir;

const EntryView* find(const std::vector<EntryView>& v, const std::string& name) {
    for (auto& e : v)
        if (e.name == name) return &e;
    return nullptr;
}

TEST(Describe, FlagsAndProperties) {
    TempDir tmp;
    auto store = Store::open_or_create(tmp / "s");
    ASSERT_TRUE(store.ok());
    testing::make_basic_pki(*store);
    ASSERT_TRUE(store->revoke("client", kNow).ok());
    ASSERT_TRUE(
        store->add_template(testing::make_template({"name=pending", "common-name=bob"})).ok());

    auto entries = describe_store(*store, kNow);
    ASSERT_EQ(entries.size(), 4u);
    auto* ca = find(entries, "ca");
    auto* server = find(entries, "server");
    auto* client = find(entries, "client");
    auto* pending = find(entries, "pending");
    ASSERT_TRUE(ca && server && client && pending);
    EXPECT_EQ(ca->flags, "KLAT");
    EXPECT_EQ(server->flags, "KIT");
    EXPECT_EQ(client->flags, "KIRT");
    EXPECT_TRUE(pending->is_template);
    EXPECT_EQ(*ca->get("ca"), "self");
    EXPECT_EQ(*server->get("ca"), "ca");
    EXPECT_EQ(*server->get("subject-alt-name"), "DNS:vpn.example.com,IP:192.0.2.1");
    EXPECT_EQ(*server->get("key-usage"), "digital-signature,tls-server");
    EXPECT_EQ(*server->get("key-type"), "ec");
    EXPECT_EQ(*server->get("key-size"), "prime256v1");
    EXPECT_EQ(*server->get("days-valid"), "365");
    EXPECT_EQ(server->get("fingerprint")->size(), 64u);
    EXPECT_EQ(server->get("sha1-fingerprint")->size(), 40u);
    EXPECT_EQ(*server->get("subject"), "CN=vpn.example.com");
    EXPECT_EQ(*server->get("issuer"), "CN=Test CA");
    EXPECT_EQ(*ca->get("crl-revoked-count"), "1");
    EXPECT_NE(client->get("revoked"), nullptr);
    EXPECT_EQ(*pending->get("common-name"), "bob");

    // Expired once past invalid-after.
    auto later = describe_store(*store, kNow + 400L * 86400);
    EXPECT_EQ(find(later, "server")->flags, "KIET");
    EXPECT_EQ(*find(later, "server")->get("expires-after"), "expired");

    auto table = format_table(entries);
    EXPECT_NE(table.find("KLAT"), std::string::npos);
    EXPECT_NE(table.find("(template)"), std::string::npos);
    auto detail = format_detail(entries);
    EXPECT_NE(detail.find("key-usage=\"key-cert-sign,crl-sign\""), std::string::npos);
    EXPECT_NE(detail.find("trusted=yes"), std::string::npos);
    auto json = format_json(entries);
    EXPECT_NE(json.find("\"name\": \"server\""), std::string::npos);
    EXPECT_NE(json.find("\"flags\": \"KIRT\""), std::string::npos);
}

} // namespace
} // namespace vp::pki
