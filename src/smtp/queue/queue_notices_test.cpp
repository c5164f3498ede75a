// The notices an attempt owes, from the queued entry: NOTIFY and ORCPT per recipient, ENVID and
// RET of the message (RFC 3461 §4), the null sender (RFC 5321 §4.5.5), and the store's 64 KiB
// limit on a notice kept by splitting and by returning only the header of a large original.
#include "smtp/queue/queue_notices.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::smtp::queue {
namespace {

using Kind = report::RecipientOutcome::Kind;

store::QueuedMessage entry_with(std::vector<std::string> recipient_params,
                                std::string params = "{}")
{
    store::QueuedMessage entry;
    entry.id = 7;
    entry.envelope_from = "sender@example.org";
    entry.params = std::move(params);
    entry.created = 1796038000;
    for (std::size_t i = 0; i < recipient_params.size(); ++i) {
        entry.recipients.push_back(store::QueuedRecipient{"r" + std::to_string(i) + "@example.net",
                                                          std::move(recipient_params[i])});
    }
    return entry;
}

RecipientFate fate(std::size_t recipient, Kind kind)
{
    return RecipientFate{recipient, kind, kind == Kind::Failed ? "5.1.1" : "4.2.0",
                         kind == Kind::Failed ? "550 5.1.1 no such user" : "451 4.2.0 later",
                         "mx.example.net"};
}

const NoticeContext context{"mx.example.com", 1796038100, 1796470000};
const std::string original =
    "From: sender@example.org\r\nTo: r0@example.net\r\nSubject: hi\r\n\r\nthe body\r\n";

TEST(QueueNotices, NotifyOfEachRecipientDecides)
{
    const store::QueuedMessage entry = entry_with(
        {"{}", R"({"notify":"NEVER"})",
         R"({"notify":"SUCCESS","orcpt":"rfc822;first@example.net"})", R"({"notify":"DELAY"})"});
    const RecipientFate fates[] = {fate(0, Kind::Failed), fate(1, Kind::Failed),
                                   fate(2, Kind::Relayed), fate(3, Kind::Delayed)};
    const std::vector<std::string> notices = queue_notices(entry, fates, original, context);
    ASSERT_EQ(notices.size(), 1u);
    const std::string& text = notices[0];
    EXPECT_NE(text.find("Final-Recipient: rfc822; r0@example.net"), std::string::npos);
    EXPECT_EQ(text.find("r1@example.net"), std::string::npos);  // NEVER
    EXPECT_NE(text.find("Original-Recipient: rfc822;first@example.net"), std::string::npos);
    EXPECT_NE(text.find("Action: relayed"), std::string::npos);
    EXPECT_NE(text.find("Final-Recipient: rfc822; r3@example.net"), std::string::npos);
    EXPECT_NE(text.find("Action: delayed"), std::string::npos);
    EXPECT_NE(text.find("Remote-MTA: dns; mx.example.net"), std::string::npos);
    EXPECT_NE(text.find("Diagnostic-Code: smtp; 550 5.1.1 no such user"), std::string::npos);
    EXPECT_NE(text.find("Will-Retry-Until: "), std::string::npos);
}

TEST(QueueNotices, EnvidAndRetOfTheMessage)
{
    const store::QueuedMessage entry = entry_with({"{}"}, R"({"envid":"QQ314159","ret":"HDRS"})");
    const RecipientFate fates[] = {fate(0, Kind::Failed)};
    const std::vector<std::string> notices = queue_notices(entry, fates, original, context);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_NE(notices[0].find("Original-Envelope-Id: QQ314159"), std::string::npos);
    EXPECT_NE(notices[0].find("text/rfc822-headers"), std::string::npos);  // RET=HDRS
    EXPECT_EQ(notices[0].find("the body"), std::string::npos);
}

TEST(QueueNotices, NullSenderGetsNone)
{
    store::QueuedMessage entry = entry_with({"{}"});
    entry.envelope_from.clear();
    const RecipientFate fates[] = {fate(0, Kind::Failed)};
    EXPECT_TRUE(queue_notices(entry, fates, original, context).empty());
}

TEST(QueueNotices, LargeOnesStayUnderTheStoresLimit)
{
    // 45 failed recipients with long replies and a 200 KiB original: three notices, each
    // under 64 KiB, the original reduced to its header.
    std::vector<std::string> params(45, "{}");
    const store::QueuedMessage entry = entry_with(params);
    std::vector<RecipientFate> fates;
    for (std::size_t i = 0; i < params.size(); ++i) {
        RecipientFate f = fate(i, Kind::Failed);
        f.diagnostic = "550 5.1.1 " + std::string(5000, 'x');
        fates.push_back(std::move(f));
    }
    const std::string large = original + std::string(200 * 1024, 'b');
    const std::vector<std::string> notices = queue_notices(entry, fates, large, context);
    ASSERT_EQ(notices.size(), 3u);
    std::size_t recipients = 0;
    for (const std::string& notice : notices) {
        EXPECT_LE(notice.size(), 64u * 1024);
        EXPECT_NE(notice.find("text/rfc822-headers"), std::string::npos);
        for (std::size_t at = notice.find("Final-Recipient:"); at != std::string::npos;
             at = notice.find("Final-Recipient:", at + 1)) {
            ++recipients;
        }
    }
    EXPECT_EQ(recipients, 45u);
}

}  // namespace
}  // namespace harbor::smtp::queue
