// Fuzzes the SPF record parser and macro expansion (auth/spf/record, auth/spf/macro, RFC 7208
// §4.6, §7): the input up to the first newline is a record ("v=spf1 " is put in front when it
// does not start with a version, to get past the version check), the rest an explanation text.
// Any input parses or fails with Errc::Invalid / Errc::Limit without throwing; each parsed
// term re-parses from its own text to the same term; every stored target is a valid
// domain-spec whose expansion fits a DNS name (at most 253 octets); an explanation that checks
// expands (or hits the expansion cap).
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/spf/macro.hpp"
#include "auth/spf/record.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

using namespace harbor::auth::spf;

const MacroValues& values()
{
    static const MacroValues fixed = [] {
        MacroValues v;
        set_sender(v, "strong-bad@email.example.com");
        v.domain = "email.example.com";
        v.ip = boost::asio::ip::make_address("2001:db8::cb01");
        v.helo = "mx.example.org";
        v.validated_name = "mx.example.org";
        v.timestamp = 1700000000;
        return v;
    }();
    return fixed;
}

void check_target(const std::string& spec)
{
    check(check_domain_spec(spec).has_value());
    const harbor::Result<std::string> name = expand_domain_spec(spec, values());
    check(name.has_value() || name.error().code == harbor::Errc::Limit);
    if (name) {
        check(name->size() <= 253);
    }
}

void check_round_trip(const Mechanism& mechanism)
{
    const harbor::Result<Record> again = parse_record("v=spf1 " + to_string(mechanism));
    check(again.has_value() && again->mechanisms.size() == 1);
    const Mechanism& copy = again->mechanisms.front();
    check(copy.kind == mechanism.kind && copy.qualifier == mechanism.qualifier);
    check(copy.domain_spec == mechanism.domain_spec);
    check(copy.cidr4 == mechanism.cidr4 && copy.cidr6 == mechanism.cidr6);
    check(copy.network == mechanism.network);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t newline = input.find('\n');
    std::string text(input.substr(0, newline));
    const std::string_view explanation =
        newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    if (!is_spf_record(text)) {
        text = "v=spf1 " + text;
    }
    const harbor::Result<Record> record = parse_record(text);
    if (!record) {
        check(record.error().code == harbor::Errc::Invalid ||
              record.error().code == harbor::Errc::Limit);
        check(!record.error().detail.empty());
    } else {
        for (const Mechanism& mechanism : record->mechanisms) {
            check_round_trip(mechanism);
            if (!mechanism.domain_spec.empty()) {
                check_target(mechanism.domain_spec);
            }
            check(mechanism.cidr4 <= 32 && mechanism.cidr6 <= 128);
        }
        if (record->redirect) {
            check_target(*record->redirect);
        }
        if (record->exp) {
            check_target(*record->exp);
        }
    }
    const bool valid = check_macro_string(explanation, MacroUse::Explanation).has_value();
    const harbor::Result<std::string> expanded =
        expand_macros(explanation, values(), MacroUse::Explanation);
    check(valid == (expanded.has_value() || expanded.error().code == harbor::Errc::Limit));
    if (expanded) {
        check(expanded->size() <= max_expansion_octets);
    }
    (void)uses_macro_letter(explanation, 'p');
    return 0;
}
