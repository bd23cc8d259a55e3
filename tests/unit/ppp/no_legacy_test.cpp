// Run with OPENSSL_MODULES pointing nowhere (see meson.build): the legacy provider cannot load,
// legacy_crypto_status() says so in words an operator can act on, and an MS-CHAPv2 session
// fails authentication cleanly instead of crashing.
#include "ppp_test_util.hpp"

#include <gtest/gtest.h>

namespace vp::ppp {
namespace {

TEST(NoLegacyProvider, StatusNamesTheProvider) {
    auto status = legacy_crypto_status();
    ASSERT_FALSE(status);
    EXPECT_NE(status.message().find("legacy provider"), std::string::npos) << status.message();
    EXPECT_FALSE(nt_password_hash("clientPass"));
    EXPECT_TRUE(chap_md5_response(1, "secret", as_bytes("challenge"))); // MD5 is not legacy
}

TEST(NoLegacyProvider, MsChapV2SessionFailsCleanly) {
    test::Secrets secrets;
    secrets.passwords["User"] = "clientPass";
    test::Pool pool;
    pool.address = 0x0A000002;
    PppConfig s;
    s.auth_methods = {AuthMethod::MsChapV2};
    s.local_address = 0x0A000001;
    PppConfig c;
    c.role = Role::Client;
    c.auth_methods = {AuthMethod::MsChapV2};
    c.user = "User";
    c.password = "clientPass";
    PppSession server(s, &secrets, &pool), client(c, nullptr, nullptr);
    std::vector<Event> se, ce;
    test::pump(server, client, server.start(0), client.start(0), se, ce, 0);
    auto* failed = test::find_event<event::AuthFailed>(ce);
    ASSERT_TRUE(failed);
    EXPECT_NE(failed->reason.find("legacy provider"), std::string::npos) << failed->reason;
    EXPECT_FALSE(test::find_event<event::Authenticated>(se));
    EXPECT_TRUE(test::find_event<event::Terminated>(ce));
}

} // namespace
} // namespace vp::ppp
