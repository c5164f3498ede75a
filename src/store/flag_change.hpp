// What a STORE (RFC 9051 §6.4.6) makes of a message's flags: the store applies it in its
// transaction, and an IMAP session applies it to its own copy to tell whether the flags the
// store answered with hold a change from elsewhere (§6.4.6: such a change is announced even
// under .SILENT). Flags compare without regard to case (§2.3.2).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace harbor::store {

// The same flags, in any order and case.
bool same_flags(const std::vector<std::string>& a, const std::vector<std::string>& b);

// The flags after `mode` with `flags` on `current`, or nothing when they would not change.
std::optional<std::vector<std::string>> apply_flags(const std::vector<std::string>& current,
                                                    FlagMode mode,
                                                    const std::vector<std::string>& flags);

}  // namespace harbor::store
