// The base subject of RFC 5256 §2.1, which SORT SUBJECT and both THREAD algorithms compare:
// encoded-words decoded and whitespace collapsed, then "Re:", "Fwd:", "Fw:", "[blob]" leaders,
// "(fwd)" trailers and "[fwd: ...]" wrappers stripped in a loop (grammar: RFC 5256 §5
// subj-refwd, subj-blob, subj-leader, subj-trailer, subj-fwd).
// SECURITY: the subject is untrusted; decode_rfc2047 bounds it (64 KiB in, 256 KiB out) and
// every step only moves the ends of one view inward, so the work is linear in its length.
#pragma once

#include <string>
#include <string_view>

namespace harbor::imap {

struct BaseSubject {
    std::string text;  // UTF-8, case preserved; compare folded (casemap.hpp)
    // The subject had a subj-refwd or a "(fwd)" trailer or a "[fwd:" wrapper: a reply or a
    // forward, which REFERENCES threading (RFC 5256 §3, step 5.B) ranks below the original.
    bool reply_or_forward = false;
};

// `field_body` is the Subject field's raw value (after the colon, folding and encoded-words
// as written).
BaseSubject extract_base_subject(std::string_view field_body);

}  // namespace harbor::imap
