// FETCH and STORE arguments: RFC 9051 §6.4.5, §6.4.6 and §9 (fetch, fetch-att, section,
// section-spec, section-binary, partial, store, store-att-flags); RFC 7162 §3.1.3
// (UNCHANGEDSINCE), §3.1.4.1 (CHANGEDSINCE, MODSEQ), §3.2.6 (VANISHED); RFC 3516 §4.2
// (BINARY, BINARY.PEEK, BINARY.SIZE); RFC 3501 §6.4.5 (RFC822, RFC822.HEADER, RFC822.TEXT).
// SECURITY: see command.hpp; the item list, section part depth and header field list are
// bounded by ParseLimits::max_list_items.
#include "core/ascii.hpp"
#include "imap/protocol/command_parsers.hpp"

namespace harbor::imap::detail {
namespace {

bool is_item_char(char c)
{
    return ascii_upper(c) != ascii_lower(c) || (c >= '0' && c <= '9') || c == '.';
}

bool is_section_word_char(char c)
{
    return ascii_upper(c) != ascii_lower(c) || c == '.';
}

// section-part = nz-number *("." nz-number). Returns true when it ended with the "." that
// introduces section-text ("1.2.MIME").
Result<bool> parse_section_part(Cursor& cursor, Section& section, const ParseLimits& limits)
{
    while (true) {
        Result<std::uint32_t> part = cursor.nz_number();
        if (!part) {
            return unexpected(std::move(part).error());
        }
        if (section.part.size() >= limits.max_list_items) {
            return unexpected(Errc::Limit, "section part too deep");
        }
        section.part.push_back(*part);
        if (!cursor.consume('.')) {
            return false;
        }
        if (!is_ascii_digit(cursor.peek())) {
            return true;  // "." section-text follows; the caller reads the word
        }
    }
}

Result<std::vector<std::string>> parse_header_list(Cursor& cursor, const ParseLimits& limits)
{
    // header-list = "(" header-fld-name *(SP header-fld-name) ")"
    HARBOR_TRY(cursor.expect('(', "'(' before header list"));
    std::vector<std::string> fields;
    do {
        Result<std::string> field = cursor.astring();
        if (!field) {
            return unexpected(std::move(field).error());
        }
        if (fields.size() >= limits.max_list_items) {
            return unexpected(Errc::Limit, "too many header fields");
        }
        for (char& c : *field) {
            c = ascii_upper(c);
        }
        fields.push_back(std::move(*field));
    } while (cursor.consume(' '));
    HARBOR_TRY(cursor.expect(')', "')' after header list"));
    return fields;
}

// section = "[" [section-spec] "]", the '[' already consumed.
Result<Section> parse_section(Cursor& cursor, const ParseLimits& limits)
{
    Section section;
    if (cursor.consume(']')) {
        return section;
    }
    bool has_part = false;
    if (is_ascii_digit(cursor.peek())) {
        Result<bool> text_follows = parse_section_part(cursor, section, limits);
        if (!text_follows) {
            return unexpected(std::move(text_follows).error());
        }
        has_part = true;
        if (!*text_follows) {
            HARBOR_TRY(cursor.expect(']', "']' after section"));
            return section;
        }
    }
    std::string word(cursor.take_while(is_section_word_char));
    for (char& c : word) {
        c = ascii_upper(c);
    }
    if (word == "HEADER") {
        section.text = SectionText::Header;
    } else if (word == "TEXT") {
        section.text = SectionText::Text;
    } else if (word == "MIME" && has_part) {
        section.text = SectionText::Mime;  // section-text: MIME only after a part (§9)
    } else if (word == "HEADER.FIELDS" || word == "HEADER.FIELDS.NOT") {
        section.text = word == "HEADER.FIELDS" ? SectionText::HeaderFields
                                               : SectionText::HeaderFieldsNot;
        HARBOR_TRY(cursor.space());
        Result<std::vector<std::string>> fields = parse_header_list(cursor, limits);
        if (!fields) {
            return unexpected(std::move(fields).error());
        }
        section.fields = std::move(*fields);
    } else {
        return syntax_error("invalid section");
    }
    HARBOR_TRY(cursor.expect(']', "']' after section"));
    return section;
}

// section-binary = "[" [section-part] "]", the '[' already consumed.
Result<Section> parse_binary_section(Cursor& cursor, const ParseLimits& limits)
{
    Section section;
    if (is_ascii_digit(cursor.peek())) {
        Result<bool> text_follows = parse_section_part(cursor, section, limits);
        if (!text_follows) {
            return unexpected(std::move(text_follows).error());
        }
        if (*text_follows) {
            return syntax_error("section text not allowed in BINARY");
        }
    }
    HARBOR_TRY(cursor.expect(']', "']' after binary section"));
    return section;
}

// partial = "<" number64 "." nz-number64 ">"
Result<std::optional<Partial>> parse_partial(Cursor& cursor)
{
    if (!cursor.consume('<')) {
        return std::optional<Partial>();
    }
    Result<std::uint64_t> offset = cursor.number64();
    if (!offset) {
        return unexpected(std::move(offset).error());
    }
    HARBOR_TRY(cursor.expect('.', "'.' in partial"));
    Result<std::uint64_t> length = cursor.number64();
    if (!length) {
        return unexpected(std::move(length).error());
    }
    if (*length == 0) {
        return syntax_error("partial length must be non-zero");
    }
    HARBOR_TRY(cursor.expect('>', "'>' after partial"));
    return std::optional<Partial>(Partial{*offset, *length});
}

Result<FetchAttribute> parse_fetch_att(Cursor& cursor, const ParseLimits& limits)
{
    std::string name(cursor.take_while(is_item_char));
    for (char& c : name) {
        c = ascii_upper(c);
    }
    FetchAttribute att;
    const auto simple = [&](FetchItem item) {
        att.item = item;
        return att;
    };
    if (name == "ENVELOPE") { return simple(FetchItem::Envelope); }
    if (name == "FLAGS") { return simple(FetchItem::Flags); }
    if (name == "INTERNALDATE") { return simple(FetchItem::InternalDate); }
    if (name == "RFC822.SIZE") { return simple(FetchItem::Rfc822Size); }
    if (name == "RFC822") { return simple(FetchItem::Rfc822); }
    if (name == "RFC822.HEADER") { return simple(FetchItem::Rfc822Header); }
    if (name == "RFC822.TEXT") { return simple(FetchItem::Rfc822Text); }
    if (name == "BODYSTRUCTURE") { return simple(FetchItem::BodyStructure); }
    if (name == "UID") { return simple(FetchItem::Uid); }
    if (name == "MODSEQ") { return simple(FetchItem::ModSeq); }
    const bool body = name == "BODY" || name == "BODY.PEEK";
    const bool binary = name == "BINARY" || name == "BINARY.PEEK" || name == "BINARY.SIZE";
    if (name == "BODY" && cursor.peek() != '[') {
        return simple(FetchItem::Body);
    }
    if (!body && !binary) {
        return syntax_error("unknown fetch item");
    }
    HARBOR_TRY(cursor.expect('[', "'[' after " + name));
    att.peek = name == "BODY.PEEK" || name == "BINARY.PEEK";
    Result<Section> section =
        body ? parse_section(cursor, limits) : parse_binary_section(cursor, limits);
    if (!section) {
        return unexpected(std::move(section).error());
    }
    att.section = std::move(*section);
    att.item = body ? FetchItem::BodySection
                    : (name == "BINARY.SIZE" ? FetchItem::BinarySize : FetchItem::Binary);
    if (att.item != FetchItem::BinarySize) {
        Result<std::optional<Partial>> partial = parse_partial(cursor);
        if (!partial) {
            return unexpected(std::move(partial).error());
        }
        att.partial = *partial;
    }
    return att;
}

void add_macro(std::vector<FetchAttribute>& out, std::initializer_list<FetchItem> items)
{
    for (const FetchItem item : items) {
        FetchAttribute att;
        att.item = item;
        out.push_back(att);
    }
}

// fetch-modifier = "CHANGEDSINCE" SP mod-sequence-value / "VANISHED" (RFC 7162 §7)
Result<void> parse_fetch_modifiers(Cursor& cursor, FetchArgs& args)
{
    HARBOR_TRY(cursor.expect('(', "'(' before fetch modifiers"));
    do {
        if (cursor.consume_word("CHANGEDSINCE") && !args.changed_since) {
            HARBOR_TRY(cursor.space());
            Result<std::uint64_t> value = cursor.mod_sequence_value(false);
            if (!value) {
                return unexpected(std::move(value).error());
            }
            args.changed_since = *value;
        } else if (cursor.consume_word("VANISHED") && !args.vanished) {
            args.vanished = true;
        } else {
            return syntax_error("unknown or repeated fetch modifier");
        }
    } while (cursor.consume(' '));
    HARBOR_TRY(cursor.expect(')', "')' after fetch modifiers"));
    if (args.vanished && !args.changed_since) {
        return syntax_error("VANISHED needs CHANGEDSINCE");  // RFC 7162 §3.2.6
    }
    return ok();
}

}  // namespace

Result<Arguments> parse_fetch_args(Cursor& cursor, const ParseLimits& limits)
{
    FetchArgs args;
    HARBOR_TRY(cursor.space());
    Result<SequenceSet> set = parse_sequence_set_token(cursor, limits);
    if (!set) {
        return unexpected(std::move(set).error());
    }
    args.set = std::move(*set);
    HARBOR_TRY(cursor.space());
    // Macros (RFC 9051 §6.4.5): ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE; FAST = FLAGS
    // INTERNALDATE RFC822.SIZE; FULL = ALL BODY.
    if (cursor.consume_word("ALL")) {
        add_macro(args.attributes, {FetchItem::Flags, FetchItem::InternalDate,
                                    FetchItem::Rfc822Size, FetchItem::Envelope});
    } else if (cursor.consume_word("FAST")) {
        add_macro(args.attributes,
                  {FetchItem::Flags, FetchItem::InternalDate, FetchItem::Rfc822Size});
    } else if (cursor.consume_word("FULL")) {
        add_macro(args.attributes, {FetchItem::Flags, FetchItem::InternalDate,
                                    FetchItem::Rfc822Size, FetchItem::Envelope, FetchItem::Body});
    } else if (cursor.consume('(')) {
        do {
            Result<FetchAttribute> att = parse_fetch_att(cursor, limits);
            if (!att) {
                return unexpected(std::move(att).error());
            }
            if (args.attributes.size() >= limits.max_list_items) {
                return unexpected(Errc::Limit, "too many fetch items");
            }
            args.attributes.push_back(std::move(*att));
        } while (cursor.consume(' '));
        HARBOR_TRY(cursor.expect(')', "')' after fetch items"));
    } else {
        Result<FetchAttribute> att = parse_fetch_att(cursor, limits);
        if (!att) {
            return unexpected(std::move(att).error());
        }
        args.attributes.push_back(std::move(*att));
    }
    if (cursor.consume(' ')) {
        HARBOR_TRY(parse_fetch_modifiers(cursor, args));
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_store_args(Cursor& cursor, const ParseLimits& limits)
{
    StoreArgs args;
    HARBOR_TRY(cursor.space());
    Result<SequenceSet> set = parse_sequence_set_token(cursor, limits);
    if (!set) {
        return unexpected(std::move(set).error());
    }
    args.set = std::move(*set);
    HARBOR_TRY(cursor.space());
    if (cursor.consume('(')) {
        // store-modifier = "UNCHANGEDSINCE" SP mod-sequence-valzer (RFC 7162 §7)
        if (!cursor.consume_word("UNCHANGEDSINCE")) {
            return syntax_error("unknown store modifier");
        }
        HARBOR_TRY(cursor.space());
        Result<std::uint64_t> value = cursor.mod_sequence_value(true);
        if (!value) {
            return unexpected(std::move(value).error());
        }
        args.unchanged_since = *value;
        HARBOR_TRY(cursor.expect(')', "')' after store modifiers"));
        HARBOR_TRY(cursor.space());
    }
    if (cursor.consume('+')) {
        args.mode = StoreMode::Add;
    } else if (cursor.consume('-')) {
        args.mode = StoreMode::Remove;
    }
    if (cursor.consume_word("FLAGS.SILENT")) {
        args.silent = true;
    } else if (!cursor.consume_word("FLAGS")) {
        return syntax_error("expected FLAGS, +FLAGS or -FLAGS");
    }
    HARBOR_TRY(cursor.space());
    if (cursor.peek() == '(') {
        Result<std::vector<std::string>> flags = parse_flag_list(cursor, limits);
        if (!flags) {
            return unexpected(std::move(flags).error());
        }
        args.flags = std::move(*flags);
    } else {
        do {
            Result<std::string> flag = parse_flag(cursor);
            if (!flag) {
                return unexpected(std::move(flag).error());
            }
            if (args.flags.size() >= limits.max_list_items) {
                return unexpected(Errc::Limit, "too many flags");
            }
            args.flags.push_back(std::move(*flag));
        } while (cursor.consume(' '));
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

}  // namespace harbor::imap::detail
