// The spelling of SPF results (outcome.hpp; RFC 7208 §9.1, RFC 8601 §2.7.2).
#include "auth/spf/outcome.hpp"

namespace harbor::auth::spf {

std::string_view status_name(Status status)
{
    switch (status) {
        case Status::None:
            return "none";
        case Status::Neutral:
            return "neutral";
        case Status::Pass:
            return "pass";
        case Status::Fail:
            return "fail";
        case Status::SoftFail:
            return "softfail";
        case Status::TempError:
            return "temperror";
        case Status::PermError:
            return "permerror";
    }
    return "none";
}

}  // namespace harbor::auth::spf
