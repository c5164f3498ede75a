// Mailbox commands with structured arguments: SELECT/EXAMINE with CONDSTORE and QRESYNC
// (RFC 9051 §6.3.2-§6.3.3; RFC 7162 §3.1.8, §3.2.5), CREATE with USE (RFC 6154 §3), LIST
// (RFC 9051 §6.3.9; LIST-EXTENDED RFC 5258 §3; LIST-STATUS RFC 5819 §2) and LSUB (RFC 3501
// §6.3.9), STATUS (RFC 9051 §6.3.11; SIZE, DELETED: RFC 9051; HIGHESTMODSEQ RFC 7162 §3.1.6;
// APPENDLIMIT RFC 7889 §4), APPEND (RFC 9051 §6.3.12; MULTIAPPEND RFC 3502 §6.3.11; literal8
// RFC 3516 §4.4; UTF8 RFC 6855 §4).
// SECURITY: see command.hpp; every list is bounded by ParseLimits.
#include <array>

#include "core/ascii.hpp"
#include "imap/protocol/command_parsers.hpp"

namespace harbor::imap::detail {
namespace {

bool is_list_char(char c)
{
    // list-char = ATOM-CHAR / list-wildcards / resp-specials (RFC 9051 §9)
    return is_atom_char(c) || c == '%' || c == '*' || c == ']';
}

// list-mailbox = 1*list-char / string
Result<std::string> parse_list_mailbox(Cursor& cursor)
{
    if (cursor.peek() == '"' || cursor.at_literal()) {
        return cursor.string();
    }
    const std::string_view word = cursor.take_while(is_list_char);
    if (word.empty()) {
        return syntax_error("expected a mailbox pattern");
    }
    return std::string(word);
}

// "(" [atom *(SP atom)] ")", upper-cased; an empty list is allowed.
Result<std::vector<std::string>> parse_option_list(Cursor& cursor, const ParseLimits& limits)
{
    HARBOR_TRY(cursor.expect('(', "'('"));
    std::vector<std::string> options;
    while (!cursor.consume(')')) {
        if (!options.empty()) {
            HARBOR_TRY(cursor.space());
        }
        std::string option = upper_atom(cursor);
        if (option.empty()) {
            return syntax_error("expected an option name");
        }
        if (options.size() >= limits.max_list_items) {
            return unexpected(Errc::Limit, "too many options");
        }
        options.push_back(std::move(option));
    }
    return options;
}

struct StatusName {
    std::string_view text;
    StatusItem item;
};

constexpr std::array<StatusName, 9> status_names = {{
    {"MESSAGES", StatusItem::Messages},
    {"UIDNEXT", StatusItem::UidNext},
    {"UIDVALIDITY", StatusItem::UidValidity},
    {"UNSEEN", StatusItem::Unseen},
    {"DELETED", StatusItem::Deleted},
    {"SIZE", StatusItem::Size},
    {"HIGHESTMODSEQ", StatusItem::HighestModSeq},
    {"RECENT", StatusItem::Recent},  // IMAP4rev1 (RFC 3501 §6.3.10)
    {"APPENDLIMIT", StatusItem::AppendLimit},
}};

// "(" status-att *(SP status-att) ")" (RFC 9051 §9)
Result<std::vector<StatusItem>> parse_status_items(Cursor& cursor, const ParseLimits& limits)
{
    HARBOR_TRY(cursor.expect('(', "'(' before status items"));
    std::vector<StatusItem> items;
    do {
        const std::string_view word = cursor.atom();
        bool known = false;
        for (const StatusName& name : status_names) {
            if (iequals(word, name.text)) {
                if (items.size() >= limits.max_list_items) {
                    return unexpected(Errc::Limit, "too many status items");
                }
                items.push_back(name.item);
                known = true;
            }
        }
        if (!known) {
            return syntax_error("unknown status item");
        }
    } while (cursor.consume(' '));
    HARBOR_TRY(cursor.expect(')', "')' after status items"));
    return items;
}

Result<SequenceSet> parse_set(Cursor& cursor, const ParseLimits& limits)
{
    Result<SequenceSet> set = parse_sequence_set_token(cursor, limits);
    if (set && set->saved_result) {
        return syntax_error("'$' not allowed here");
    }
    return set;
}

Result<QresyncParams> parse_qresync(Cursor& cursor, const ParseLimits& limits)
{
    QresyncParams params;
    HARBOR_TRY(cursor.space());
    HARBOR_TRY(cursor.expect('(', "'(' after QRESYNC"));
    Result<std::uint32_t> uid_validity = cursor.nz_number();
    if (!uid_validity) {
        return unexpected(std::move(uid_validity).error());
    }
    params.uid_validity = *uid_validity;
    HARBOR_TRY(cursor.space());
    Result<std::uint64_t> mod_seq = cursor.mod_sequence_value(false);
    if (!mod_seq) {
        return unexpected(std::move(mod_seq).error());
    }
    params.mod_seq = *mod_seq;
    if (cursor.consume(' ')) {
        if (cursor.peek() != '(') {
            Result<SequenceSet> known = parse_set(cursor, limits);
            if (!known) {
                return unexpected(std::move(known).error());
            }
            params.known_uids = std::move(*known);
            if (!cursor.consume(' ')) {
                HARBOR_TRY(cursor.expect(')', "')' after QRESYNC parameters"));
                return params;
            }
        }
        HARBOR_TRY(cursor.expect('(', "'(' before seq-match-data"));
        Result<SequenceSet> seqs = parse_set(cursor, limits);
        if (!seqs) {
            return unexpected(std::move(seqs).error());
        }
        HARBOR_TRY(cursor.space());
        Result<SequenceSet> uids = parse_set(cursor, limits);
        if (!uids) {
            return unexpected(std::move(uids).error());
        }
        HARBOR_TRY(cursor.expect(')', "')' after seq-match-data"));
        params.match_sequence_numbers = std::move(*seqs);
        params.match_uids = std::move(*uids);
    }
    HARBOR_TRY(cursor.expect(')', "')' after QRESYNC parameters"));
    return params;
}

}  // namespace

Result<Arguments> parse_select_args(Cursor& cursor, const ParseLimits& limits)
{
    SelectArgs args;
    HARBOR_TRY(cursor.space());
    Result<std::string> mailbox = parse_mailbox(cursor);
    if (!mailbox) {
        return unexpected(std::move(mailbox).error());
    }
    args.mailbox = std::move(*mailbox);
    if (cursor.consume(' ')) {
        // select-params = SP "(" select-param *(SP select-param) ")" (RFC 4466 §2.1)
        HARBOR_TRY(cursor.expect('(', "'(' before select parameters"));
        do {
            if (cursor.consume_word("CONDSTORE") && !args.condstore) {
                args.condstore = true;
            } else if (cursor.consume_word("QRESYNC") && !args.qresync) {
                Result<QresyncParams> qresync = parse_qresync(cursor, limits);
                if (!qresync) {
                    return unexpected(std::move(qresync).error());
                }
                args.qresync = std::move(*qresync);
            } else {
                return syntax_error("unknown or repeated select parameter");
            }
        } while (cursor.consume(' '));
        HARBOR_TRY(cursor.expect(')', "')' after select parameters"));
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_create_args(Cursor& cursor, const ParseLimits& limits)
{
    CreateArgs args;
    HARBOR_TRY(cursor.space());
    Result<std::string> mailbox = parse_mailbox(cursor);
    if (!mailbox) {
        return unexpected(std::move(mailbox).error());
    }
    args.mailbox = std::move(*mailbox);
    if (cursor.consume(' ')) {
        // create-param = "USE" SP "(" [use-attr *(SP use-attr)] ")" (RFC 6154 §6)
        HARBOR_TRY(cursor.expect('(', "'(' before create parameters"));
        if (!cursor.consume_word("USE")) {
            return syntax_error("unknown create parameter");
        }
        HARBOR_TRY(cursor.space());
        HARBOR_TRY(cursor.expect('(', "'(' after USE"));
        while (!cursor.consume(')')) {
            if (!args.special_use.empty()) {
                HARBOR_TRY(cursor.space());
            }
            if (!cursor.consume('\\')) {
                return syntax_error("special-use attribute must start with '\\'");
            }
            const std::string_view attr = cursor.atom();
            if (attr.empty()) {
                return syntax_error("empty special-use attribute");
            }
            if (args.special_use.size() >= limits.max_list_items) {
                return unexpected(Errc::Limit, "too many special-use attributes");
            }
            args.special_use.push_back("\\" + std::string(attr));
        }
        HARBOR_TRY(cursor.expect(')', "')' after create parameters"));
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_list_args(Cursor& cursor, const ParseLimits& limits, bool lsub)
{
    ListArgs args;
    HARBOR_TRY(cursor.space());
    if (!lsub && cursor.peek() == '(') {
        Result<std::vector<std::string>> options = parse_option_list(cursor, limits);
        if (!options) {
            return unexpected(std::move(options).error());
        }
        args.select_options = std::move(*options);
        args.extended_syntax = true;
        HARBOR_TRY(cursor.space());
    }
    Result<std::string> reference = parse_mailbox(cursor);
    if (!reference) {
        return unexpected(std::move(reference).error());
    }
    args.reference = std::move(*reference);
    HARBOR_TRY(cursor.space());
    if (!lsub && cursor.consume('(')) {
        // patterns = "(" list-mailbox *(SP list-mailbox) ")" (RFC 5258 §6)
        args.extended_syntax = true;
        do {
            Result<std::string> pattern = parse_list_mailbox(cursor);
            if (!pattern) {
                return unexpected(std::move(pattern).error());
            }
            if (args.patterns.size() >= limits.max_list_items) {
                return unexpected(Errc::Limit, "too many patterns");
            }
            args.patterns.push_back(std::move(*pattern));
        } while (cursor.consume(' '));
        HARBOR_TRY(cursor.expect(')', "')' after patterns"));
    } else {
        Result<std::string> pattern = parse_list_mailbox(cursor);
        if (!pattern) {
            return unexpected(std::move(pattern).error());
        }
        args.patterns.push_back(std::move(*pattern));
    }
    if (!lsub && cursor.consume(' ')) {
        // list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
        if (!cursor.consume_word("RETURN")) {
            return syntax_error("expected RETURN");
        }
        args.extended_syntax = true;
        HARBOR_TRY(cursor.space());
        HARBOR_TRY(cursor.expect('(', "'(' after RETURN"));
        bool first = true;
        while (!cursor.consume(')')) {
            if (!first) {
                HARBOR_TRY(cursor.space());
            }
            first = false;
            std::string option = upper_atom(cursor);
            if (option == "STATUS" && !args.return_status_requested) {
                HARBOR_TRY(cursor.space());  // status-option (RFC 5819 §6)
                Result<std::vector<StatusItem>> items = parse_status_items(cursor, limits);
                if (!items) {
                    return unexpected(std::move(items).error());
                }
                args.return_status = std::move(*items);
                args.return_status_requested = true;
                continue;
            }
            if (option.empty() || option == "STATUS") {
                return syntax_error("invalid return option");
            }
            if (args.return_options.size() >= limits.max_list_items) {
                return unexpected(Errc::Limit, "too many return options");
            }
            args.return_options.push_back(std::move(option));
        }
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_status_args(Cursor& cursor, const ParseLimits& limits)
{
    StatusArgs args;
    HARBOR_TRY(cursor.space());
    Result<std::string> mailbox = parse_mailbox(cursor);
    if (!mailbox) {
        return unexpected(std::move(mailbox).error());
    }
    args.mailbox = std::move(*mailbox);
    HARBOR_TRY(cursor.space());
    Result<std::vector<StatusItem>> items = parse_status_items(cursor, limits);
    if (!items) {
        return unexpected(std::move(items).error());
    }
    args.items = std::move(*items);
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_append_args(Cursor& cursor, const ParseLimits& limits)
{
    AppendArgs args;
    HARBOR_TRY(cursor.space());
    Result<std::string> mailbox = parse_mailbox(cursor);
    if (!mailbox) {
        return unexpected(std::move(mailbox).error());
    }
    args.mailbox = std::move(*mailbox);
    // 1*append-message; append-message = append-opts SP append-data (RFC 3502 §6.3.11):
    // [SP flag-list] [SP date-time] SP (literal / literal8 / "UTF8" SP "(" literal8 ")").
    while (cursor.consume(' ')) {
        if (args.messages.size() >= limits.max_append_messages) {
            return unexpected(Errc::Limit, "too many messages in APPEND");
        }
        AppendMessage message;
        if (cursor.peek() == '(') {
            Result<std::vector<std::string>> flags = parse_flag_list(cursor, limits);
            if (!flags) {
                return unexpected(std::move(flags).error());
            }
            message.flags = std::move(*flags);
            HARBOR_TRY(cursor.space());
        }
        if (cursor.peek() == '"') {
            Result<std::string> text = cursor.quoted();
            if (!text) {
                return unexpected(std::move(text).error());
            }
            Result<DateTime> date = parse_date_time(*text);
            if (!date) {
                return unexpected(std::move(date).error());
            }
            message.internal_date = *date;
            HARBOR_TRY(cursor.space());
        }
        bool utf8 = false;
        if (cursor.consume_word("UTF8")) {
            HARBOR_TRY(cursor.space());
            HARBOR_TRY(cursor.expect('(', "'(' after UTF8"));
            utf8 = true;
        }
        if (!cursor.at_literal()) {
            return syntax_error("expected the message as a literal");
        }
        message.binary = cursor.next_literal_is_binary();
        if (utf8 && !message.binary) {
            return syntax_error("UTF8 needs a literal8");  // RFC 6855 §4
        }
        message.data = cursor.take_literal();
        if (!message.binary && message.data.find('\0') != std::string::npos) {
            return syntax_error("NUL in literal; use literal8");  // RFC 3516 §4.4
        }
        if (utf8) {
            HARBOR_TRY(cursor.expect(')', "')' after UTF8 literal"));
        }
        args.messages.push_back(std::move(message));
    }
    if (args.messages.empty()) {
        return syntax_error("APPEND needs a message");
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

}  // namespace harbor::imap::detail
