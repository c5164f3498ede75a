// SessionHandler defaults and names for the listener's admission decisions.
#include "net/session.hpp"

namespace harbor::net {

std::string_view admission_name(Admission admission)
{
    switch (admission) {
        case Admission::Accepted:
            return "accepted";
        case Admission::TooManyConnections:
            return "too-many-connections";
        case Admission::TooManyFromAddress:
            return "too-many-from-address";
    }
    return "unknown";
}

Awaitable<void> SessionHandler::refuse(Connection& /*connection*/, SessionContext& /*context*/)
{
    co_return;  // the listener closes the connection
}

}  // namespace harbor::net
