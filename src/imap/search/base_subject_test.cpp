// RFC 5256 §2.1 base subject extraction, steps (1)-(7), with the grammar of RFC 5256 §5.
#include "imap/search/base_subject.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::imap {
namespace {

struct Case {
    const char* name;
    const char* subject;
    const char* base;
    bool reply_or_forward;
};

const Case cases[] = {
    {"plain", "Hello world", "Hello world", false},
    {"step1 whitespace", "Hello\t \r\n  world  ", "Hello world", false},
    {"step1 encoded words", "=?UTF-8?Q?Re=3A_Caf=C3=A9?=", "Caf\xC3\xA9", true},
    {"step2 trailer", "Hello (fwd)", "Hello", true},
    {"step2 trailers repeat", "Hello (FWD) (fwd)  ", "Hello", true},
    {"step3 re", "Re: Hello", "Hello", true},
    {"step3 nested", "RE: re: Fwd: FW: Hello", "Hello", true},
    {"step3 refwd blob", "Re[2]: Hello", "Hello", true},
    {"step3 space before colon", "Re : Hello", "Hello", true},
    {"step3 blobs before refwd", "[list] [x] Re: Hello", "Hello", true},
    {"step3 not a refwd", "Reply: Hello", "Reply: Hello", false},
    {"step3 no colon", "Re Hello", "Re Hello", false},
    {"step4 blob", "[announce] Hello", "Hello", false},
    {"step4 blob then refwd", "[announce] Re: [other] Hello", "Hello", true},
    {"step4 blob alone stays", "[announce]", "[announce]", false},
    {"step4 last blob stays", "Re: [x] [y]", "[y]", true},
    {"step6 fwd wrapper", "[Fwd: Hello]", "Hello", true},
    {"step6 wrapper then repeat", "[fwd: Re: Hello (fwd)]", "Hello", true},
    {"step6 unclosed wrapper", "[Fwd: Hello", "[Fwd: Hello", false},
    {"empty", "", "", false},
    {"only re", "Re:", "", true},
    {"unbalanced bracket", "[oops Re: Hello", "[oops Re: Hello", false},
};

TEST(BaseSubject, Rfc5256Steps)
{
    for (const Case& c : cases) {
        const BaseSubject base = extract_base_subject(c.subject);
        EXPECT_EQ(base.text, c.base) << c.name;
        EXPECT_EQ(base.reply_or_forward, c.reply_or_forward) << c.name;
    }
}

TEST(BaseSubject, ManyLeadersTakeLinearTime)
{
    std::string subject;
    for (int i = 0; i < 7000; ++i) {  // 56 KiB: within decode_rfc2047's 64 KiB input
        subject += "Re: [l] ";
    }
    subject += "end";
    const BaseSubject base = extract_base_subject(subject);
    EXPECT_EQ(base.text, "end");
    EXPECT_TRUE(base.reply_or_forward);
}

}  // namespace
}  // namespace harbor::imap
