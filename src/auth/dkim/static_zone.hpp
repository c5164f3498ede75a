// Test-only: DKIM key records served from memory (the unit tests, the shared vectors, and
// dkim_tool for tests/differential/dkim_crosscheck.py), plus a synchronous wrapper around
// verify_message. Not part of harbor_auth_dkim.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "auth/dkim/verify.hpp"
#include "core/line_ends.hpp"
#include "dns/lookups.hpp"

namespace harbor::auth::dkim {

class StaticZone final : public dns::Lookups {
public:
    // TXT records by lowercase name; a name with an empty list answers NODATA, a name not
    // listed NXDOMAIN.
    std::map<std::string, std::vector<std::string>> txt_records;
    std::map<std::string, Errc> failing;  // names whose lookups fail with this code
    std::vector<std::string> queries;     // every TXT name asked, in order

    void add_txt(std::string_view name, std::string text);

    // Lines "<name> <record text>" (the format of Stalwart's DKIM vectors), a trailing dot on
    // the name ignored; empty lines and lines starting with '#' are skipped.
    void add_lines(std::string_view lines);

    Awaitable<Result<dns::AnswerTxt>> txt(std::string name) override;
    Awaitable<Result<dns::AnswerA>> a(std::string name) override;
    Awaitable<Result<dns::AnswerAaaa>> aaaa(std::string name) override;
    Awaitable<Result<dns::AnswerMx>> mx(std::string name) override;
    Awaitable<Result<dns::AnswerPtr>> ptr(boost::asio::ip::address address) override;
};

// Runs verify_message to completion on a private io_context.
std::vector<SignatureResult> verify_with_zone(StaticZone& zone, std::string_view message,
                                              const VerifyOptions& options);

// Vector files are stored with LF line ends.
using harbor::to_crlf;

// The bytes of a test file, or "" when it cannot be read (the test then fails on its content).
std::string read_file(const std::filesystem::path& path);

}  // namespace harbor::auth::dkim
