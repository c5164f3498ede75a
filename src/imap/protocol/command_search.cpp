// SEARCH, SORT and THREAD arguments: RFC 9051 §6.4.4 and §9 (search, search-key,
// search-return-opts, search-program); RFC 4731 §3.1 (ESEARCH RETURN options); RFC 5182 §2
// (SAVE and "$"); RFC 7162 §3.1.5 (MODSEQ); RFC 5032 §3 (OLDER, YOUNGER); RFC 5256 §3 (SORT,
// THREAD); RFC 5957 §3 (DISPLAYFROM, DISPLAYTO).
// SECURITY: the only recursive grammar in IMAP. Depth is bounded by
// ParseLimits::max_search_depth and the number of keys by max_search_keys, checked before each
// key is built, so neither the parser nor the tree's destructor can exhaust the stack.
#include <array>

#include "core/ascii.hpp"
#include "imap/protocol/command_parsers.hpp"

namespace harbor::imap::detail {
namespace {

enum class Operand { None, AString, Date, Number, Flag, Header, Set, ModSeq, NzNumber, Key, Keys2 };

struct KeyName {
    std::string_view text;
    SearchKeyKind kind;
    Operand operand;
};

constexpr std::array<KeyName, 38> key_names = {{
    {"ALL", SearchKeyKind::All, Operand::None},
    {"ANSWERED", SearchKeyKind::Answered, Operand::None},
    {"BCC", SearchKeyKind::Bcc, Operand::AString},
    {"BEFORE", SearchKeyKind::Before, Operand::Date},
    {"BODY", SearchKeyKind::Body, Operand::AString},
    {"CC", SearchKeyKind::Cc, Operand::AString},
    {"DELETED", SearchKeyKind::Deleted, Operand::None},
    {"DRAFT", SearchKeyKind::Draft, Operand::None},
    {"FLAGGED", SearchKeyKind::Flagged, Operand::None},
    {"FROM", SearchKeyKind::From, Operand::AString},
    {"HEADER", SearchKeyKind::Header, Operand::Header},
    {"KEYWORD", SearchKeyKind::Keyword, Operand::Flag},
    {"LARGER", SearchKeyKind::Larger, Operand::Number},
    {"NEW", SearchKeyKind::New, Operand::None},
    {"NOT", SearchKeyKind::Not, Operand::Key},
    {"OLD", SearchKeyKind::Old, Operand::None},
    {"ON", SearchKeyKind::On, Operand::Date},
    {"OR", SearchKeyKind::Or, Operand::Keys2},
    {"RECENT", SearchKeyKind::Recent, Operand::None},
    {"SEEN", SearchKeyKind::Seen, Operand::None},
    {"SENTBEFORE", SearchKeyKind::SentBefore, Operand::Date},
    {"SENTON", SearchKeyKind::SentOn, Operand::Date},
    {"SENTSINCE", SearchKeyKind::SentSince, Operand::Date},
    {"SINCE", SearchKeyKind::Since, Operand::Date},
    {"SMALLER", SearchKeyKind::Smaller, Operand::Number},
    {"SUBJECT", SearchKeyKind::Subject, Operand::AString},
    {"TEXT", SearchKeyKind::Text, Operand::AString},
    {"TO", SearchKeyKind::To, Operand::AString},
    {"UID", SearchKeyKind::Uid, Operand::Set},
    {"UNANSWERED", SearchKeyKind::Unanswered, Operand::None},
    {"UNDELETED", SearchKeyKind::Undeleted, Operand::None},
    {"UNDRAFT", SearchKeyKind::Undraft, Operand::None},
    {"UNFLAGGED", SearchKeyKind::Unflagged, Operand::None},
    {"UNKEYWORD", SearchKeyKind::Unkeyword, Operand::Flag},
    {"UNSEEN", SearchKeyKind::Unseen, Operand::None},
    {"MODSEQ", SearchKeyKind::ModSeq, Operand::ModSeq},
    {"OLDER", SearchKeyKind::Older, Operand::NzNumber},
    {"YOUNGER", SearchKeyKind::Younger, Operand::NzNumber},
}};

class SearchParser {
public:
    SearchParser(Cursor& cursor, const ParseLimits& limits) : cursor_(cursor), limits_(limits) {}

    // search-key *(SP search-key), wrapped in an And.
    Result<SearchKey> parse_program()
    {
        SearchKey all{};
        all.kind = SearchKeyKind::And;
        do {
            Result<SearchKey> key = parse_key(1);
            if (!key) {
                return key;
            }
            all.children.push_back(std::move(*key));
        } while (cursor_.consume(' '));
        return all;
    }

private:
    Result<SearchKey> parse_key(std::size_t depth)
    {
        if (depth > limits_.max_search_depth) {
            return unexpected(Errc::Limit, "search criteria nested too deeply");
        }
        if (++keys_ > limits_.max_search_keys) {
            return unexpected(Errc::Limit, "too many search keys");
        }
        SearchKey key;
        const char first = cursor_.peek();
        if (first == '(') {
            cursor_.consume('(');
            key.kind = SearchKeyKind::And;
            do {
                Result<SearchKey> child = parse_key(depth + 1);
                if (!child) {
                    return child;
                }
                key.children.push_back(std::move(*child));
            } while (cursor_.consume(' '));
            HARBOR_TRY(cursor_.expect(')', "')' after search keys"));
            return key;
        }
        if ((first >= '0' && first <= '9') || first == '*' || first == '$') {
            Result<SequenceSet> set = parse_sequence_set_token(cursor_, limits_);
            if (!set) {
                return unexpected(std::move(set).error());
            }
            key.kind = SearchKeyKind::SequenceSet;
            key.set = std::move(*set);
            return key;
        }
        const std::string_view word = cursor_.atom();
        const KeyName* found = nullptr;
        for (const KeyName& name : key_names) {
            if (iequals(word, name.text)) {
                found = &name;
                break;
            }
        }
        if (found == nullptr) {
            return syntax_error("unknown search key");
        }
        key.kind = found->kind;
        if (found->operand != Operand::None) {
            HARBOR_TRY(cursor_.space());
        }
        HARBOR_TRY(parse_operand(key, found->operand, depth));
        return key;
    }

    Result<void> parse_operand(SearchKey& key, Operand operand, std::size_t depth)
    {
        switch (operand) {
        case Operand::None:
            return ok();
        case Operand::AString:
            return assign(key.value, cursor_.astring());
        case Operand::Flag:
            return assign(key.value, parse_flag(cursor_));
        case Operand::Header: {
            HARBOR_TRY(assign(key.header_name, cursor_.astring()));
            HARBOR_TRY(cursor_.space());
            return assign(key.value, cursor_.astring());
        }
        case Operand::Date: {
            // date = date-text / DQUOTE date-text DQUOTE
            std::string text;
            if (cursor_.peek() == '"') {
                HARBOR_TRY(assign(text, cursor_.quoted()));
            } else {
                text = std::string(cursor_.atom());
            }
            Result<Date> date = parse_date(text);
            if (!date) {
                return unexpected(std::move(date).error());
            }
            key.date = *date;
            return ok();
        }
        case Operand::Number:
            return assign(key.number, cursor_.number64());
        case Operand::NzNumber: {
            Result<std::uint32_t> number = cursor_.nz_number();
            if (!number) {
                return unexpected(std::move(number).error());
            }
            key.number = *number;
            return ok();
        }
        case Operand::Set:
            return assign(key.set, parse_sequence_set_token(cursor_, limits_));
        case Operand::ModSeq:
            return parse_modseq(key);
        case Operand::Key: {
            Result<SearchKey> child = parse_key(depth + 1);
            if (!child) {
                return unexpected(std::move(child).error());
            }
            key.children.push_back(std::move(*child));
            return ok();
        }
        case Operand::Keys2:
            for (int i = 0; i < 2; ++i) {
                if (i == 1) {
                    HARBOR_TRY(cursor_.space());
                }
                Result<SearchKey> child = parse_key(depth + 1);
                if (!child) {
                    return unexpected(std::move(child).error());
                }
                key.children.push_back(std::move(*child));
            }
            return ok();
        }
        return syntax_error("bad search key");
    }

    // search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer;
    // search-modseq-ext = SP entry-name SP entry-type-req (RFC 7162 §7).
    Result<void> parse_modseq(SearchKey& key)
    {
        if (cursor_.peek() == '"') {
            HARBOR_TRY(assign(key.modseq_entry, cursor_.quoted()));
            HARBOR_TRY(cursor_.space());
            std::string type = upper_atom(cursor_);
            if (type != "PRIV" && type != "SHARED" && type != "ALL") {
                return syntax_error("invalid MODSEQ entry type");
            }
            key.modseq_entry_type = ascii_lowercase(type);
            HARBOR_TRY(cursor_.space());
        }
        return assign(key.number, cursor_.mod_sequence_value(true));
    }

    template <typename T, typename R>
    static Result<void> assign(T& target, R&& result)
    {
        if (!result) {
            return unexpected(std::move(result).error());
        }
        target = std::move(*result);
        return ok();
    }

    Cursor& cursor_;
    const ParseLimits& limits_;
    std::size_t keys_ = 0;
};

// charset = atom / quoted (RFC 9051 §9); Harbor accepts any astring and lets the session
// answer [BADCHARSET].
Result<std::string> parse_charset(Cursor& cursor)
{
    Result<std::string> charset = cursor.astring();
    if (charset) {
        for (char& c : *charset) {
            c = ascii_upper(c);
        }
    }
    return charset;
}

}  // namespace

Result<Arguments> parse_search_args(Cursor& cursor, const ParseLimits& limits)
{
    SearchArgs args;
    HARBOR_TRY(cursor.space());
    if (cursor.consume_word("RETURN")) {
        // search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP ...)] ")"
        args.return_specified = true;
        HARBOR_TRY(cursor.space());
        HARBOR_TRY(cursor.expect('(', "'(' after RETURN"));
        while (!cursor.consume(')')) {
            if (!args.return_options.empty()) {
                HARBOR_TRY(cursor.space());
            }
            const std::string option = upper_atom(cursor);
            SearchReturn value = SearchReturn::All;
            if (option == "MIN") {
                value = SearchReturn::Min;
            } else if (option == "MAX") {
                value = SearchReturn::Max;
            } else if (option == "ALL") {
                value = SearchReturn::All;
            } else if (option == "COUNT") {
                value = SearchReturn::Count;
            } else if (option == "SAVE") {
                value = SearchReturn::Save;
            } else {
                return syntax_error("unknown search return option");
            }
            if (args.return_options.size() >= limits.max_list_items) {
                return unexpected(Errc::Limit, "too many return options");
            }
            args.return_options.push_back(value);
        }
        HARBOR_TRY(cursor.space());
    }
    if (cursor.consume_word("CHARSET")) {
        HARBOR_TRY(cursor.space());
        Result<std::string> charset = parse_charset(cursor);
        if (!charset) {
            return unexpected(std::move(charset).error());
        }
        args.charset = std::move(*charset);
        HARBOR_TRY(cursor.space());
    }
    SearchParser parser(cursor, limits);
    Result<SearchKey> key = parser.parse_program();
    if (!key) {
        return unexpected(std::move(key).error());
    }
    args.key = std::move(*key);
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_sort_args(Cursor& cursor, const ParseLimits& limits)
{
    // sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria (RFC 5256 §5)
    SortArgs args;
    HARBOR_TRY(cursor.space());
    HARBOR_TRY(cursor.expect('(', "'(' before sort criteria"));
    do {
        SortCriterion criterion;
        if (cursor.consume_word("REVERSE")) {
            criterion.reverse = true;
            HARBOR_TRY(cursor.space());
        }
        const std::string word = upper_atom(cursor);
        if (word == "ARRIVAL") {
            criterion.key = SortKey::Arrival;
        } else if (word == "CC") {
            criterion.key = SortKey::Cc;
        } else if (word == "DATE") {
            criterion.key = SortKey::Date;
        } else if (word == "FROM") {
            criterion.key = SortKey::From;
        } else if (word == "SIZE") {
            criterion.key = SortKey::Size;
        } else if (word == "SUBJECT") {
            criterion.key = SortKey::Subject;
        } else if (word == "TO") {
            criterion.key = SortKey::To;
        } else if (word == "DISPLAYFROM") {
            criterion.key = SortKey::DisplayFrom;
        } else if (word == "DISPLAYTO") {
            criterion.key = SortKey::DisplayTo;
        } else {
            return syntax_error("unknown sort criterion");
        }
        if (args.criteria.size() >= limits.max_list_items) {
            return unexpected(Errc::Limit, "too many sort criteria");
        }
        args.criteria.push_back(criterion);
    } while (cursor.consume(' '));
    HARBOR_TRY(cursor.expect(')', "')' after sort criteria"));
    HARBOR_TRY(cursor.space());
    Result<std::string> charset = parse_charset(cursor);
    if (!charset) {
        return unexpected(std::move(charset).error());
    }
    args.charset = std::move(*charset);
    HARBOR_TRY(cursor.space());
    SearchParser parser(cursor, limits);
    Result<SearchKey> key = parser.parse_program();
    if (!key) {
        return unexpected(std::move(key).error());
    }
    args.key = std::move(*key);
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_thread_args(Cursor& cursor, const ParseLimits& limits)
{
    // thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria (RFC 5256 §5)
    ThreadArgs args;
    HARBOR_TRY(cursor.space());
    args.algorithm = upper_atom(cursor);
    if (args.algorithm.empty()) {
        return syntax_error("expected a threading algorithm");
    }
    HARBOR_TRY(cursor.space());
    Result<std::string> charset = parse_charset(cursor);
    if (!charset) {
        return unexpected(std::move(charset).error());
    }
    args.charset = std::move(*charset);
    HARBOR_TRY(cursor.space());
    SearchParser parser(cursor, limits);
    Result<SearchKey> key = parser.parse_program();
    if (!key) {
        return unexpected(std::move(key).error());
    }
    args.key = std::move(*key);
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

}  // namespace harbor::imap::detail
