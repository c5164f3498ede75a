// SEARCH key evaluation: RFC 9051 §6.4.4 key by key; see evaluate.hpp.
#include "imap/search/evaluate.hpp"

#include <algorithm>
#include <utility>

#include "core/ascii.hpp"
#include "imap/protocol/date_time.hpp"
#include "imap/search/casemap.hpp"
#include "mime/charset.hpp"

namespace harbor::imap {
namespace {

// Search strings are short (a command line or a literal); 64 KiB of folded text is plenty.
constexpr std::size_t max_needle = 64 * 1024;

bool is_utf8_compatible(std::string_view charset)
{
    return charset.empty() || iequals(charset, "US-ASCII") || iequals(charset, "UTF-8") ||
           iequals(charset, "UTF8");
}

class Compiler {
public:
    Compiler(std::string_view charset, const SearchContext& context)
        : charset_(charset), context_(context)
    {
    }

    bool uses_modseq() const { return uses_modseq_; }

    Result<SearchNode> compile(const SearchKey& key, std::size_t depth)
    {
        if (depth > max_search_program_depth) {
            return unexpected(Errc::Limit, "search program nested too deeply");
        }
        SearchNode node;
        node.kind = key.kind;
        switch (key.kind) {
        case SearchKeyKind::And:
        case SearchKeyKind::Or:
        case SearchKeyKind::Not:
            for (const SearchKey& child : key.children) {
                Result<SearchNode> compiled = compile(child, depth + 1);
                if (!compiled) {
                    return compiled;
                }
                node.need = combine(node.need, compiled->need);
                node.children.push_back(std::move(*compiled));
            }
            // Cheap keys first, so content is read only if they leave the answer open.
            std::stable_sort(node.children.begin(), node.children.end(),
                             [](const SearchNode& a, const SearchNode& b) {
                                 return static_cast<int>(a.need) < static_cast<int>(b.need);
                             });
            return node;
        case SearchKeyKind::From:
        case SearchKeyKind::To:
        case SearchKeyKind::Cc:
        case SearchKeyKind::Bcc:
        case SearchKeyKind::Subject:
            node.field = envelope_field(key.kind);
            node.need = ContentNeed::Header;
            return with_needle(std::move(node), key.value);
        case SearchKeyKind::Header:
            node.field = key.header_name;
            node.need = ContentNeed::Header;
            return with_needle(std::move(node), key.value);
        case SearchKeyKind::Body:
        case SearchKeyKind::Text:
            node.need = ContentNeed::Full;
            return with_needle(std::move(node), key.value);
        case SearchKeyKind::Keyword:
        case SearchKeyKind::Unkeyword:
            node.field = key.value;  // the flag; flags are atoms, no charset applies
            return node;
        case SearchKeyKind::Before:
        case SearchKeyKind::On:
        case SearchKeyKind::Since:
            node.day = days_from_civil(key.date);
            return node;
        case SearchKeyKind::SentBefore:
        case SearchKeyKind::SentOn:
        case SearchKeyKind::SentSince:
            node.day = days_from_civil(key.date);
            node.need = ContentNeed::Header;
            return node;
        case SearchKeyKind::ModSeq:
            // RFC 7162 §3.1.5: Harbor keeps one mod-sequence per message, so the entry name
            // and type (per-flag metadata) select the same value.
            uses_modseq_ = true;
            node.number = key.number;
            return node;
        case SearchKeyKind::Larger:
        case SearchKeyKind::Smaller:
        case SearchKeyKind::Older:
        case SearchKeyKind::Younger:
            node.number = key.number;
            return node;
        case SearchKeyKind::SequenceSet:
            return with_set(std::move(node), key.set, context_.message_count);
        case SearchKeyKind::Uid:
            return with_set(std::move(node), key.set, context_.max_uid);
        default:
            return node;  // flag keys, ALL, NEW, OLD, RECENT: nothing to prepare
        }
    }

private:
    static std::string envelope_field(SearchKeyKind kind)
    {
        switch (kind) {
        case SearchKeyKind::From:
            return "from";
        case SearchKeyKind::To:
            return "to";
        case SearchKeyKind::Cc:
            return "cc";
        case SearchKeyKind::Bcc:
            return "bcc";
        default:
            return "subject";
        }
    }

    // RFC 9051 §6.4.4: strings are in the command's CHARSET; matching is case-insensitive
    // substring matching, here on i;unicode-casemap folded UTF-8 (RFC 5051 §2).
    Result<SearchNode> with_needle(SearchNode node, std::string_view value)
    {
        std::string utf8;
        if (is_utf8_compatible(charset_)) {
            utf8 = mime::sanitize_utf8(value, max_needle).utf8;
        } else if (mime::is_known_charset(charset_)) {
            mime::CharsetLimits limits;
            limits.max_output = max_needle;
            utf8 = mime::convert_to_utf8(charset_, value, limits).utf8;
        } else {
            return unexpected(Errc::Unsupported, "unknown charset");
        }
        node.needle = fold_unicode_casemap(utf8, max_needle).text;
        return node;
    }

    Result<SearchNode> with_set(SearchNode node, const SequenceSet& set, std::uint32_t max_value)
    {
        SequenceSet numbers = set;
        numbers.saved_result = false;
        node.saved_result = set.saved_result;
        // DEVIATION(RFC 9051 §6.4.4): a message number beyond the mailbox matches nothing
        // rather than failing the command: SEARCH asks which messages match, and a client's
        // view may be one EXPUNGE behind. Hence Uids resolution, which clamps.
        Result<std::vector<ResolvedRange>> ranges =
            resolve(numbers, max_value, SequenceKind::Uids);
        if (!ranges) {
            return unexpected(std::move(ranges).error());
        }
        node.ranges = std::move(*ranges);
        return node;
    }

    std::string_view charset_;
    const SearchContext& context_;
    bool uses_modseq_ = false;
};

class Evaluator {
public:
    Evaluator(const SearchProgram& program, const MessageView& message)
        : program_(program), message_(message)
    {
    }

    Match evaluate(const SearchNode& node)
    {
        switch (node.kind) {
        case SearchKeyKind::And: {
            bool unknown = false;
            for (const SearchNode& child : node.children) {
                const Match match = evaluate(child);
                if (match == Match::No) {
                    return Match::No;
                }
                unknown = unknown || match == Match::NeedContent;
            }
            return unknown ? Match::NeedContent : Match::Yes;
        }
        case SearchKeyKind::Or: {
            bool unknown = false;
            for (const SearchNode& child : node.children) {
                const Match match = evaluate(child);
                if (match == Match::Yes) {
                    return Match::Yes;
                }
                unknown = unknown || match == Match::NeedContent;
            }
            return unknown ? Match::NeedContent : Match::No;
        }
        case SearchKeyKind::Not: {
            if (node.children.empty()) {
                return Match::No;
            }
            const Match match = evaluate(node.children.front());
            if (match == Match::NeedContent) {
                return match;
            }
            return match == Match::Yes ? Match::No : Match::Yes;
        }
        default:
            if (node.need != ContentNeed::None && message_.content == nullptr) {
                return Match::NeedContent;
            }
            return evaluate_leaf(node) ? Match::Yes : Match::No;
        }
    }

private:
    bool evaluate_leaf(const SearchNode& node)
    {
        switch (node.kind) {
        case SearchKeyKind::All:
            return true;
        // RFC 9051 §6.4.4 flag keys; §2.3.2 system flags.
        case SearchKeyKind::Answered:
            return has_flag(message_, "\\Answered");
        case SearchKeyKind::Unanswered:
            return !has_flag(message_, "\\Answered");
        case SearchKeyKind::Deleted:
            return has_flag(message_, "\\Deleted");
        case SearchKeyKind::Undeleted:
            return !has_flag(message_, "\\Deleted");
        case SearchKeyKind::Draft:
            return has_flag(message_, "\\Draft");
        case SearchKeyKind::Undraft:
            return !has_flag(message_, "\\Draft");
        case SearchKeyKind::Flagged:
            return has_flag(message_, "\\Flagged");
        case SearchKeyKind::Unflagged:
            return !has_flag(message_, "\\Flagged");
        case SearchKeyKind::Seen:
            return has_flag(message_, "\\Seen");
        case SearchKeyKind::Unseen:
            return !has_flag(message_, "\\Seen");
        case SearchKeyKind::Keyword:
            return has_flag(message_, node.field);
        case SearchKeyKind::Unkeyword:
            return !has_flag(message_, node.field);
        // IMAP4rev2 has no \Recent (RFC 9051 Appendix E item 6): no message is recent, so
        // RECENT and NEW (RECENT UNSEEN, RFC 3501 §6.4.4) never match and OLD always does.
        case SearchKeyKind::Recent:
        case SearchKeyKind::New:
            return false;
        case SearchKeyKind::Old:
            return true;
        case SearchKeyKind::Larger:  // RFC822.SIZE larger / smaller than n
            return message_.size > node.number;
        case SearchKeyKind::Smaller:
            return message_.size < node.number;
        case SearchKeyKind::ModSeq:  // RFC 7162 §3.1.5: "equal to or greater than"
            return message_.modseq >= node.number;
        // RFC 5032 §3: OLDER is older than the interval, YOUNGER within it (complements).
        case SearchKeyKind::Older:
            return message_.internal_date <
                   program_.now - static_cast<std::int64_t>(node.number);
        case SearchKeyKind::Younger:
            return message_.internal_date >=
                   program_.now - static_cast<std::int64_t>(node.number);
        // RFC 9051 §6.4.4: internal date "disregarding time and timezone".
        case SearchKeyKind::Before:
            return internal_day() < node.day;
        case SearchKeyKind::On:
            return internal_day() == node.day;
        case SearchKeyKind::Since:
            return internal_day() >= node.day;
        case SearchKeyKind::SentBefore:
            return sent_day() < node.day;
        case SearchKeyKind::SentOn:
            return sent_day() == node.day;
        case SearchKeyKind::SentSince:
            return sent_day() >= node.day;
        case SearchKeyKind::SequenceSet:
            return contains(node.ranges, message_.sequence) || in_saved_result(node);
        case SearchKeyKind::Uid:
            return contains(node.ranges, message_.uid) || in_saved_result(node);
        case SearchKeyKind::From:
        case SearchKeyKind::To:
        case SearchKeyKind::Cc:
        case SearchKeyKind::Bcc:
        case SearchKeyKind::Subject: {
            // "in the envelope structure's X field" (RFC 9051 §6.4.4): the first such field,
            // whole (display names included for addresses). An empty string asks for presence.
            return message_.content->field_contains(node.field, node.needle, true);
        }
        case SearchKeyKind::Header: {
            // "a header field with the specified field-name ... and that contains the
            // specified string in the text of the header"; "" matches every message that has
            // the field (RFC 9051 §6.4.4).
            return message_.content->field_contains(node.field, node.needle, false);
        }
        case SearchKeyKind::Body:
            return contains_folded(message_.content->folded_body(), node.needle);
        case SearchKeyKind::Text:  // "in the header or body of the message"
            return contains_folded(message_.content->folded_header(), node.needle) ||
                   contains_folded(message_.content->folded_body(), node.needle);
        default:
            return false;
        }
    }

    bool in_saved_result(const SearchNode& node) const
    {
        // RFC 5182 §2.1: "$" stands for the messages of the saved result, kept as UIDs.
        return node.saved_result && contains(program_.saved_uids, message_.uid);
    }

    std::int64_t internal_day() const
    {
        return day_number(message_.internal_date, program_.internal_date_zone_minutes);
    }

    // The Date field's calendar date in the zone it was written in. A message without a
    // usable Date has its internal date instead, as RFC 5256 §2.2 has for the sent date.
    std::int64_t sent_day() const
    {
        const std::optional<mime::DateTime>& date = message_.content->sent_date();
        if (!date) {
            return internal_day();
        }
        return day_number(date->unix_seconds, date->offset_minutes);
    }

    const SearchProgram& program_;
    const MessageView& message_;
};

}  // namespace

Result<SearchProgram> compile_search(const SearchKey& key, std::string_view charset,
                                     const SearchContext& context)
{
    Compiler compiler(charset, context);
    Result<SearchNode> root = compiler.compile(key, 1);
    if (!root) {
        return unexpected(std::move(root).error());
    }
    SearchProgram program;
    program.root = std::move(*root);
    program.saved_uids.assign(context.saved_uids.begin(), context.saved_uids.end());
    program.now = context.now;
    program.internal_date_zone_minutes = context.internal_date_zone_minutes;
    program.uses_modseq = compiler.uses_modseq();
    return program;
}

ContentNeed content_need(const SearchProgram& program)
{
    return program.root.need;
}

Match evaluate(const SearchProgram& program, const MessageView& message)
{
    Evaluator evaluator(program, message);
    return evaluator.evaluate(program.root);
}

}  // namespace harbor::imap
