// Tests only: the message files of ../shared/testdata/mime (its README: *.eml and msg_*.txt),
// sorted so that message numbers are stable from run to run. Needs HARBOR_TESTDATA_DIR.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace harbor::imap {

inline std::vector<std::string> mime_corpus_messages()
{
    namespace fs = std::filesystem;
    std::vector<std::string> messages;
    const fs::path root = fs::path(HARBOR_TESTDATA_DIR) / "mime";
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        const std::string name = entry.path().filename().string();
        const bool message = entry.path().extension() == ".eml" ||
                             (name.rfind("msg_", 0) == 0 && entry.path().extension() == ".txt");
        if (!entry.is_regular_file() || !message) {
            continue;
        }
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        messages.push_back(bytes.str());
    }
    std::sort(messages.begin(), messages.end());
    return messages;
}

}  // namespace harbor::imap
