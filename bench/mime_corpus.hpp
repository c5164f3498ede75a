// The message corpus of bench_mime_parse: the message files of ../shared/testdata/mime plus
// generated mail of the sizes a mail server mostly stores (newsletters, large attachments,
// many-part mails, long trace headers), so that throughput is not a measure of tiny files.
// Generation is deterministic (a fixed-seed generator), so every run parses the same bytes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace harbor::bench {

struct CorpusMessage {
    std::string set;    // "testdata", "newsletter", "attachments", "parts50", "headers", ...
    std::string name;   // file path below the testdata root, or a generated name
    std::string bytes;
};

// The message files under `mime_root` (testdata/mime): *.eml, *.msg, and the *.txt files that
// are whole messages (python-email-tests msg_*.txt, MimeKit messages/, GMime pgp/*-message.txt).
// mbox files, JSON and bare bodies are left out: they are not one message each.
std::vector<CorpusMessage> load_testdata_messages(const std::filesystem::path& mime_root);

// The generated sets, CRLF line ends as received over SMTP.
std::vector<CorpusMessage> generate_messages();

}  // namespace harbor::bench
