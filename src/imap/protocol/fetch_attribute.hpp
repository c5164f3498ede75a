// FETCH data items (RFC 9051 §6.4.5, §9 fetch-att; BINARY: RFC 3516 §4.2 / RFC 9051; MODSEQ:
// RFC 7162 §3.1.4.1) and STORE actions (RFC 9051 §6.4.6; UNCHANGEDSINCE: RFC 7162 §3.1.3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace harbor::imap {

enum class FetchItem {
    Envelope,
    Flags,
    InternalDate,
    Rfc822Size,
    Rfc822,        // IMAP4rev1 (RFC 3501 §6.4.5): BODY[]
    Rfc822Header,  // BODY.PEEK[HEADER]
    Rfc822Text,    // BODY[TEXT]
    Body,          // BODYSTRUCTURE without extension data
    BodyStructure,
    BodySection,   // BODY[section]<partial>, BODY.PEEK[...]
    Binary,        // BINARY[section-binary]<partial>, BINARY.PEEK[...]
    BinarySize,    // BINARY.SIZE[section-binary]
    Uid,
    ModSeq,
};

enum class SectionText { None, Header, HeaderFields, HeaderFieldsNot, Text, Mime };

// section-spec (RFC 9051 §9): a part path, then HEADER / HEADER.FIELDS[.NOT] (list) / TEXT /
// MIME (MIME only after a part number).
struct Section {
    std::vector<std::uint32_t> part;  // "1.2.3"; empty for the whole message
    SectionText text = SectionText::None;
    std::vector<std::string> fields;  // HEADER.FIELDS[.NOT] names, upper case

    bool operator==(const Section&) const = default;
};

struct Partial {
    std::uint64_t offset = 0;  // "<" number64 "." nz-number64 ">" (RFC 9051 §9 partial)
    std::uint64_t length = 1;

    bool operator==(const Partial&) const = default;
};

struct FetchAttribute {
    FetchItem item = FetchItem::Flags;
    bool peek = false;  // BODY.PEEK / BINARY.PEEK: do not set \Seen (RFC 9051 §6.4.5)
    Section section;
    std::optional<Partial> partial;

    bool operator==(const FetchAttribute&) const = default;
};

enum class StoreMode { Replace, Add, Remove };  // FLAGS, +FLAGS, -FLAGS

}  // namespace harbor::imap
