// The spool: small messages stay in memory, large ones spill to a file the store places among
// its blobs, files go unless handed over; the Received field's form (RFC 5321 §4.4,
// RFC 3848 protocol types) and that client text cannot break out of it.
#include "smtp/server/spool.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "smtp/server/received.hpp"
#include "store/blob_store.hpp"

namespace harbor::smtp::server {
namespace {

class TempDir {
public:
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "harbor-spool-XXXXXX");
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

std::string read(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The store's blob files under a temporary directory, and how often a file was asked of them.
struct Placement {
    TempDir dir;
    store::BlobStore blobs{dir.path() / "blobs"};
    int calls = 0;

    Placement()
    {
        EXPECT_TRUE(blobs.create_root());
        blobs.set_placed_block(1);
    }
    SpoolPlacement place()
    {
        return [this] {
            ++calls;
            return blobs.create_placed();
        };
    }
};

TEST(Spool, SmallMessageStaysInMemory)
{
    Placement placement;
    SpoolFile spool(placement.place());
    ASSERT_TRUE(spool.write("Subject: x\r\n\r\n"));
    ASSERT_TRUE(spool.write("body\r\n"));
    Result<Spooled> done = spool.finish();
    ASSERT_TRUE(done);
    EXPECT_FALSE(done->file.has_value());
    EXPECT_EQ(done->memory, "Subject: x\r\n\r\nbody\r\n");
    EXPECT_EQ(done->size, done->memory.size());
    EXPECT_EQ(placement.calls, 0);  // no file was ever made
}

TEST(Spool, LargeMessageSpillsToAPlacedBlobFile)
{
    Placement placement;
    std::string message = "Subject: big\r\n\r\n";
    std::filesystem::path file;
    {
        SpoolFile spool(placement.place());
        ASSERT_TRUE(spool.write(message));
        const std::string line(998, 'x');
        while (message.size() <= in_memory_max + 5000) {
            ASSERT_TRUE(spool.write(line + "\r\n"));
            message += line + "\r\n";
        }
        Result<Spooled> done = spool.finish();
        ASSERT_TRUE(done);
        ASSERT_TRUE(done->file.has_value());
        EXPECT_EQ(placement.calls, 1);
        EXPECT_TRUE(done->memory.empty());
        EXPECT_EQ(done->file->size, message.size());
        EXPECT_TRUE(store::is_placed_blob_name(done->file->name));
        EXPECT_EQ(done->file->file, placement.blobs.path_for(done->file->name));
        EXPECT_EQ(read(done->file->file), message);
        Result<MappedFile> mapped = MappedFile::open(done->file->file);
        ASSERT_TRUE(mapped);
        EXPECT_EQ(mapped->bytes(), message);
        file = done->file->file;
    }
    // Not handed over (released() never called): the file went with the SpoolFile.
    EXPECT_FALSE(std::filesystem::exists(file));
}

TEST(Spool, ReleasedFileStays)
{
    Placement placement;
    std::filesystem::path file;
    {
        SpoolFile spool(placement.place());
        ASSERT_TRUE(spool.write(std::string(in_memory_max + 1, 'a')));
        Result<Spooled> done = spool.finish();
        ASSERT_TRUE(done && done->file);
        file = done->file->file;
        spool.released();
    }
    EXPECT_TRUE(std::filesystem::exists(file));
}

TEST(Spool, RespoolReplacesTheFile)
{
    Placement placement;
    SpoolFile spool(placement.place());
    const std::string body(in_memory_max + 10, 'b');
    ASSERT_TRUE(spool.write(body));
    Result<Spooled> first = spool.finish();
    ASSERT_TRUE(first && first->file);
    Result<Spooled> second = respool(spool, {"X-Added: 1\r\n", body});
    ASSERT_TRUE(second && second->file);
    EXPECT_NE(second->file->name, first->file->name);
    EXPECT_FALSE(std::filesystem::exists(first->file->file));
    EXPECT_EQ(read(second->file->file), "X-Added: 1\r\n" + body);
    EXPECT_EQ(spool.path(), second->file->file);
}

TEST(Spool, APlacementFailureFailsTheWrite)
{
    SpoolFile spool([] { return Result<store::PlacedFile>(unexpected(Errc::Io, "disk full")); });
    ASSERT_TRUE(spool.write("small"));
    Result<void> spilled = spool.write(std::string(in_memory_max, 'c'));
    ASSERT_FALSE(spilled);
    EXPECT_EQ(spilled.error().code, Errc::Io);
}

TEST(Received, FormAndProtocolTypes)
{
    ReceivedInfo info;
    info.helo = "client.example";
    info.peer_ip = "192.0.2.7";
    info.hostname = "mx.example.org";
    info.id = "abc123";
    info.recipient = "alice@example.org";
    info.unix_seconds = 880127706;  // RFC 5322 A.1.1's date
    EXPECT_EQ(with_protocol(info), "ESMTP");
    const std::string field = received_field(info);
    EXPECT_EQ(field,
              "Received: from client.example ([192.0.2.7]) by mx.example.org (Harbor)\r\n"
              "\twith ESMTP id abc123 for <alice@example.org>;\r\n"
              "\tFri, 21 Nov 1997 15:55:06 +0000\r\n");
    info.tls = "TLSv1.3 TLS_AES_256_GCM_SHA384";
    EXPECT_EQ(with_protocol(info), "ESMTPS");
    info.authenticated = "alice@example.org";
    EXPECT_EQ(with_protocol(info), "ESMTPSA");
    info.smtputf8 = true;
    EXPECT_EQ(with_protocol(info), "UTF8SMTPSA");  // RFC 6531 §3.7.3
    info.esmtp = false;
    EXPECT_EQ(with_protocol(info), "SMTP");
    const std::string with_tls = received_field(info);
    EXPECT_NE(with_tls.find("(TLSv1.3 TLS_AES_256_GCM_SHA384)"), std::string::npos);
    EXPECT_NE(with_tls.find("(authenticated as alice@example.org)"), std::string::npos);
}

TEST(Received, ClientTextCannotBreakTheField)
{
    ReceivedInfo info;
    info.helo = "evil)\r\nX-Injected: 1 (";
    info.peer_ip = "192.0.2.7";
    info.hostname = "mx.example.org";
    info.id = "id";
    const std::string field = received_field(info);
    EXPECT_EQ(field.find("X-Injected: 1"), std::string::npos);
    EXPECT_NE(field.find("from evil???X-Injected:"), std::string::npos);
    // Every line break is a fold: CRLF followed by a tab, and the field ends in one CRLF.
    for (std::size_t at = field.find("\r\n"); at + 2 < field.size(); at = field.find("\r\n", at + 1)) {
        EXPECT_EQ(field[at + 2], '\t');
    }
}

}  // namespace
}  // namespace harbor::smtp::server
