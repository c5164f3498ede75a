#include "core/file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace harbor {
namespace {

std::string read_all(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

class FileTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/harbor-file-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

TEST_F(FileTest, ReplacesContentWithExactModeAndNoTempLeft)
{
    auto file = dir_ / "secret.json";
    ASSERT_TRUE(write_file_atomically(file, "first", 0644));
    ASSERT_TRUE(write_file_atomically(file, std::string("second\0bytes", 12), 0600));
    EXPECT_EQ(read_all(file), std::string("second\0bytes", 12));
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "secret.json.tmp"));
}

TEST_F(FileTest, FailureNamesTheFileAndKeepsTheOldContent)
{
    auto file = dir_ / "kept";
    ASSERT_TRUE(write_file_atomically(file, "old", 0600));
    // A directory where the file should go makes rename fail.
    auto blocked = dir_ / "blocked";
    std::filesystem::create_directories(blocked / "inner");
    auto failed = write_file_atomically(blocked, "new", 0600);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, Errc::Io);
    EXPECT_NE(failed.error().detail.find("blocked"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "blocked.tmp"));
    auto missing = write_file_atomically(dir_ / "no" / "such" / "dir", "x", 0600);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().detail.find("cannot create"), std::string::npos);
    EXPECT_EQ(read_all(file), "old");
}

}  // namespace
}  // namespace harbor
