// THREAD (RFC 5256 §3): ORDEREDSUBJECT, REFERENCES and the thread-list writer of §4.
#include "imap/search/thread.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "imap/search/casemap.hpp"

namespace harbor::imap {
namespace {

ThreadMessage message(std::uint32_t number, std::int64_t date, std::string subject,
                      std::string id = {}, std::vector<std::string> references = {},
                      bool reply = false)
{
    ThreadMessage m;
    m.number = number;
    m.sequence = number;
    m.sent_date = date;
    m.base_subject = fold_unicode_casemap(subject, 1000).text;
    m.reply_or_forward = reply;
    m.message_id = std::move(id);
    m.references = std::move(references);
    return m;
}

std::string references(const std::vector<ThreadMessage>& messages)
{
    return format_thread_list(thread_references(messages));
}

TEST(ThreadFormat, Rfc5256Example)
{
    // RFC 5256 §4 example: "(2)(3 6 (4 23)(44 7 96))".
    ThreadTree tree;
    auto add = [&](std::uint32_t number) {
        tree.nodes.push_back({number, {}});
        return tree.nodes.size() - 1;
    };
    const std::size_t n2 = add(2), n3 = add(3), n6 = add(6), n4 = add(4), n23 = add(23);
    const std::size_t n44 = add(44), n7 = add(7), n96 = add(96);
    tree.nodes[n3].children = {n6};
    tree.nodes[n6].children = {n4, n44};
    tree.nodes[n4].children = {n23};
    tree.nodes[n44].children = {n7};
    tree.nodes[n7].children = {n96};
    tree.roots = {n2, n3};
    EXPECT_EQ(format_thread_list(tree), "(2)(3 6 (4 23)(44 7 96))");
    // A dummy root with several children is a thread-nested: "((1)(2))".
    ThreadTree nested;
    nested.nodes = {{ThreadTree::dummy, {1, 2}}, {1, {}}, {2, {}}};
    nested.roots = {0};
    EXPECT_EQ(format_thread_list(nested), "((1)(2))");
    EXPECT_EQ(format_thread_list(ThreadTree{}), "");
}

TEST(ThreadOrderedSubject, GroupsByBaseSubjectAndOrdersByDate)  // RFC 5256 §3
{
    const std::vector<ThreadMessage> messages = {
        message(1, 100, "hello"), message(2, 300, "HELLO"), message(3, 200, "other"),
        message(4, 400, "hello"), message(5, 50, "late")};
    EXPECT_EQ(format_thread_list(thread_ordered_subject(messages)), "(5)(1 (2)(4))(3)");
    const std::vector<ThreadMessage> pair = {message(1, 2, "x"), message(2, 1, "x")};
    EXPECT_EQ(format_thread_list(thread_ordered_subject(pair)), "(2 1)");
}

TEST(ThreadReferences, ChainsAndBranches)  // RFC 5256 §3 steps 1-2
{
    EXPECT_EQ(references({message(1, 1, "a", "a@x"), message(2, 2, "b", "b@x", {"a@x"}),
                          message(3, 3, "c", "c@x", {"a@x", "b@x"}),
                          message(4, 4, "d", "d@x", {"a@x"})}),
              "(1 (2 3)(4))");
    // Children arrive before their parents: the id table links them all the same.
    EXPECT_EQ(references({message(1, 3, "c", "c@x", {"a@x", "b@x"}),
                          message(2, 2, "b", "b@x", {"a@x"}), message(3, 1, "a", "a@x")}),
              "(3 2 1)");
}

TEST(ThreadReferences, DummiesArePrunedOrKeptAtTheRoot)  // RFC 5256 §3 step 4
{
    // Both reply to a message we do not have: a dummy root with two children.
    EXPECT_EQ(references({message(1, 1, "x", "1@x", {"gone@x"}),
                          message(2, 2, "y", "2@x", {"gone@x"})}),
              "((1)(2))");
    // One child: promoted to the root. A dummy in the middle: its child is promoted.
    EXPECT_EQ(references({message(1, 1, "x", "1@x", {"gone@x"})}), "(1)");
    EXPECT_EQ(references({message(1, 1, "x", "1@x"),
                          message(2, 2, "y", "2@x", {"1@x", "gone@x"})}),
              "(1 2)");
}

TEST(ThreadReferences, SameSubjectThreadsAreGathered)  // RFC 5256 §3 step 5
{
    // A reply without references joins the original (step 5.C, reply under original).
    EXPECT_EQ(references({message(1, 1, "lunch", "1@x"),
                          message(2, 2, "lunch", "2@x", {}, true), message(3, 3, "other")}),
              "(1 2)(3)");
    // Two originals with one subject: a new dummy holds both.
    EXPECT_EQ(references({message(1, 1, "lunch", "1@x"), message(2, 2, "lunch", "2@x")}),
              "((1)(2))");
    // The original comes later than the reply: the reply still goes under it.
    EXPECT_EQ(references({message(1, 1, "lunch", "1@x", {}, true),
                          message(2, 2, "lunch", "2@x")}),
              "(2 1)");
    // Empty subjects are never gathered.
    EXPECT_EQ(references({message(1, 1, ""), message(2, 2, "")}), "(1)(2)");
}

TEST(ThreadReferences, LoopsAndDuplicatesAreHarmless)  // RFC 5256 §3 step 1
{
    // a references b, b references a: the second link would close a loop and is skipped.
    EXPECT_EQ(references({message(1, 1, "p", "a@x", {"b@x"}),
                          message(2, 2, "q", "b@x", {"a@x"})}),
              "(2 1)");
    // A message referring to itself, and a References list that repeats an id.
    EXPECT_EQ(references({message(1, 1, "p", "a@x", {"a@x"}),
                          message(2, 2, "q", "b@x", {"a@x", "b@x", "a@x"})}),
              "(1 2)");
    // A duplicate Message-ID: the second message is threaded as if it had none.
    EXPECT_EQ(references({message(1, 1, "p", "a@x"), message(2, 2, "q", "a@x"),
                          message(3, 3, "r", "c@x", {"a@x"})}),
              "(1 3)(2)");
}

TEST(ThreadReferences, LongChainsUseNoStack)
{
    // 100000 messages each replying to the one before: one thread, written flat.
    std::vector<ThreadMessage> messages;
    for (std::uint32_t i = 1; i <= 100000; ++i) {
        std::vector<std::string> refs;
        if (i > 1) {
            refs.push_back(std::to_string(i - 1));
        }
        messages.push_back(message(i, i, "s", std::to_string(i), refs));
    }
    const std::string list = references(messages);
    EXPECT_EQ(list.substr(0, 8), "(1 2 3 4");
    EXPECT_EQ(list.substr(list.size() - 8), " 100000)");
    EXPECT_EQ(std::count(list.begin(), list.end(), '('), 1);
}

TEST(ThreadReferences, FromMessageHeaders)
{
    auto parent = std::make_unique<MessageContent>(
        "Message-ID: <p@x>\r\nSubject: Plan\r\nDate: Tue, 2 Jan 2024 10:00:00 +0000\r\n\r\n");
    auto reply = std::make_unique<MessageContent>(
        "Message-ID: <r@x>\r\nIn-Reply-To: <p@x> (earlier)\r\nSubject: Re: plan\r\n"
        "Date: Tue, 2 Jan 2024 11:00:00 +0000\r\n\r\n");
    MessageView first{1, 11, {}, 0, 0, 0, parent.get()};
    MessageView second{2, 12, {}, 0, 0, 0, reply.get()};
    const ThreadMessage a = thread_message_of(first, first.uid);
    const ThreadMessage b = thread_message_of(second, second.uid);
    EXPECT_EQ(a.message_id, "p@x");
    EXPECT_EQ(b.references, (std::vector<std::string>{"p@x"}));
    EXPECT_TRUE(b.reply_or_forward);
    EXPECT_EQ(a.base_subject, b.base_subject);
    const std::vector<ThreadMessage> both = {b, a};
    EXPECT_EQ(format_thread_list(thread_messages(ThreadAlgorithm::References, both)),
              "(11 12)");
    EXPECT_EQ(thread_algorithm("REFERENCES"), ThreadAlgorithm::References);
    EXPECT_EQ(thread_algorithm("ORDEREDSUBJECT"), ThreadAlgorithm::OrderedSubject);
    EXPECT_FALSE(thread_algorithm("X-OTHER"));
}

}  // namespace
}  // namespace harbor::imap
