// Text forms the CLI reads and prints: sizes ("2G"), roles, one-line account summaries, times,
// JSON.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/types.hpp"

namespace harbor::cli {

// "0", "1048576", "512K", "20M", "2G", "1T" (binary multiples). Invalid otherwise.
Result<std::uint64_t> parse_size(std::string_view text);
std::string format_size(std::uint64_t bytes);

Result<store::Role> parse_role(std::string_view text);
std::string_view role_name(store::Role role);

// "alice@example.org role=user quota=2G rights=imap,pop3,submission name=\"Alice\""
std::string format_account(const store::Account& account);

// Unix seconds as RFC 3339 UTC: "2026-11-29T08:15:00Z".
std::string format_utc(std::int64_t unix_seconds);

// A TXT record in zone-file form: `name. IN TXT ( "..." "..." )`, the text cut into
// character-strings of at most 255 octets (RFC 1035 §3.3.14), as DKIM keys need.
std::string format_zone_txt(std::string_view name, std::string_view text);

// JSON text for --json output, indented by 2. Stored text is not guaranteed UTF-8 (8-bit
// headers, envelope addresses): invalid bytes become U+FFFD rather than an exception.
std::string format_json(const nlohmann::json& value);

}  // namespace harbor::cli
