// The header half of a DKIM hash (RFC 6376 §3.7 hash step 2): the fields named by h=, chosen
// bottom-up when a name repeats (§5.4.2), canonicalized, then the signature field itself with
// its b= value removed and no final CRLF. ARC's AMS hashes the same way (RFC 8617 §4.1.2).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/dkim/signature.hpp"
#include "mime/header.hpp"

namespace harbor::auth::dkim {

// The field each name of `names` selects, in order: the last instance not yet taken, walking
// up the header block; nullptr when none is left ("nonexistent header fields ... are treated
// as the null input", §3.5 h=). Names compare ASCII case-insensitively.
std::vector<const mime::HeaderField*> select_headers(const std::vector<mime::HeaderField>& fields,
                                                     const std::vector<std::string>& names);

// The exact octets hashed in step 2: the selected fields (views into `message`) canonicalized
// with CRLF each, then `signature_field` (raw, its b= value already removed, no line end)
// canonicalized without CRLF.
std::string header_hash_input(std::string_view message,
                              const std::vector<const mime::HeaderField*>& selected, Canon canon,
                              std::string_view signature_field);

// The raw bytes of a field, from its name through its final line end.
inline std::string_view raw_field(std::string_view message, const mime::HeaderField& field)
{
    return message.substr(field.offset, field.length);
}

}  // namespace harbor::auth::dkim
