// BlobStore: hashing, the durable writes (content-addressed and placed), reads, name checks and
// the orphan sweep.
#include "store/blob_store.hpp"

#include <gtest/gtest.h>

#include <vector>

#include <fstream>
#include <set>
#include <utility>

#include <unistd.h>

#include "store/test_support.hpp"

namespace harbor::store {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

TEST(Sha256Hex, KnownVectors)
{
    struct Case {
        std::string_view input;
        std::string_view want;
    };
    const Case cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    };
    for (const Case& c : cases) {
        Result<std::string> got = sha256_hex(c.input);
        ASSERT_TRUE(got);
        EXPECT_EQ(*got, c.want) << c.input;
    }
}

TEST(BlobName, AcceptsOnlyLowerCaseHexOfSha256Length)
{
    struct Case {
        std::string name;
        bool want;
    };
    const std::string good(64, 'a');
    // Built with append: GCC 12 warns falsely (-Warray-bounds) on operator+ in the initialiser.
    std::string traversal = "../";
    traversal.append(61, 'a');
    std::string trailing_slash(63, 'a');
    trailing_slash.push_back('/');
    const std::vector<Case> cases = {
        {good, true},
        {std::string(63, 'a'), false},
        {std::string(65, 'a'), false},
        {std::string(64, 'A'), false},
        {traversal, false},
        {trailing_slash, false},
        {"", false},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(is_blob_name(c.name), c.want) << c.name;
        EXPECT_EQ(is_file_blob_name(c.name), c.want) << c.name;
    }
}

TEST(BlobName, SerialNamesAreSAndSixteenHexDigitsInNumericOrder)
{
    EXPECT_EQ(serial_blob_name(0), "s0000000000000000");
    EXPECT_EQ(serial_blob_name(0x1234abcd), "s000000001234abcd");
    EXPECT_EQ(serial_blob_name(~std::uint64_t{0}), "sffffffffffffffff");
    // Text order is numeric order, and after every file (hash) name.
    EXPECT_LT(serial_blob_name(9), serial_blob_name(10));
    EXPECT_LT(serial_blob_name(0xffff), serial_blob_name(0x10000));
    EXPECT_LT(std::string(64, 'f'), serial_blob_name(0));
    for (const std::string& name : {serial_blob_name(0), serial_blob_name(1ULL << 60)}) {
        EXPECT_TRUE(is_serial_blob_name(name)) << name;
        EXPECT_TRUE(is_blob_name(name)) << name;
        EXPECT_FALSE(is_file_blob_name(name)) << name;
    }
    for (const char* bad : {"s", "s000000000000000", "s00000000000000000", "S0000000000000000",
                            "s000000000000000A", "s00000000000000/0", "t0000000000000000"}) {
        EXPECT_FALSE(is_serial_blob_name(bad)) << bad;
        EXPECT_FALSE(is_blob_name(bad)) << bad;
    }
}

TEST(BlobStore, RefusesSerialNamesForFiles)
{
    TempDir dir;
    BlobStore blobs(dir.path() / "blobs");
    ASSERT_TRUE(blobs.create_root());
    EXPECT_FALSE(blobs.write(serial_blob_name(7), "inline bytes never become a file"));
    EXPECT_FALSE(blobs.exists(serial_blob_name(7)));
}

TEST(BlobStore, PlacedFilesAreCreatedWhereTheyStay)
{
    TempDir dir;
    BlobStore blobs(dir.path() / "blobs");
    ASSERT_TRUE(blobs.create_root());
    EXPECT_FALSE(blobs.create_placed());  // no block reserved yet
    blobs.set_placed_block(0xabc);
    std::vector<PlacedFile> files;
    for (int i = 0; i < 4097; ++i) {
        Result<PlacedFile> file = blobs.create_placed();
        ASSERT_TRUE(file) << file.error().to_string();
        if (i != 1) {
            ::close(std::exchange(file->fd, -1));
        }
        files.push_back(*file);
    }
    EXPECT_EQ(files[0].name, "p00000abc00000000");
    EXPECT_TRUE(is_placed_blob_name(files[0].name));
    EXPECT_FALSE(is_file_blob_name(files[0].name));
    EXPECT_FALSE(is_serial_blob_name(files[0].name));
    EXPECT_EQ(files[0].path, dir.path() / "blobs" / "p00000abc00000" / files[0].name);
    // 4,096 names to a directory, in order.
    EXPECT_EQ(files[4095].path.parent_path(), files[0].path.parent_path());
    EXPECT_EQ(files[4096].path.parent_path(), dir.path() / "blobs" / "p00000abc00001");
    EXPECT_LT(files[4095].name, files[4096].name);

    const std::string bytes(70000, 'q');
    ASSERT_EQ(::write(files[1].fd, bytes.data(), bytes.size()), 70000);
    ::close(files[1].fd);
    ASSERT_TRUE(blobs.make_placed_durable(files[1].name));
    ASSERT_TRUE(blobs.make_placed_durable(files[2].name));  // covered by the same directory fsync
    ASSERT_TRUE(blobs.make_placed_durable(files[4096].name));
    EXPECT_EQ(*blobs.read(files[1].name), bytes);
    EXPECT_TRUE(blobs.exists(files[2].name));
    EXPECT_TRUE(blobs.remove(files[2].name));
    EXPECT_FALSE(blobs.exists(files[2].name));
    EXPECT_EQ(blobs.make_placed_durable(files[2].name).error().code, Errc::Io);  // gone
    EXPECT_EQ(blobs.make_placed_durable(std::string(64, 'a')).error().code, Errc::Invalid);
    EXPECT_EQ(blobs.make_placed_durable("p../../../etc/pas").error().code, Errc::Invalid);
}

TEST(BlobStore, WritesUnderTwoLevelFanOutAndReadsBack)
{
    TempDir dir;
    BlobStore blobs(dir.path() / "blobs");
    ASSERT_TRUE(blobs.create_root());
    std::string sha = *sha256_hex("hello");
    ASSERT_TRUE(blobs.write(sha, "hello"));
    EXPECT_EQ(blobs.path_for(sha),
              dir.path() / "blobs" / sha.substr(0, 2) / sha.substr(2, 2) / sha);
    EXPECT_TRUE(fs::exists(blobs.path_for(sha)));
    // A second write of the same content keeps the one file.
    ASSERT_TRUE(blobs.write(sha, "hello"));
    Result<std::string> back = blobs.read(sha);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, "hello");
    // No temporary file is left next to it.
    EXPECT_EQ(std::distance(fs::directory_iterator(blobs.path_for(sha).parent_path()),
                            fs::directory_iterator()),
              1);
}

TEST(BlobStore, ReadErrors)
{
    TempDir dir;
    BlobStore blobs(dir.path() / "blobs");
    ASSERT_TRUE(blobs.create_root());
    struct Case {
        std::string name;
        Errc want;
    };
    const Case cases[] = {
        {std::string(64, '0'), Errc::NotFound},
        {"../../etc/passwd", Errc::Invalid},
        {std::string(64, 'G'), Errc::Invalid},
    };
    for (const Case& c : cases) {
        Result<std::string> got = blobs.read(c.name);
        ASSERT_FALSE(got) << c.name;
        EXPECT_EQ(got.error().code, c.want) << c.name;
    }
}

TEST(BlobStore, ExistsAndRemove)
{
    TempDir dir;
    BlobStore blobs(dir.path() / "blobs");
    ASSERT_TRUE(blobs.create_root());
    std::string sha = *sha256_hex("gone soon");
    EXPECT_FALSE(blobs.exists(sha));
    ASSERT_TRUE(blobs.write(sha, "gone soon"));
    EXPECT_TRUE(blobs.exists(sha));
    EXPECT_TRUE(blobs.remove(sha));
    EXPECT_FALSE(blobs.exists(sha));
    EXPECT_TRUE(blobs.remove(sha));  // already gone is fine
    EXPECT_FALSE(blobs.remove("../../harbor.db"));
    EXPECT_FALSE(blobs.exists("../../harbor.db"));
}

TEST(BlobStore, SweepRemovesUnreferencedAndTemporaryFilesOnly)
{
    TempDir dir;
    BlobStore blobs(dir.path() / "blobs");
    ASSERT_TRUE(blobs.create_root());
    std::string kept = *sha256_hex("kept");
    std::string orphan = *sha256_hex("orphan");
    ASSERT_TRUE(blobs.write(kept, "kept"));
    ASSERT_TRUE(blobs.write(orphan, "orphan"));
    fs::path leftover = blobs.path_for(kept).parent_path() / ("." + kept + ".1.2");
    std::ofstream(leftover) << "half";

    Result<std::uint64_t> removed =
        blobs.sweep([&](const std::string& sha) -> Result<bool> { return sha == kept; });
    ASSERT_TRUE(removed);
    EXPECT_EQ(*removed, 2u);
    EXPECT_TRUE(fs::exists(blobs.path_for(kept)));
    EXPECT_FALSE(fs::exists(blobs.path_for(orphan)));
    EXPECT_FALSE(fs::exists(leftover));
}

}  // namespace
}  // namespace harbor::store
