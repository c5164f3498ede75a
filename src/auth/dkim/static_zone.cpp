// Test-only in-memory zone for DKIM key records and a synchronous verify (static_zone.hpp).
#include "auth/dkim/static_zone.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/ascii.hpp"

namespace harbor::auth::dkim {

namespace {

std::string zone_name(std::string_view name)
{
    if (!name.empty() && name.back() == '.') {
        name.remove_suffix(1);
    }
    return ascii_lowercase(name);
}

Unexpected txt_only()
{
    return unexpected(Errc::Unsupported, "the DKIM test zone serves TXT only");
}

}  // namespace

void StaticZone::add_txt(std::string_view name, std::string text)
{
    txt_records[zone_name(name)].push_back(std::move(text));
}

void StaticZone::add_lines(std::string_view lines)
{
    std::size_t start = 0;
    while (start < lines.size()) {
        std::size_t end = lines.find('\n', start);
        if (end == std::string_view::npos) {
            end = lines.size();
        }
        std::string_view line = lines.substr(start, end - start);
        start = end + 1;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const std::size_t space = line.find(' ');
        if (space == std::string_view::npos) {
            txt_records[zone_name(line)];  // a name with no record: NODATA
            continue;
        }
        add_txt(line.substr(0, space), std::string(line.substr(space + 1)));
    }
}

StaticZone::Awaitable<Result<dns::AnswerTxt>> StaticZone::txt(std::string name)
{
    name = zone_name(name);
    queries.push_back(name);
    if (const auto failure = failing.find(name); failure != failing.end()) {
        co_return unexpected(failure->second, "test zone: lookup of " + name + " fails");
    }
    dns::AnswerTxt answer;
    const auto found = txt_records.find(name);
    if (found == txt_records.end()) {
        answer.existence = dns::Existence::NxDomain;
    } else if (found->second.empty()) {
        answer.existence = dns::Existence::NoData;
    } else {
        answer.records = found->second;
    }
    co_return answer;
}

StaticZone::Awaitable<Result<dns::AnswerA>> StaticZone::a(std::string)
{
    co_return txt_only();
}

StaticZone::Awaitable<Result<dns::AnswerAaaa>> StaticZone::aaaa(std::string)
{
    co_return txt_only();
}

StaticZone::Awaitable<Result<dns::AnswerMx>> StaticZone::mx(std::string)
{
    co_return txt_only();
}

StaticZone::Awaitable<Result<dns::AnswerPtr>> StaticZone::ptr(boost::asio::ip::address)
{
    co_return txt_only();
}

std::vector<SignatureResult> verify_with_zone(StaticZone& zone, std::string_view message,
                                              const VerifyOptions& options)
{
    boost::asio::io_context io;
    std::optional<std::vector<SignatureResult>> out;
    std::exception_ptr failure;
    boost::asio::co_spawn(io, verify_message(zone, message, options),
                          [&](std::exception_ptr error, std::vector<SignatureResult> results) {
                              failure = error;
                              out = std::move(results);
                          });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return out.value_or(std::vector<SignatureResult>{});
}

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace harbor::auth::dkim
