// SEARCH criteria (RFC 9051 §6.4.4, §9 search-key), with MODSEQ (RFC 7162 §3.1.5), OLDER and
// YOUNGER (RFC 5032 §3), the saved result "$" (RFC 5182 §2), SEARCH RETURN options (RFC 9051
// §6.4.4.1; SAVE: RFC 5182 §2), and the SORT criteria and THREAD algorithms of RFC 5256 §3.
// SECURITY: the key tree is built from untrusted input; its depth and size are limited by
// ParseLimits (command.hpp) so evaluation and destruction cannot recurse without bound.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imap/protocol/date_time.hpp"
#include "imap/protocol/sequence_set.hpp"

namespace harbor::imap {

enum class SearchKeyKind {
    And,  // all children match: a parenthesised list, or the top-level list
    All,
    Answered,
    Bcc,
    Before,
    Body,
    Cc,
    Deleted,
    Draft,
    Flagged,
    From,
    Header,
    Keyword,
    Larger,
    New,        // IMAP4rev1 (RFC 3501 §6.4.4)
    Not,
    Old,        // IMAP4rev1
    On,
    Or,
    Recent,     // IMAP4rev1
    Seen,
    SentBefore,
    SentOn,
    SentSince,
    Since,
    Smaller,
    Subject,
    Text,
    To,
    Uid,
    Unanswered,
    Undeleted,
    Undraft,
    Unflagged,
    Unkeyword,
    Unseen,
    SequenceSet,  // a bare sequence set (or "$")
    ModSeq,       // RFC 7162 §3.1.5
    Older,        // RFC 5032 §3: seconds
    Younger,
};

struct SearchKey {
    SearchKeyKind kind = SearchKeyKind::All;
    std::string value;             // astring of BCC/BODY/.../HEADER value; flag of KEYWORD
    std::string header_name;       // HEADER field-name
    Date date;                     // BEFORE/ON/SINCE/SENT*
    std::uint64_t number = 0;      // LARGER/SMALLER octets, MODSEQ value, OLDER/YOUNGER seconds
    SequenceSet set;               // SequenceSet and UID
    std::string modseq_entry;      // MODSEQ entry-name, e.g. "/flags/\\seen" (may be empty)
    std::string modseq_entry_type; // "priv", "shared" or "all" (lower case)
    std::vector<SearchKey> children;  // Not: 1, Or: 2, And: 1 or more
};

enum class SearchReturn { Min, Max, All, Count, Save };

enum class SortKey { Arrival, Cc, Date, From, Size, Subject, To, DisplayFrom, DisplayTo };

struct SortCriterion {
    SortKey key = SortKey::Arrival;
    bool reverse = false;
};

}  // namespace harbor::imap
