// Authentication-Results names of DKIM outcomes (RFC 8601 §2.7.1).
#include "auth/dkim/outcome.hpp"

namespace harbor::auth::dkim {

std::string_view outcome_name(Outcome outcome)
{
    switch (outcome) {
        case Outcome::Pass:
            return "pass";
        case Outcome::Fail:
            return "fail";
        case Outcome::Neutral:
            return "neutral";
        case Outcome::Policy:
            return "policy";
        case Outcome::TempError:
            return "temperror";
        case Outcome::PermError:
            return "permerror";
    }
    return "neutral";
}

}  // namespace harbor::auth::dkim
