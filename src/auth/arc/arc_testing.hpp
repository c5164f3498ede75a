// Test-only: a synchronous validate_chain over dkim::StaticZone (key records served from
// memory), for the unit tests and arc_tool (tests/differential/arc_crosscheck.py). Not part
// of harbor_auth_arc.
#pragma once

#include <string_view>

#include "auth/arc/validate.hpp"
#include "auth/dkim/static_zone.hpp"

namespace harbor::auth::arc {

// Runs validate_chain to completion on a private io_context.
ChainValidation validate_with_zone(dkim::StaticZone& zone, std::string_view message,
                                   const ValidateOptions& options = {});

}  // namespace harbor::auth::arc
