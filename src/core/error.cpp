#include "core/error.hpp"

namespace harbor {

std::string_view errc_name(Errc code)
{
    switch (code) {
    case Errc::NotFound: return "not-found";
    case Errc::Exists: return "exists";
    case Errc::Invalid: return "invalid";
    case Errc::Permission: return "permission";
    case Errc::Quota: return "quota";
    case Errc::Limit: return "limit";
    case Errc::TempFail: return "temp-fail";
    case Errc::Timeout: return "timeout";
    case Errc::Closed: return "closed";
    case Errc::Io: return "io";
    case Errc::Unsupported: return "unsupported";
    case Errc::Internal: return "internal";
    }
    return "internal";
}

std::string Error::to_string() const
{
    std::string out(errc_name(code));
    if (!detail.empty()) {
        out += ": ";
        out += detail;
    }
    return out;
}

}  // namespace harbor
