// SORT criteria of RFC 5256 §3 and RFC 5957 §3 over small inline messages.
#include "imap/search/sort.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace harbor::imap {
namespace {

struct Mail {
    std::int64_t internal_date;
    std::uint64_t size;
    std::string header;
};

class Sort : public ::testing::Test {
protected:
    void load(const std::vector<Mail>& mails)
    {
        for (const Mail& mail : mails) {
            contents_.push_back(std::make_unique<MessageContent>(mail.header + "\r\nbody\r\n"));
            MessageView view;
            view.sequence = static_cast<std::uint32_t>(views_.size() + 1);
            view.uid = view.sequence * 10;
            view.internal_date = mail.internal_date;
            view.size = mail.size;
            view.content = contents_.back().get();
            views_.push_back(view);
        }
    }

    // The sequence numbers in SORT order.
    std::vector<std::uint32_t> sort(std::vector<SortCriterion> criteria)
    {
        std::vector<std::uint32_t> out;
        for (std::size_t index : sort_messages(views_, criteria)) {
            out.push_back(views_[index].sequence);
        }
        return out;
    }

    using Numbers = std::vector<std::uint32_t>;
    std::vector<std::unique_ptr<MessageContent>> contents_;
    std::vector<MessageView> views_;
};

TEST_F(Sort, ArrivalAndSizeNeedNoContent)
{
    EXPECT_EQ(sort_content_need(std::vector<SortCriterion>{{SortKey::Arrival, false},
                                                           {SortKey::Size, true}}),
              ContentNeed::None);
    EXPECT_EQ(sort_content_need(std::vector<SortCriterion>{{SortKey::Size, false},
                                                           {SortKey::Subject, false}}),
              ContentNeed::Header);
    load({{300, 10, "Subject: a\r\n"}, {100, 30, "Subject: b\r\n"}, {200, 20, "Subject: c\r\n"}});
    EXPECT_EQ(sort({{SortKey::Arrival, false}}), (Numbers{2, 3, 1}));
    EXPECT_EQ(sort({{SortKey::Size, false}}), (Numbers{1, 3, 2}));
    EXPECT_EQ(sort({{SortKey::Size, true}}), (Numbers{2, 3, 1}));
}

TEST_F(Sort, SubjectUsesTheBaseSubjectCaseInsensitively)  // RFC 5256 §3 SUBJECT, §2.1
{
    load({{1, 1, "Subject: Re: beta\r\n"},
          {2, 1, "Subject: [list] ALPHA\r\n"},
          {3, 1, "Subject: Fwd: Beta (fwd)\r\n"},
          {4, 1, "\r\n"}});
    // No subject sorts as the empty string; equal base subjects stay in mailbox order.
    EXPECT_EQ(sort({{SortKey::Subject, false}}), (Numbers{4, 2, 1, 3}));
    EXPECT_EQ(sort({{SortKey::Subject, true}}), (Numbers{1, 3, 2, 4}));
}

TEST_F(Sort, DateIsTheSentDateInUtcElseInternalDate)  // RFC 5256 §2.2
{
    load({{5000, 1, "Date: Mon, 1 Jan 2024 10:00:00 +0200\r\n"},  // 08:00Z
          {1, 1, "Date: Mon, 1 Jan 2024 09:00:00 +0000\r\n"},     // 09:00Z
          {1704099600, 1, "Date: not a date\r\n"},                 // 09:00Z via internal
          {1704096000, 1, "X: no date\r\n"}});                     // 08:00Z via internal
    EXPECT_EQ(sort({{SortKey::Date, false}}), (Numbers{1, 4, 2, 3}));
    EXPECT_EQ(sort({{SortKey::Date, true}}), (Numbers{2, 3, 1, 4}));  // ties: mailbox order
}

TEST_F(Sort, AddressKeysUseTheFirstMailbox)  // RFC 5256 §3 FROM, TO, CC
{
    load({{1, 1, "From: Zed <bob@z.example>\r\nTo: x@a, y@b\r\nCc: c@c\r\n"},
          {2, 1, "From: \"Anna\" <ALICE@b.example>\r\nTo: w@a\r\n"},
          {3, 1, "From: carl@a.example\r\nTo: group: z@z;\r\nCc: a@c\r\n"}});
    EXPECT_EQ(sort({{SortKey::From, false}}), (Numbers{2, 1, 3}));  // alice, bob, carl
    EXPECT_EQ(sort({{SortKey::To, false}}), (Numbers{2, 1, 3}));    // w, x, z
    EXPECT_EQ(sort({{SortKey::Cc, false}}), (Numbers{2, 3, 1}));    // "", a, c
    // RFC 5957 §3: the display name, else the address.
    EXPECT_EQ(sort({{SortKey::DisplayFrom, false}}), (Numbers{2, 3, 1}));  // Anna, carl@, Zed
}

TEST_F(Sort, SeveralCriteria)  // RFC 5256 §3: later criteria break earlier ties
{
    load({{3, 10, "Subject: b\r\n"}, {1, 20, "Subject: a\r\n"}, {2, 10, "Subject: a\r\n"}});
    EXPECT_EQ(sort({{SortKey::Size, false}, {SortKey::Subject, false}}), (Numbers{3, 1, 2}));
    EXPECT_EQ(sort({{SortKey::Subject, true}, {SortKey::Arrival, false}}), (Numbers{1, 2, 3}));
}

}  // namespace
}  // namespace harbor::imap
