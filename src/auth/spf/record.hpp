// An SPF record (RFC 7208 §4.5, §4.6, §5, §6, ABNF in §12): the version check that selects
// records among a name's TXT strings, and the parser that turns one record into its directives
// and modifiers. Targets stay unexpanded macro-strings; check_host expands them when it
// evaluates the term (§4.6.3: terms are evaluated in order, lazily).
// SECURITY: records come from any DNS zone. The parser refuses records over
// RecordLimits::max_octets or with more than max_terms terms, never recurses, and is fuzzed by
// fuzz_spf_record.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace harbor::auth::spf {

// qualifier = "+" / "-" / "?" / "~" (§4.6.2); "+" when absent.
enum class Qualifier { Pass, Fail, SoftFail, Neutral };

enum class MechanismKind { All, Include, A, Mx, Ptr, Ip4, Ip6, Exists };

struct Mechanism {
    Qualifier qualifier = Qualifier::Pass;
    MechanismKind kind = MechanismKind::All;
    // The domain-spec as written (a macro-string); empty when absent, which for a, mx and ptr
    // means the current <domain> (§5.3-5.5). include and exists always have one.
    std::string domain_spec;
    // ip4 / ip6: the network. a, mx: unused.
    boost::asio::ip::address network;
    // dual-cidr-length (§5.6): the prefix lengths for IPv4 and IPv6 comparisons.
    unsigned cidr4 = 32;
    unsigned cidr6 = 128;

    // Whether evaluating it counts toward the limit of 10 DNS-querying terms (§4.6.4).
    bool queries_dns() const;
};

struct Record {
    std::vector<Mechanism> mechanisms;    // in record order
    std::optional<std::string> redirect;  // redirect= domain-spec (§6.1)
    std::optional<std::string> exp;       // exp= domain-spec (§6.2)
};

struct RecordLimits {
    // A TXT record can be 64 KiB; real SPF records are a few hundred octets (§3.4 asks them to
    // fit a 512-octet UDP answer). Larger ones are refused as a permerror.
    std::size_t max_octets = 4096;
    // Only 10 terms may query DNS (§4.6.4); the rest (ip4, ip6, all, unknown modifiers) are
    // cheap, but a record of thousands of terms is an attack, not a policy.
    std::size_t max_terms = 256;
};

// §4.5: a record is an SPF record if it starts with "v=spf1" (any case) followed by a space or
// its end. The strings of a TXT record are already joined (dns::AnswerTxt).
bool is_spf_record(std::string_view txt);

// Parses one SPF record (§4.6, §12). Errc::Invalid with the reason for any syntax error
// anywhere in it (check_host's permerror, §4.6), Errc::Limit past limits. A second redirect=
// or exp= is an error (§6).
Result<Record> parse_record(std::string_view text, const RecordLimits& limits = {});

std::string_view mechanism_name(MechanismKind kind);

// The term as a log or Received-SPF "mechanism" value: "-include:_spf.example.com",
// "ip4:192.0.2.0/24", "mx//64".
std::string to_string(const Mechanism& mechanism);

}  // namespace harbor::auth::spf
