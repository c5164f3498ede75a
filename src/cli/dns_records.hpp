// The DNS records a local domain needs, printed as `harbor dns-records` and `harbor quickstart`
// print them. Defined in cmd_dns_records.cpp.
#pragma once

#include <ostream>
#include <string_view>

#include "cli/context.hpp"
#include "core/result.hpp"

namespace harbor::cli {

enum class RecordFormat { Zone, Json };

// Every record `domain` needs to receive and send mail through `host` (the MX target), in
// zone-file lines, each after a "; purpose" comment, or as one JSON array. Both names are
// normalised here (IDNA); NotFound if the domain is not local, Invalid for a bad name.
Result<void> print_dns_records(OpenDirectory& opened, std::string_view domain,
                               std::string_view host, RecordFormat format, std::ostream& out);

}  // namespace harbor::cli
