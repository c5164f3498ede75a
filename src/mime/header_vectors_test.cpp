// Differential test: the structured-header vectors of stalwart-mail-parser (address.json,
// date.json, id.json in shared/testdata/mime) against parse_address_list, parse_date and
// parse_message_ids. The vectors are another parser's data model; values are compared (name,
// address; timestamp and offset; ids), and the expected match counts are exact so that a
// regression fails. The vectors we deliberately differ on are listed with the RFC reason.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mime/address_list.hpp"
#include "mime/date.hpp"
#include "mime/message_id.hpp"

namespace harbor::mime {
namespace {

using nlohmann::json;

json load(const char* name)
{
    std::filesystem::path path = std::filesystem::path(HARBOR_TESTDATA_DIR) / "mime" /
                                 "stalwart-mail-parser" / "resources" / name;
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << path;
    if (!in.good()) {
        return json::array();
    }
    return json::parse(in);
}

std::string string_or_empty(const json& value)
{
    return value.is_string() ? value.get<std::string>() : std::string();
}

// Flattens {"List": [...]} or {"Group": [{"addresses": [...]}]} to (name, address) pairs;
// entries without an address (a bare comment) carry nothing to compare and are dropped.
std::vector<std::pair<std::string, std::string>> expected_addresses(const json& expected)
{
    std::vector<std::pair<std::string, std::string>> out;
    auto add = [&](const json& list) {
        for (const json& entry : list) {
            if (entry["address"].is_string()) {
                out.emplace_back(string_or_empty(entry["name"]),
                                 entry["address"].get<std::string>());
            }
        }
    };
    if (expected.contains("List")) {
        add(expected["List"]);
    }
    if (expected.contains("Group")) {
        for (const json& group : expected["Group"]) {
            add(group["addresses"]);
        }
    }
    return out;
}

// Vectors we differ on on purpose (index in address.json -> reason).
//  9: "Pete(A nice \<LF> ) chap)": a backslash before LF is an obs-qp (§4.1) quoting the LF,
//      so the ")" on the next line closes the comment; " chap" is phrase and the last ")" is
//      stray -> "Pete chap".
//  8, 10: comments are not part of a display name. RFC 5322 §3.2.2: a comment is
//      semantically invisible; the name is the phrase ("Pete", "Chris Jones", "John"), a
//      comment is used as a name only when there is no phrase.
//  13, 14: the §4.4 obsolete route is ignored ("mary@example.net") and CFWS around the dots of
//      an obs-domain is not part of the domain ("jdoe@test.example", "jdoe@machine.example").
//  22: the comment after the address is not the name: the phrase "Nathaniel Borenstein" is.
//  56: "Name (comment) =?utf-8?q?Doe?=": the comment is dropped (§3.2.2) -> "Name Doe".
// (11, "(nobody(that I know))" inside a group, matches: the entry has no address.)
TEST(HeaderVectors, Addresses)
{
    json vectors = load("address.json");
    std::size_t matched = 0;
    std::set<std::size_t> differing;
    for (std::size_t i = 0; i < vectors.size(); ++i) {
        const json& vector = vectors[i];
        AddressList list = parse_address_list(vector["header"].get<std::string>());
        auto want = expected_addresses(vector["expected"]);
        bool same = list.addresses.size() == want.size();
        for (std::size_t k = 0; same && k < want.size(); ++k) {
            same = list.addresses[k].display_name == want[k].first &&
                   address_spec(list.addresses[k]) == want[k].second;
        }
        if (same) {
            ++matched;
        } else {
            differing.insert(i);
        }
    }
    EXPECT_EQ(vectors.size(), 60u);
    EXPECT_EQ(matched, 53u);
    EXPECT_EQ(differing, (std::set<std::size_t>{8, 9, 10, 13, 14, 22, 56}));
}

// Vectors we differ on on purpose:
//  12: " 4 8 15 16 23 42, ..." is not a date-time (§3.3: a month is a name); we reject it.
TEST(HeaderVectors, Dates)
{
    json vectors = load("date.json");
    std::size_t matched = 0;
    std::set<std::size_t> differing;
    for (std::size_t i = 0; i < vectors.size(); ++i) {
        const json& vector = vectors[i];
        std::optional<DateTime> date = parse_date(vector["header"].get<std::string>());
        const json& want = vector["expected"];
        bool same = false;
        if (want.is_null()) {
            same = !date.has_value();
        } else if (date) {
            std::tm tm{};
            tm.tm_year = want["year"].get<int>() - 1900;
            tm.tm_mon = want["month"].get<int>() - 1;
            tm.tm_mday = want["day"].get<int>();
            tm.tm_hour = want["hour"].get<int>();
            tm.tm_min = want["minute"].get<int>();
            tm.tm_sec = want["second"].get<int>();
            int offset = want["tz_hour"].get<int>() * 60 + want["tz_minute"].get<int>();
            if (want["tz_before_gmt"].get<bool>()) {
                offset = -offset;
            }
            std::int64_t seconds = static_cast<std::int64_t>(timegm(&tm)) - offset * 60;
            same = date->unix_seconds == seconds && date->offset_minutes == offset;
        }
        if (same) {
            ++matched;
        } else {
            differing.insert(i);
        }
    }
    EXPECT_EQ(vectors.size(), 40u);
    EXPECT_EQ(matched, 39u);
    EXPECT_EQ(differing, (std::set<std::size_t>{12}));
}

// Vectors we differ on on purpose:
//  6: "<1234   @   local(blah)  .machine .example>": CFWS inside an obsolete msg-id is not part
//     of the id (§4.5.4, §3.2.2); we return "1234@local.machine.example".
TEST(HeaderVectors, MessageIds)
{
    json vectors = load("id.json");
    std::size_t matched = 0;
    std::set<std::size_t> differing;
    for (std::size_t i = 0; i < vectors.size(); ++i) {
        const json& vector = vectors[i];
        MessageIds ids = parse_message_ids(vector["header"].get<std::string>());
        std::vector<std::string> want;
        if (vector["expected"].is_array()) {
            want = vector["expected"].get<std::vector<std::string>>();
        }
        if (ids.ids == want) {
            ++matched;
        } else {
            differing.insert(i);
        }
    }
    EXPECT_EQ(vectors.size(), 11u);
    EXPECT_EQ(matched, 10u);
    EXPECT_EQ(differing, (std::set<std::size_t>{6}));
}

}  // namespace
}  // namespace harbor::mime
