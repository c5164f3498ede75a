// Unit tests for sasl/sasl_string: UTF-8 well-formedness (RFC 3629) and control characters.
#include "sasl/sasl_string.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::sasl {
namespace {

struct Case {
    const char* name;
    std::string input;
    bool want_ok;
};

TEST(SaslString, ChecksUtf8AndControls)
{
    const Case cases[] = {
        {"ascii", "user", true},
        {"empty", "", true},
        {"space and symbols", "pass word!=,", true},
        {"latin", "J\xc3\xbcrgen", true},
        {"cjk", "\xe7\x94\xa8\xe6\x88\xb7", true},
        {"emoji", "\xf0\x9f\x94\x91", true},
        {"nul", std::string("a\0b", 3), false},
        {"tab", "a\tb", false},
        {"del", "a\x7f", false},
        {"c1 control", "a\xc2\x85", false},
        {"lone continuation", "a\x80", false},
        {"overlong slash", "\xc0\xaf", false},
        {"overlong 3-byte", "\xe0\x80\xaf", false},
        {"surrogate", "\xed\xa0\x80", false},
        {"above max", "\xf4\x90\x80\x80", false},
        {"truncated", "\xe7\x94", false},
        {"bad lead", "\xff", false},
    };
    for (const auto& c : cases) {
        Result<void> result = check_sasl_string(c.input);
        EXPECT_EQ(static_cast<bool>(result), c.want_ok) << c.name;
        if (!result) {
            EXPECT_EQ(result.error().code, Errc::Invalid) << c.name;
        }
    }
}

}  // namespace
}  // namespace harbor::sasl
