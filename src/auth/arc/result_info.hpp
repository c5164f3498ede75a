// How a chain validation is reported in this server's Authentication-Results (RFC 8617 §6):
// method "arc" with result none, pass or fail (§10.1), header.oldest-pass and smtp.remote-ip
// (§10.2), written by auth/results (RFC 8601).
#pragma once

#include <string_view>

#include "auth/arc/validate.hpp"
#include "auth/results/authentication_results.hpp"

namespace harbor::auth::arc {

// "arc=pass header.oldest-pass=0 smtp.remote-ip=192.0.2.1", "arc=fail reason=..." or
// "arc=none". header.oldest-pass is written for a pass only (§5.2 step 5 only runs then);
// smtp.remote-ip when `remote_ip` is not empty ("the address of the connection-initiating SMTP
// server, from which the message is being relayed", §6).
ResultInfo arc_result_info(const ChainValidation& validation, std::string_view remote_ip = {});

}  // namespace harbor::auth::arc
