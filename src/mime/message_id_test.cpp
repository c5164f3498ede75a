// Unit tests for mime/message_id: RFC 5322 §3.6.4 and Appendix A.2, A.3 examples, the §4.5.4
// obsolete forms (CFWS inside ids, phrases in In-Reply-To) and ids without brackets.
#include "mime/message_id.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::mime {
namespace {

struct MessageIdCase {
    const char* label;
    std::string input;
    std::vector<std::string> want;
    bool malformed = false;
};

std::vector<MessageIdCase> message_id_cases()
{
    return {
        {"A.2 message-id", "<1234@local.machine.example>", {"1234@local.machine.example"}},
        {"A.2 references",
         "<1234@local.machine.example> <3456@example.net>",
         {"1234@local.machine.example", "3456@example.net"}},
        {"A.2 folded",
         "<1234@local.machine.example>\r\n <3456@example.net>",
         {"1234@local.machine.example", "3456@example.net"}},
        {"A.3 date id", "<5678.21-Nov-1997@example.com>", {"5678.21-Nov-1997@example.com"}},
        {"4.5.4 CFWS inside",
         "<1234   @   local(blah)  .machine .example>",
         {"1234@local.machine.example"}},
        {"comments between", "(first) <a@b> (second) <c@d>", {"a@b", "c@d"}},
        {"obs-in-reply-to phrase", "Your message of \"Mon, 1 Jan\" <a@b>", {"a@b"}},
        {"commas", "<a@b>,<c@d>", {"a@b", "c@d"}},
        {"missing brackets",
         "   malformed@id.machine.example \t ",
         {"malformed@id.machine.example"},
         true},
        {"empty brackets", "<>", {}, true},
        {"unclosed", "<a@b", {"a@b"}, true},
        {"field ends", "<a@b>\n\n <c@d>", {"a@b"}},
        {"quoted left", "<\"a b\"@c>", {"\"a b\"@c"}},
    };
}

TEST(MessageId, Table)
{
    for (const MessageIdCase& c : message_id_cases()) {
        SCOPED_TRACE(c.label);
        MessageIds ids = parse_message_ids(c.input);
        EXPECT_EQ(ids.ids, c.want);
        if (c.malformed) {
            EXPECT_TRUE(ids.malformed);
        }
    }
}

TEST(MessageId, Limits)
{
    std::string many;
    for (int i = 0; i < 20; ++i) {
        many += "<a@b> ";
    }
    MessageIdLimits limits;
    limits.max_ids = 5;
    MessageIds ids = parse_message_ids(many, limits);
    EXPECT_EQ(ids.ids.size(), 5u);
    EXPECT_TRUE(ids.truncated);
}

TEST(MessageId, EveryPrefixIsSafe)
{
    for (const MessageIdCase& c : message_id_cases()) {
        for (std::size_t n = 0; n <= c.input.size(); ++n) {
            (void)parse_message_ids(std::string_view(c.input).substr(0, n));
        }
    }
}

}  // namespace
}  // namespace harbor::mime
