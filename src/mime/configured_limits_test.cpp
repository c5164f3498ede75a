// harbor.toml [mime] reaches the parser: a configured depth truncates a tree the default
// accepts, and keys left out keep the defaults.
#include "mime/configured_limits.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mime/message.hpp"

namespace harbor::mime {
namespace {

TEST(ConfiguredLimits, LeftOutKeysKeepTheDefaults)
{
    const ParserLimits limits = limits_from(MimeLimitsConfig{});
    EXPECT_EQ(limits.message.max_depth, default_max_depth);
    EXPECT_EQ(limits.message.max_parts, default_max_parts);
    EXPECT_EQ(limits.body.max_input, default_max_mime_body);
}

TEST(ConfiguredLimits, ConfiguredDepthTruncatesTheTree)
{
    auto config = parse_config("data_dir = \"/x\"\n[mime]\nmax_depth = 1\nmax_decoded_part = 3\n",
                               "harbor.toml");
    ASSERT_TRUE(config) << config.error().to_string();
    const ParserLimits limits = limits_from(config->mime);
    const std::string raw =
        "Content-Type: message/rfc822\r\n\r\n"
        "Content-Type: message/rfc822\r\n\r\n"
        "Subject: deep\r\n\r\nbody\r\n";
    EXPECT_EQ(parse_message(raw).truncated, Limit::None);
    const Message limited = parse_message(raw, limits.message);
    EXPECT_EQ(limited.truncated, Limit::Depth);
    const DecodedBody body = decode_body("\r\nabcdef", parse_message("\r\nabcdef").root,
                                         limits.body);
    EXPECT_EQ(body.bytes, "abc");
    EXPECT_TRUE(body.truncated);
}

}  // namespace
}  // namespace harbor::mime
