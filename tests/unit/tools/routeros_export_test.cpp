// The RouterOS export parser: menus, commands, quoting, continuations, selectors, errors.
#include "tools/vpnctl/routeros_export.hpp"

#include <gtest/gtest.h>

namespace vp::tools::routeros {
namespace {

TEST(RouterosExport, MenuLinesAndInlineMenus) {
    auto e = parse_export("/ip pool\n"
                          "add name=a ranges=10.0.0.1-10.0.0.9\n"
                          "/ppp secret add name=u password=p\n"
                          "add name=b ranges=10.1.0.0/24\n");
    ASSERT_TRUE(e.errors.empty());
    ASSERT_EQ(e.commands.size(), 3u);
    EXPECT_EQ(e.commands[0].menu, "/ip pool");
    EXPECT_EQ(e.commands[0].verb, "add");
    EXPECT_EQ(e.commands[0].line, 2u);
    EXPECT_EQ(*e.commands[0].prop("ranges"), "10.0.0.1-10.0.0.9");
    EXPECT_EQ(e.commands[1].menu, "/ppp secret");
    // A command with its own path does not change the current menu.
    EXPECT_EQ(e.commands[2].menu, "/ip pool");
    EXPECT_EQ(*e.commands[2].prop("name"), "b");
}

TEST(RouterosExport, V7SlashPathsAndConsoleRelativePaths) {
    auto e = parse_export("/ip/pool/add name=a ranges=10.0.0.1\n"
                          "/interface/ovpn-server/server\n"
                          "set enabled=yes\n"
                          "/\n"
                          "ppp secret add name=u password=p\n");
    ASSERT_TRUE(e.errors.empty()) << e.errors[0].message;
    ASSERT_EQ(e.commands.size(), 3u);
    EXPECT_EQ(e.commands[0].menu, "/ip pool");
    EXPECT_EQ(e.commands[0].verb, "add");
    EXPECT_EQ(e.commands[1].menu, "/interface ovpn-server server");
    EXPECT_EQ(e.commands[2].menu, "/ppp secret");
}

TEST(RouterosExport, QuotedValuesAndEscapes) {
    auto e = parse_export(
        "/ppp secret add name=\"a b\" password=\"q\\\"x\\\\y\\_z\\41\" comment=\"\" routes=r\n");
    ASSERT_TRUE(e.errors.empty());
    auto& c = e.commands.at(0);
    EXPECT_EQ(*c.prop("name"), "a b");
    EXPECT_EQ(*c.prop("password"), "q\"x\\y zA");
    EXPECT_EQ(*c.prop("comment"), "");
    EXPECT_EQ(*c.prop("routes"), "r");
}

TEST(RouterosExport, ContinuationsOutsideAndInsideQuotes) {
    auto e = parse_export("/ppp profile add name=p \\\n"
                          "    local-address=10.0.0.1 comment=\"long \\\n"
                          "    text\" \\\r\n"
                          "    remote-address=pool\n"
                          "/ip pool add name=x ranges=10.9.0.1\n");
    ASSERT_TRUE(e.errors.empty()) << e.errors[0].message;
    ASSERT_EQ(e.commands.size(), 2u);
    auto& c = e.commands[0];
    EXPECT_EQ(c.line, 1u);
    EXPECT_EQ(*c.prop("local-address"), "10.0.0.1");
    EXPECT_EQ(*c.prop("comment"), "long text");
    EXPECT_EQ(*c.prop("remote-address"), "pool");
    EXPECT_EQ(e.commands[1].line, 5u);
}

TEST(RouterosExport, FindSelectorsAndPositionalWords) {
    auto e = parse_export("/ppp profile\n"
                          "set [ find default=yes ] only-one=yes\n"
                          "set [find name=\"vpn profile\"] dns-server=1.1.1.1\n"
                          "set [ find where name=x ] comment=c\n"
                          "/interface ethernet set ether2 arp=proxy-arp\n"
                          "/interface ovpn-client set [ find ] keepalive-timeout=30\n");
    ASSERT_TRUE(e.errors.empty());
    ASSERT_EQ(e.commands.size(), 5u);
    EXPECT_TRUE(e.commands[0].has_find);
    EXPECT_EQ(e.commands[0].find, (std::vector<Property>{{"default", "yes"}}));
    EXPECT_EQ(e.commands[1].find, (std::vector<Property>{{"name", "vpn profile"}}));
    EXPECT_EQ(e.commands[2].find, (std::vector<Property>{{"name", "x"}}));
    EXPECT_EQ(e.commands[3].words, std::vector<std::string>{"ether2"});
    EXPECT_TRUE(e.commands[4].has_find);
    EXPECT_TRUE(e.commands[4].find.empty());
}

TEST(RouterosExport, CommentsAndHeadersAreSkipped) {
    auto e = parse_export("# jan/02/1970 00:00:00 by RouterOS 6.49.7\n"
                          "# software id = ABCD\n"
                          "\n"
                          "   # indented comment \\\n"
                          "/ip pool add name=a ranges=10.0.0.1\n");
    ASSERT_TRUE(e.errors.empty());
    ASSERT_EQ(e.commands.size(), 1u);
    EXPECT_EQ(e.commands[0].line, 5u);
}

TEST(RouterosExport, MalformedLinesAreErrorsWithLineNumbers) {
    auto e = parse_export("/ip pool add name=a ranges=10.0.0.1\n"         // 1 ok
                          "/ip pool add name=\"open\n"                    // 2 unterminated
                          "/ip pool name=x\n"                             // 3 no verb
                          "/ppp profile set [ find name=a only-one=yes\n" // 4 missing ]
                          "/ppp profile set [ find [ find ] ] a=b\n"      // 5 nested
                          "/ppp secret add password=\"\\q\"\n"            // 6 unknown escape
                          "/ppp secret add =x\n"                          // 7 empty key
                          "/ip pool add name=b ranges=10.0.0.2 ]\n"       // 8 stray ]
                          "/ppp profile set [ print ] a=b\n"              // 9 not find
                          "/ip pool add name=c ranges=10.0.0.3\n");       // 10 ok
    ASSERT_EQ(e.commands.size(), 2u);
    EXPECT_EQ(e.commands[1].line, 10u);
    std::vector<size_t> lines;
    for (auto& err : e.errors)
        lines.push_back(err.line);
    EXPECT_EQ(lines, (std::vector<size_t>{2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(e.errors[0].message, "unterminated quoted value");
    EXPECT_EQ(e.errors[3].message, "nested [ ] is not supported");
}

TEST(RouterosExport, TrailingContinuationAtEndOfFile) {
    auto e = parse_export("/ip pool add name=a \\");
    ASSERT_TRUE(e.errors.empty());
    ASSERT_EQ(e.commands.size(), 1u);
    EXPECT_EQ(*e.commands[0].prop("name"), "a");
}

TEST(RouterosExport, ScriptCommandsAreKeptForReporting) {
    auto e = parse_export(":global x 1\n/system script add name=s source=\"\"\n");
    ASSERT_TRUE(e.errors.empty());
    ASSERT_EQ(e.commands.size(), 2u);
    EXPECT_EQ(e.commands[0].verb, ":global");
    EXPECT_EQ(e.commands[1].menu, "/system script");
}

} // namespace
} // namespace vp::tools::routeros
