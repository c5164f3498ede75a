// Short random identifiers for connections (cid), messages (mid) and queue entries (qid).
#pragma once

#include <string>

namespace harbor {

// 12 characters of lower-case base32 (60 random bits): unique enough to grep logs by.
std::string new_id();

}  // namespace harbor
