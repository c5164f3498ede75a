// What an SPF check concludes (RFC 7208 §2.6, §8): the result with the explanation for a fail
// and what led to it, for the SMTP reply, the logs, Received-SPF (§9.1) and
// Authentication-Results (RFC 8601 §2.7.2).
#pragma once

#include <string>
#include <string_view>

namespace harbor::auth::spf {

// The check_host() results (§2.6). Named Status so that harbor::Result stays unambiguous.
enum class Status { None, Neutral, Pass, Fail, SoftFail, TempError, PermError };

struct Outcome {
    Status status = Status::None;
    // Fail only: the exp= text with its macros expanded, else the default explanation (§6.2).
    std::string explanation;
    // The term that decided ("-all", "include:_spf.example.com", "default" when none matched),
    // or empty for none, temperror and permerror.
    std::string mechanism;
    // Why, for none, temperror and permerror ("no SPF record", "more than 10 DNS-querying
    // terms", the syntax error): for logs and Received-SPF's problem=, never for the client.
    std::string reason;
    // The <domain> check_host() was asked about (before any include or redirect).
    std::string domain;
};

// "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror": the spelling of
// RFC 7208 §9.1 and RFC 8601 §2.7.2.
std::string_view status_name(Status status);

}  // namespace harbor::auth::spf
