// Short random identifiers for connections (cid), messages (mid) and queue entries (qid), and
// random tokens (generated passwords, nonces) from OpenSSL's CSPRNG.
#pragma once

#include <cstddef>
#include <string>

namespace harbor {

// 12 characters of lower-case base32 (60 random bits): unique enough to grep logs by.
std::string new_id();

// `length` characters from [a-zA-Z0-9] without the look-alikes 0/O, 1/l/I (about 5.8 bits each).
std::string random_token(std::size_t length);

}  // namespace harbor
