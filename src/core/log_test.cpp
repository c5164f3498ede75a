#include "core/log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace harbor::log {
namespace {

TEST(Log, TextLineQuotesValuesThatWouldBreakTheLine)
{
    std::string line = format_line(Format::Text, Level::Info, "smtp.session.start",
                                   {{"cid", "abc123"}, {"peer", "a b\r\n\"x\""}, {"n", 3}});
    EXPECT_NE(line.find(" info smtp.session.start cid=abc123 peer=\"a b\\x0d\\x0a\\\"x\\\"\" n=3"),
              std::string::npos)
        << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Log, JsonLineIsOneValidObjectEvenWithBadUtf8)
{
    std::string line = format_line(Format::Json, Level::Warn, "imap.login.failed",
                                   {{"cid", "c1"}, {"user", std::string("bad\xff\xfe")}});
    auto parsed = nlohmann::json::parse(line);
    EXPECT_EQ(parsed["event"], "imap.login.failed");
    EXPECT_EQ(parsed["level"], "warn");
    EXPECT_EQ(parsed["cid"], "c1");
    EXPECT_TRUE(parsed.contains("ts"));
}

TEST(Log, ParsesLevelsAndFormats)
{
    Level level = Level::Info;
    EXPECT_TRUE(parse_level("debug", level));
    EXPECT_EQ(level, Level::Debug);
    EXPECT_FALSE(parse_level("loud", level));
    Format format = Format::Text;
    EXPECT_TRUE(parse_format("json", format));
    EXPECT_EQ(format, Format::Json);
    EXPECT_FALSE(parse_format("xml", format));
}

}  // namespace
}  // namespace harbor::log
