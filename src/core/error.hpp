// The one failure vocabulary of Harbor (STYLE.md §10.4). Every module reports expected
// failures as an Error; each protocol maps Errc to its own reply once (smtp::reply_for, ...).
#pragma once

#include <string>
#include <string_view>

namespace harbor {

enum class Errc {
    NotFound,      // the thing asked for does not exist
    Exists,        // creating something that is already there
    Invalid,       // malformed input (syntax, bad value)
    Permission,    // not allowed for this caller
    Quota,         // over a quota
    Limit,         // a configured or protocol limit was hit
    TempFail,      // try again later: storage or DNS hiccup, lock contention
    Timeout,       // a deadline passed
    Closed,        // the peer or the component went away
    Io,            // operating-system I/O error
    Unsupported,   // asked for something Harbor does not do
    Internal,      // a bug or an unexpected library failure; detail is only for the log
};

std::string_view errc_name(Errc code);

struct Error {
    Errc code = Errc::Internal;
    std::string detail;

    // "not-found: no such domain example.org"
    std::string to_string() const;
};

inline Error make_error(Errc code, std::string detail) { return Error{code, std::move(detail)}; }

}  // namespace harbor
