// The answers the resolver hands back: typed records plus what DNS said about them (TTL,
// DNSSEC status, NXDOMAIN / NODATA). A name that does not exist or has no data of the type is
// an answer, not an error: SPF counts both as void lookups (RFC 7208 §4.6.4).
#pragma once

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace harbor::dns {

// DNSSEC status of an answer (RFC 4035 §4.3). Bogus answers never reach a caller as records:
// the resolver reports them as Errc::TempFail (resolver.hpp).
enum class Security {
    Insecure,  // no trust anchor covers the name, or validation is off
    Secure,    // validated from a configured trust anchor
    Bogus,     // validation failed (only ever named in an error's detail)
};

enum class Existence {
    Records,   // NOERROR with at least one record of the type
    NoData,    // NOERROR, the name exists but has no record of the type (RFC 2308 §2.2)
    NxDomain,  // RCODE 3, the name does not exist (RFC 2308 §2.1)
};

// MX (RFC 1035 §3.3.9). host is lowercase without the trailing dot; "" for the root, which a
// null MX "0 ." (RFC 7505) names: that policy is the caller's business.
struct Mx {
    std::uint16_t preference = 0;
    std::string host;
    friend bool operator==(const Mx&, const Mx&) = default;
};

// TLSA (RFC 6698 §2.1).
struct Tlsa {
    std::uint8_t usage = 0;
    std::uint8_t selector = 0;
    std::uint8_t matching_type = 0;
    std::vector<std::uint8_t> data;  // certificate association data
    friend bool operator==(const Tlsa&, const Tlsa&) = default;
};

// One lookup's answer. records is empty unless existence == Records; the order is the one DNS
// gave (MX preference ordering and shuffling are the caller's, RFC 5321 §5.1).
template <typename T>
struct Answer {
    std::vector<T> records;
    std::chrono::seconds ttl{0};
    Security security = Security::Insecure;
    Existence existence = Existence::Records;

    bool nxdomain() const { return existence == Existence::NxDomain; }
    bool nodata() const { return existence == Existence::NoData; }
};

using AnswerA = Answer<boost::asio::ip::address_v4>;
using AnswerAaaa = Answer<boost::asio::ip::address_v6>;
using AnswerMx = Answer<Mx>;
using AnswerTxt = Answer<std::string>;  // each record's character-strings concatenated
using AnswerPtr = Answer<std::string>;  // host names, lowercase, no trailing dot
using AnswerTlsa = Answer<Tlsa>;

}  // namespace harbor::dns
