// Stalwart mail-auth's SPF cases (shared/testdata/spf/stalwart-mail-auth-spf/*.yml), in their
// line format, run as that project's driver runs them:
//   - a file is read line by line (each trimmed, a leading "- " dropped); one zone serves the
//     whole file, and a later record line for a name replaces the earlier one of its type;
//   - "spf:" and "exp:" give a name's TXT record, "a:" / "aaaa:" its addresses, "ptr: IP
//     names" the PTR names of IP, "mx: name IP, IP" MX hosts named mx.<IP>.<n> (preference n+1)
//     each with that one address;
//   - "domain:", "sender:" and "ip:" set the HELO name, MAIL FROM and client (they carry over
//     to later cases of the same "---" block); "expect: result [explanation]" runs the check;
//   - the check is Stalwart's verify: the HELO identity first (domain = HELO name, sender
//     postmaster@HELO); only if that passes, the MAIL FROM identity (domain after the '@');
//   - names not in the zone do not exist, and names whose first label is "_dns_error" fail
//     (Stalwart's cases leave those to a live resolver; we never query one).
// Cases whose expectation contradicts RFC 7208 are listed with the reason; a listed case that
// starts passing fails the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "auth/spf/suite_cases.hpp"
#include "auth/spf/suite_zone.hpp"
#include "dns/rdata.hpp"

namespace harbor::auth::spf {
namespace {

namespace fs = std::filesystem;
using test::ZoneLookups;

struct SuiteException {
    const char* file;
    const char* scenario;
    int number;  // 1-based among the scenario's expect lines
    const char* reason;
};

const SuiteException exceptions[] = {
    {"all.yml", "All test", 1,
     "RFC 7208 §4.6: \"If there are any syntax errors anywhere in the record, check_host() "
     "returns immediately with the result permerror\" (the RFC 7208 suite's "
     "detect-errors-anywhere); \"v=spf1 -all ip:10.0.0.1\" has the unknown mechanism \"ip\", "
     "where Stalwart stops parsing at all and expects fail"},
    {"basic.yml", "DNS Lookup Limits", 1,
     "RFC 7208 §4.6.4 void lookups: t1.org ... t10.org have no records in the case, so the "
     "third a: is a permerror (more than 2 void lookups); Stalwart has no void limit and sends "
     "those names to the live DNS, where they may exist"},
    {"ip.yml", "IPv6 match", 4,
     "RFC 7208 §5 and §5.6: an IPv4 client is checked as IPv4 and matches only ip4 (the RFC "
     "7208 suite's cidr6-ip4 and cidr6-0-ip4); Stalwart matches 10.1.2.3 against "
     "ip6:::ffff:10.1.2.3 and expects pass"},
    {"exists.yml", "Exists", 2,
     "RFC 7208 §5.7: exists does an A lookup \"even when the connection type is IPv6\" and "
     "matches only A records; ip6.test.org has AAAA only, so fail (as the RFC 7208 suite's "
     "exists-ip6only), where Stalwart also looks up AAAA and expects pass"},
    {"macro.yml", "Macro expansion 2", 2,
     "RFC 7208 §5.7: exists:%{ir}.%{v}._spf.%{d2} names an AAAA-only name; exists matches A "
     "records only, so -all fails where Stalwart expects pass"},
};

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

std::vector<std::string> split_list(std::string_view text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) {
            comma = text.size();
        }
        out.emplace_back(trim(text.substr(start, comma - start)));
        start = comma + 1;
    }
    return out;
}

ZoneLookups::Entry entry(std::string type, std::string value)
{
    ZoneLookups::Entry out;
    out.type = std::move(type);
    out.strings.push_back(std::move(value));
    return out;
}

// "name value" of a record line.
std::pair<std::string, std::string> name_and_value(std::string_view rest)
{
    rest = trim(rest);
    const std::size_t space = rest.find(' ');
    if (space == std::string_view::npos) {
        return {std::string(rest), {}};
    }
    return {std::string(rest.substr(0, space)), std::string(trim(rest.substr(space + 1)))};
}

Outcome verify(ZoneLookups& zone, const boost::asio::ip::address& ip, const std::string& helo,
               const std::string& mail_from)
{
    Request request;
    request.ip = ip;
    request.helo = helo;
    request.receiver = "localdomain.org";
    request.domain = helo;
    Outcome outcome = test::run_check(zone, request);
    if (outcome.status != Status::Pass) {
        return outcome;
    }
    request.sender = mail_from;
    const std::size_t at = mail_from.rfind('@');
    request.domain = at == std::string::npos ? helo : mail_from.substr(at + 1);
    return test::run_check(zone, request);
}

struct SuiteTally {
    int cases = 0;
    int passed = 0;
};

void run_file(const fs::path& path, SuiteTally& tally, std::set<std::string>& exceptions_seen)
{
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    const std::string file = path.filename().string();
    ZoneLookups zone;
    zone.fail_first_label("_dns_error");
    std::string scenario;
    std::string helo;
    std::string mail_from;
    boost::asio::ip::address ip = boost::asio::ip::make_address("127.0.0.1");
    int number = 0;
    std::string raw;
    while (std::getline(in, raw)) {
        if (raw == "---") {  // a new block: the state resets, the zone stays
            helo.clear();
            mail_from.clear();
            ip = boost::asio::ip::make_address("127.0.0.1");
            number = 0;
            continue;
        }
        std::string_view line = trim(raw);
        if (!line.empty() && line.front() == '-') {
            line = trim(line.substr(1));
        }
        const auto field = [&](std::string_view prefix) { return line.starts_with(prefix); };
        const auto rest = [&](std::string_view prefix) { return line.substr(prefix.size()); };
        if (field("name:")) {
            const std::string name(trim(rest("name:")));
            if (name != scenario) {
                number = 0;
            }
            scenario = name;
        } else if (field("spf:") || field("exp:")) {
            auto [name, value] = name_and_value(rest(field("spf:") ? "spf:" : "exp:"));
            zone.replace(name, "TXT", {entry("TXT", value)});
        } else if (field("a:") || field("aaaa:")) {
            const std::string type = field("a:") ? "A" : "AAAA";
            auto [name, value] = name_and_value(rest(field("a:") ? "a:" : "aaaa:"));
            std::vector<ZoneLookups::Entry> entries;
            for (std::string& address : split_list(value)) {
                entries.push_back(entry(type, std::move(address)));
            }
            zone.replace(name, type, std::move(entries));
        } else if (field("ptr:")) {
            auto [address, value] = name_and_value(rest("ptr:"));
            std::vector<ZoneLookups::Entry> entries;
            for (std::string& host : split_list(value)) {
                entries.push_back(entry("PTR", std::move(host)));
            }
            zone.replace(dns::reverse_name(boost::asio::ip::make_address(address)), "PTR",
                         std::move(entries));
        } else if (field("mx:")) {
            auto [name, value] = name_and_value(rest("mx:"));
            std::vector<ZoneLookups::Entry> entries;
            const std::vector<std::string> addresses = split_list(value);
            for (std::size_t i = 0; i < addresses.size(); ++i) {
                const std::string host = "mx." + addresses[i] + "." + std::to_string(i);
                const bool v4 = boost::asio::ip::make_address(addresses[i]).is_v4();
                zone.replace(host, v4 ? "A" : "AAAA", {entry(v4 ? "A" : "AAAA", addresses[i])});
                ZoneLookups::Entry mx = entry("MX", host);
                mx.preference = static_cast<std::uint16_t>(i + 1);
                entries.push_back(std::move(mx));
            }
            zone.replace(name, "MX", std::move(entries));
        } else if (field("domain:")) {
            helo = std::string(trim(rest("domain:")));
        } else if (field("sender:")) {
            mail_from = std::string(trim(rest("sender:")));
        } else if (field("ip:")) {
            ip = boost::asio::ip::make_address(std::string(trim(rest("ip:"))));
        } else if (field("expect:")) {
            ++number;
            const std::string_view value = trim(rest("expect:"));
            const std::size_t space = value.find(' ');
            const std::string want(value.substr(0, space));
            const std::string explanation(
                space == std::string_view::npos ? std::string_view() : trim(value.substr(space)));
            const Outcome outcome = verify(zone, ip, helo, mail_from);
            const bool passes = status_name(outcome.status) == want &&
                                (explanation.empty() || explanation == outcome.explanation);
            ++tally.cases;
            tally.passed += passes ? 1 : 0;
            const SuiteException* listed = nullptr;
            for (const SuiteException& exception : exceptions) {
                if (file == exception.file && scenario == exception.scenario &&
                    number == exception.number) {
                    listed = &exception;
                    exceptions_seen.insert(file + "/" + scenario + "/" + std::to_string(number));
                }
            }
            const std::string what = file + " \"" + scenario + "\" #" + std::to_string(number) +
                                     " (helo " + helo + ", from " + mail_from + ", ip " +
                                     ip.to_string() + "): want " + std::string(value) + ", got " +
                                     std::string(status_name(outcome.status)) + " \"" +
                                     outcome.explanation + "\" " + outcome.reason;
            if (listed != nullptr) {
                EXPECT_FALSE(passes) << "listed as an exception but passes now: " << what;
            } else {
                EXPECT_TRUE(passes) << what;
            }
        }
    }
}

TEST(SpfSuite, StalwartMailAuth)
{
    const fs::path dir = fs::path(HARBOR_TESTDATA_DIR) / "spf" / "stalwart-mail-auth-spf";
    std::vector<fs::path> files;
    for (const auto& item : fs::directory_iterator(dir)) {
        if (item.path().extension() == ".yml") {
            files.push_back(item.path());
        }
    }
    std::sort(files.begin(), files.end());
    ASSERT_EQ(files.size(), 12u);
    SuiteTally tally;
    std::set<std::string> exceptions_seen;
    for (const fs::path& path : files) {
        run_file(path, tally, exceptions_seen);
    }
    EXPECT_EQ(tally.cases, 163);
    EXPECT_EQ(exceptions_seen.size(), std::size(exceptions)) << "an exception names no case";
    std::cout << "stalwart-mail-auth-spf: " << tally.passed << "/" << tally.cases << " pass\n";
    RecordProperty("passed", tally.passed);
}

}  // namespace
}  // namespace harbor::auth::spf
