#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <set>

namespace harbor {
namespace {

TEST(Ids, IdsAreShortLowerBase32AndDistinct)
{
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string id = new_id();
        ASSERT_EQ(id.size(), 12u);
        for (char c : id) {
            EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')) << id;
        }
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(Ids, TokensHaveNoLookAlikes)
{
    std::string token = random_token(4000);
    ASSERT_EQ(token.size(), 4000u);
    for (char look_alike : std::string("0O1lI")) {
        EXPECT_EQ(token.find(look_alike), std::string::npos) << look_alike;
    }
    EXPECT_NE(random_token(20), random_token(20));
}

// Ids come from a per-thread pool of random octets: a fork's child must not hand out the ids
// its parent is about to.
TEST(Ids, AForkedChildDoesNotRepeatItsParentsIds)
{
    (void)new_id();  // the pool is filled before the fork
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        std::string ids;
        for (int i = 0; i < 10; ++i) {
            ids += new_id();
        }
        const bool written =
            ::write(pipe_fds[1], ids.data(), ids.size()) == static_cast<ssize_t>(ids.size());
        ::_exit(written ? 0 : 1);
    }
    ::close(pipe_fds[1]);
    std::string parent_ids;
    for (int i = 0; i < 10; ++i) {
        parent_ids += new_id();
    }
    std::string child_ids(120, '\0');
    std::size_t got = 0;
    while (got < child_ids.size()) {
        const ssize_t n = ::read(pipe_fds[0], child_ids.data() + got, child_ids.size() - got);
        if (n <= 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    ::close(pipe_fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ(got, child_ids.size());
    for (std::size_t i = 0; i < child_ids.size(); i += 12) {
        EXPECT_EQ(parent_ids.find(child_ids.substr(i, 12)), std::string::npos) << i;
    }
}

}  // namespace
}  // namespace harbor
