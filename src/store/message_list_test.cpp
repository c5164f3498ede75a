// MessageList: reads like a vector, copies share chunks, and a change copies only its chunk.
#include "store/message_list.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace harbor::store {
namespace {

MessageRecord record(std::uint32_t uid)
{
    MessageRecord message;
    message.uid = uid;
    message.modseq = uid;
    return message;
}

std::vector<MessageRecord> records(std::uint32_t count)
{
    std::vector<MessageRecord> all;
    for (std::uint32_t uid = 1; uid <= count; ++uid) {
        all.push_back(record(uid * 2));
    }
    return all;
}

TEST(MessageList, ReadsLikeAVectorAcrossChunks)
{
    const std::uint32_t count = 3 * MessageList::chunk_records + 7;
    const MessageList list(records(count));
    ASSERT_EQ(list.size(), count);
    EXPECT_EQ(list.end() - list.begin(), static_cast<std::ptrdiff_t>(count));
    for (std::uint32_t i = 0; i < count; ++i) {
        ASSERT_EQ(list[i].uid, (i + 1) * 2);
    }
    EXPECT_EQ(list.back().uid, count * 2);
    const auto found = std::lower_bound(
        list.begin(), list.end(), 1031u,
        [](const MessageRecord& message, std::uint32_t uid) { return message.uid < uid; });
    EXPECT_EQ(found->uid, 1032u);
    EXPECT_EQ(found - list.begin(), 515);
    std::uint32_t seen = 0;
    for (const MessageRecord& message : list) {
        ASSERT_EQ(message.uid, ++seen * 2);
    }
    EXPECT_EQ(seen, count);
    EXPECT_TRUE(MessageList().empty());
}

TEST(MessageList, AChangeCopiesOnlyItsChunkAndOnlyOnce)
{
    const MessageList original(records(4 * MessageList::chunk_records));
    MessageList copy = original;
    const std::size_t changed = MessageList::chunk_records + 3;
    copy.modify(changed).modseq = 99'999;
    EXPECT_EQ(original[changed].modseq, original[changed].uid);
    EXPECT_EQ(copy[changed].modseq, 99'999u);
    for (std::size_t i = 0; i < original.size(); ++i) {
        const bool same_chunk = i / MessageList::chunk_records == 1;
        ASSERT_EQ(&copy[i] == &original[i], !same_chunk) << i;
    }
    const MessageRecord* owned = &copy[changed];
    copy.modify(changed + 1).modseq = 7;
    EXPECT_EQ(&copy[changed], owned);  // the chunk is the copy's own now
}

TEST(MessageList, GrowthIsTheListsOwn)
{
    const MessageList original(records(MessageList::chunk_records - 1));
    MessageList copy = original;
    copy.push_back(record(5'000));
    copy.push_back(record(5'002));
    EXPECT_EQ(original.size(), MessageList::chunk_records - 1);
    EXPECT_EQ(copy.size(), MessageList::chunk_records + 1);
    EXPECT_EQ(copy[MessageList::chunk_records - 1].uid, 5'000u);
    EXPECT_EQ(copy.back().uid, 5'002u);
    EXPECT_EQ(original.back().uid, (MessageList::chunk_records - 1) * 2);
}

TEST(MessageList, ErasureKeepsUntouchedChunksShared)
{
    const MessageList original(records(3 * MessageList::chunk_records));
    MessageList copy = original;
    // Every record of the first chunk and one of the last go.
    copy.erase_if([](const MessageRecord& message) {
        return message.uid <= 2 * MessageList::chunk_records || message.uid == 3'000;
    });
    ASSERT_EQ(copy.size(), 2 * MessageList::chunk_records - 1);
    EXPECT_EQ(original.size(), 3 * MessageList::chunk_records);
    for (std::size_t i = 0; i < MessageList::chunk_records; ++i) {
        ASSERT_EQ(&copy[i], &original[i + MessageList::chunk_records]);
    }
    EXPECT_EQ(copy[MessageList::chunk_records].uid, 2 * (2 * MessageList::chunk_records + 1));
    EXPECT_EQ(std::count_if(copy.begin(), copy.end(),
                            [](const MessageRecord& message) { return message.uid == 3'000; }),
              0);
}

// A random run of changes, growth and erasure against a plain vector; copies taken on the way
// must keep what they held.
TEST(MessageList, AgreesWithAVectorThroughRandomChanges)
{
    std::mt19937 random(20261130);
    std::vector<MessageRecord> expected = records(1'500);
    MessageList list(expected);
    std::uint32_t next_uid = 10'000;
    std::vector<std::pair<MessageList, std::vector<MessageRecord>>> copies;
    for (int step = 0; step < 2'000; ++step) {
        const auto action = random() % 10;
        if (action < 5 && !expected.empty()) {
            const std::size_t i = random() % expected.size();
            expected[i].modseq = step;
            list.modify(i).modseq = step;
        } else if (action < 8) {
            expected.push_back(record(next_uid));
            list.push_back(record(next_uid++));
        } else if (action == 8) {
            const std::uint32_t modulus = 3 + random() % 40;
            const auto gone = [modulus](const MessageRecord& message) {
                return message.uid % modulus == 0;
            };
            std::erase_if(expected, gone);
            list.erase_if(gone);
        } else {
            copies.emplace_back(list, expected);
        }
        ASSERT_EQ(list.size(), expected.size());
    }
    copies.emplace_back(list, expected);
    for (const auto& [copy, held] : copies) {
        ASSERT_EQ(copy.size(), held.size());
        for (std::size_t i = 0; i < held.size(); ++i) {
            ASSERT_EQ(copy[i].uid, held[i].uid);
            ASSERT_EQ(copy[i].modseq, held[i].modseq);
        }
    }
}

}  // namespace
}  // namespace harbor::store
