// check_host() (RFC 7208 §4): is this client allowed to use this domain? Fetches the domain's
// SPF record through dns::Lookups and evaluates it term by term, following include and
// redirect, within the limits of §4.6.4 (10 DNS-querying terms, 2 void lookups, 10 MX and 10
// PTR names). The RFC 7208 test suite runs it over in-memory zones (spf_suite_test.cpp).
// SECURITY: every record comes from a zone the sender controls. The record parser is bounded
// (record.hpp); evaluation is bounded by the §4.6.4 limits, which also end include/redirect
// loops; each DNS query is bounded by the resolver's timeout.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/spf/outcome.hpp"
#include "dns/lookups.hpp"

namespace harbor::auth::spf {

// The explanation of a fail when the record has no usable exp= (§6.2: "a default explanation
// string"); an explain-string, so its macros are expanded.
inline constexpr std::string_view default_explanation =
    "%{o} does not designate %{c} as a permitted sender";

struct Request {
    // The SMTP client. An IPv4-mapped IPv6 address is checked as the IPv4 address (§5).
    boost::asio::ip::address ip;
    // <domain>: the MAIL FROM domain, or the HELO name for the HELO identity (§2.3, §2.4).
    std::string domain;
    // <sender>: the MAIL FROM address; empty (a null reverse-path) stands for
    // postmaster@<helo> (§2.4).
    std::string sender;
    // The HELO/EHLO name, for %{h} and the empty sender.
    std::string helo;
    // This host's name, for %{r} in explanations (§7.2); empty: "unknown".
    std::string receiver;
    // The explanation for a fail whose record has no usable exp= (macros allowed).
    std::string default_explanation = std::string(spf::default_explanation);
    // %{t}, seconds since the epoch; 0: the current time.
    std::int64_t timestamp = 0;
};

// The limits of §4.6.4.
inline constexpr unsigned max_dns_terms = 10;    // include, a, mx, ptr, exists, redirect
inline constexpr unsigned max_void_lookups = 2;  // answers with no records, or NXDOMAIN
inline constexpr unsigned max_mx_names = 10;     // address lookups of one mx; more: permerror
inline constexpr unsigned max_ptr_names = 10;    // names one ptr (or %{p}) looks at; rest ignored

// Runs check_host(<ip>, <domain>, <sender>) (§4). Never fails: DNS trouble is TempError, a bad
// record PermError. dns and request must outlive the returned awaitable (co_await it in the
// full-expression that creates it). Suspends for each DNS lookup, evaluating lazily (§4.6.3:
// terms after the first match are neither looked up nor counted).
boost::asio::awaitable<Outcome> check_host(dns::Lookups& dns, const Request& request);

}  // namespace harbor::auth::spf
