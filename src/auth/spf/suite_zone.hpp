// Test-only: an in-memory DNS zone behind dns::Lookups, answering as the reference driver of
// the openspf / pyspf SPF test suite does (shared/testdata/README.md "spf/"), so that
// spf_suite_test and the spf_check_dump tool of the pyspf differential test serve the same
// answers from one implementation:
//   - a name's records are kept in the suite's order; SPF-type records are also served as TXT
//     unless the name has TXT records of its own (a "TXT: NONE" entry counts as having some);
//   - a bare TIMEOUT entry times out a query unless a record of the queried type came before
//     it; a "TYPE: TIMEOUT" entry times out queries of that type;
//   - a missing name is NXDOMAIN, except that names starting with "error." time out;
//   - names match case-insensitively, empty labels are dropped and a label over 63 octets is
//     a DNS error (the driver's pydns emulation); CNAMEs are followed (a loop is an error);
//   - a TXT given as a list is one record of several character-strings, served joined.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dns/lookups.hpp"

namespace harbor::auth::spf::test {

class ZoneLookups final : public dns::Lookups {
public:
    struct Entry {
        std::string type;                  // "A", "AAAA", "MX", "PTR", "CNAME", "TXT", "SPF"
        std::vector<std::string> strings;  // TXT/SPF character-strings; else the one value
        std::uint16_t preference = 0;      // MX
        bool timeout = false;              // "TYPE: TIMEOUT", or the bare TIMEOUT (type "")
        bool none = false;                 // "TXT: NONE": no record, but TXT is not generated
    };

    // The "zonedata" object of one suite scenario. Throws nlohmann::json::exception or
    // std::invalid_argument for data outside the suite's format.
    static ZoneLookups from_suite(const nlohmann::json& zonedata);

    void add(std::string_view name, Entry entry);
    // Drops the name's entries of entry type `type`, then adds entries (later lines of the
    // Stalwart line format replace earlier ones).
    void replace(std::string_view name, std::string_view type, std::vector<Entry> entries);
    // Queries for names whose first label is `label` time out (the Stalwart cases' "_dns_error").
    void fail_first_label(std::string label) { failing_label_ = std::move(label); }

    Awaitable<Result<dns::AnswerTxt>> txt(std::string name) override;
    Awaitable<Result<dns::AnswerA>> a(std::string name) override;
    Awaitable<Result<dns::AnswerAaaa>> aaaa(std::string name) override;
    Awaitable<Result<dns::AnswerMx>> mx(std::string name) override;
    Awaitable<Result<dns::AnswerPtr>> ptr(boost::asio::ip::address address) override;

    // Every query asked so far, "TYPE name" (for tests of laziness and limits).
    const std::vector<std::string>& queries() const { return queries_; }

private:
    struct Found {
        std::vector<const Entry*> records;
        bool nxdomain = false;
    };
    Result<Found> resolve(std::string_view name, std::string_view type, int depth) const;
    template <typename T, typename Convert>
    Result<dns::Answer<T>> answer(std::string_view name, std::string_view type, Convert convert);

    std::map<std::string, std::vector<Entry>> names_;  // lower case, no trailing dot
    std::string failing_label_;
    std::vector<std::string> queries_;
};

}  // namespace harbor::auth::spf::test
