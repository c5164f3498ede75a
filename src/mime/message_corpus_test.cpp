// Every file of the shared MIME corpora (../shared/testdata/mime: Stalwart, Dovecot, GMime,
// MimeKit, Python email, torture tests) parses without a crash, within the limits, and with the
// tree invariants of message_test_support.hpp. A missing corpus folder fails the test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "mime/message.hpp"
#include "mime/message_test_support.hpp"

namespace harbor::mime {
namespace {

std::string read_all(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(MessageCorpus, EveryFileParses)
{
    const std::filesystem::path root = std::filesystem::path(HARBOR_TESTDATA_DIR) / "mime";
    ASSERT_TRUE(std::filesystem::is_directory(root)) << "corpus missing: " << root;
    // Every regular file, not only *.eml/*.txt/*.msg and extensionless ones: the JSON and
    // HTML beside them are untrusted bytes too, and the parser must take any input.
    std::map<std::string, std::size_t> by_extension;
    std::size_t multipart_roots = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        const std::string raw = read_all(entry.path());
        const Message message = parse_message(raw);
        const std::string label = entry.path().string();
        test::check_message(raw, message, Limits{}, label);
        const std::string extension = entry.path().extension().string();
        // Messages stay inside the default limits; a large JSON file is one huge "header" and
        // may legitimately hit max_header_bytes (checked above only for the invariants).
        if (extension == ".eml" || extension == ".txt" || extension == ".msg" ||
            extension == ".mbox" || extension.empty()) {
            EXPECT_EQ(message.truncated, Limit::None) << label << " hit "
                                                      << limit_name(message.truncated);
        }
        ++by_extension[extension];
        multipart_roots += message.root.content_type.is_multipart() ? 1 : 0;
    }
    // The corpora as described in testdata/README.md: guards against an empty or moved tree.
    EXPECT_GE(by_extension[".eml"], 150u);
    EXPECT_GE(by_extension[".txt"], 100u);
    EXPECT_GE(by_extension[".msg"], 5u);
    EXPECT_GE(multipart_roots, 100u);
}

}  // namespace
}  // namespace harbor::mime
