#include "control/config/reader.hpp"

#include <gtest/gtest.h>

namespace vp::config {
namespace {

struct Parsed {
    Diagnostics diag;
    std::optional<ParsedFile> file;
    Section root() { return Section(file->config->getRoot(), diag); }
};

std::unique_ptr<Parsed> parse(const std::string& text) {
    auto p = std::make_unique<Parsed>();
    p->file = read_string(text, p->diag);
    return p;
}

TEST(ConfigReader, ReadsTypedValuesWithDefaults) {
    auto p = parse("a = \"x\"; n = 5; b = \"yes\"; t = \"1h30m\"; l = \"aes128-cbc, aes256-gcm\";");
    ASSERT_TRUE(p->file);
    auto root = p->root();
    EXPECT_EQ(root.get_string("a", "d"), "x");
    EXPECT_EQ(root.get_string("missing", "d"), "d");
    EXPECT_EQ(root.get_int("n", 0, 0, 10), 5);
    EXPECT_TRUE(root.get_bool("b", false));
    EXPECT_EQ(root.get_seconds("t", 0, 0, 100000), 5400);
    EXPECT_EQ(root.get_seconds("n", 0, 0, 100000), 5) << "a plain integer is seconds";

    EXPECT_EQ(root.get_string_list("l"), (std::vector<std::string>{"aes128-cbc", "aes256-gcm"}));
    root.finish();
    EXPECT_TRUE(p->diag.ok()) << p->diag.text();
}

TEST(ConfigReader, ReportsFileLineSettingAndWhatIsWrong) {
    auto p = parse("g = {\n  port = 70000;\n  typo = 1;\n};\n");
    ASSERT_TRUE(p->file);
    auto root = p->root();
    auto g = root.group("g");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->get_int("port", 1194, 1, 65535), 1194);
    g->finish();
    root.finish();
    ASSERT_EQ(p->diag.errors().size(), 2u) << p->diag.text();
    EXPECT_EQ(p->diag.errors()[0], "<config>:2: g.port: 70000 is out of range [1, 65535]");
    EXPECT_EQ(p->diag.errors()[1], "<config>:3: g.typo: unknown setting");
}

TEST(ConfigReader, SyntaxErrorsNameTheLine) {
    Diagnostics d;
    auto f = read_string("a = 1;\nb = ;\n", d);
    EXPECT_FALSE(f);
    ASSERT_EQ(d.errors().size(), 1u);
    EXPECT_EQ(d.errors()[0].rfind("<config>:2: syntax error", 0), 0u) << d.errors()[0];
}

TEST(ConfigReader, EnumsListTheChoices) {
    auto p = parse("mode = \"tap\";");
    enum class Mode { Ip, Ethernet };
    auto root = p->root();
    EXPECT_EQ(root.get_enum("mode", Mode::Ip, {{"ip", Mode::Ip}, {"ethernet", Mode::Ethernet}}),
              Mode::Ip);
    ASSERT_EQ(p->diag.errors().size(), 1u);
    EXPECT_NE(p->diag.errors()[0].find("'tap' is not one of: ip, ethernet"), std::string::npos);
}

} // namespace
} // namespace vp::config
