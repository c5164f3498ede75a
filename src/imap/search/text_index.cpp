// SEARCH BODY and TEXT through the full-text index; see text_index.hpp.
// A copy is its prefix (header lines of its own, store::MessageRecord::prefix) followed by the
// shared blob, and the index holds the blob's text. The body is the blob's alone; the header
// text of the copy is the folded prefix lines followed by the blob's (both are "Name: value"
// lines, MessageContent::folded_header), so for TEXT a copy matches when the index matches its
// blob or its prefix lines hold the needle. A needle with a line break could straddle the two:
// such copies are left to the evaluator.
// DEVIATION(RFC 9051 §6.4.4): this takes the prefix's lines to end where the blob's begin, as
// the store's prefixes are whole header lines. A blob that opens with white space (a
// continuation line, malformed as a message's first line) would extend the prefix's last field
// for the evaluator but not for the index, so TEXT may miss a needle spanning the two.
#include "imap/search/text_index.hpp"

#include <unicode/uvernum.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "imap/search/casemap.hpp"
#include "imap/search/message_summary.hpp"

namespace harbor::imap {
namespace {

// The index answers Unsupported below this (a trigram index): such a key stays in the program.
constexpr std::size_t min_needle_characters = store::text::min_needle_characters;

std::size_t count_code_points(std::string_view utf8)
{
    return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

// What the index holds in place of a NUL, which FTS5 cannot index past (IMAP strings have no
// NUL, RFC 9051 §4.3, but a hand-built program might). A needle with either character is left
// to the evaluator, so needles the index answers match the indexed text exactly where they
// match the original.
constexpr std::string_view nul_stand_in = "\xEF\xBF\xBD";  // U+FFFD

std::string without_nul(std::string text)
{
    std::string out;
    if (text.find('\0') == std::string::npos) {
        return text;
    }
    for (char c : text) {
        if (c == '\0') {
            out.append(nul_stand_in);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool answerable(const SearchNode& node)
{
    return (node.kind == SearchKeyKind::Body || node.kind == SearchKeyKind::Text) &&
           count_code_points(node.needle) >= min_needle_characters &&
           node.needle.find(nul_stand_in) == std::string::npos &&
           node.needle.find('\0') == std::string::npos;
}

enum class KeyState { Match, NoMatch, Unknown };

class PrefixTexts {
public:
    explicit PrefixTexts(const ContentLimits& limits) : limits_(limits) {}

    // The folded "Name: value" lines of a copy's prefix, as they begin its header text.
    const std::string& folded(const std::string& prefix)
    {
        auto found = cache_.find(prefix);
        if (found != cache_.end()) {
            return found->second;
        }
        MessageContent content(prefix + "\r\n", limits_);
        return cache_.emplace(prefix, content.folded_header()).first->second;
    }

private:
    const ContentLimits& limits_;
    std::unordered_map<std::string, std::string> cache_;
};

// What the index says of key `key` for message `i` of the caller's list.
KeyState key_state(const SearchNode& node, const store::text::CopyAnswers& answers, std::size_t key,
                   std::size_t i, const store::MessageRecord& record, PrefixTexts& prefixes)
{
    if (!answers.indexed[i]) {
        return KeyState::Unknown;
    }
    if (answers.matched[key][i]) {
        return KeyState::Match;
    }
    if (node.kind != SearchKeyKind::Text || record.prefix.empty()) {
        return KeyState::NoMatch;
    }
    if (node.needle.find('\n') != std::string::npos) {
        return KeyState::Unknown;
    }
    return contains_folded(prefixes.folded(record.prefix), node.needle) ? KeyState::Match
                                                                        : KeyState::NoMatch;
}

}  // namespace

SearchText extract_search_text(std::string_view raw, const ContentLimits& limits)
{
    MessageContent content{std::string(raw), limits};
    // The whole parse first: the header text then reads its root fields rather than splitting
    // the header block a second time (MessageContent::header_fields()).
    const mime::Message& message = content.message();
    SearchText text;
    text.header = without_nul(content.folded_header());
    text.body = without_nul(content.folded_body());
    // From the parse the text came from (MessageContent parses once).
    text.summary = make_summary(content.raw(), message, limits.mime);
    return text;
}

std::string extraction_fingerprint(const ContentLimits& limits)
{
    // Bump the version whenever extract_search_text() or the folding changes its output, and
    // the summary version whenever make_summary() or the ENVELOPE / BODY / BODYSTRUCTURE
    // formatting of imap/fetch changes its output.
    const mime::Limits& mime = limits.mime;
    return "imap-search-text 1; summary 1; icu " U_ICU_VERSION "; fields " +
           std::to_string(mime.max_header_fields) + "/" +
           std::to_string(mime.max_total_header_fields) + "; header " +
           std::to_string(mime.max_header_bytes) + "; line " +
           std::to_string(mime.max_line_length) + "; depth " + std::to_string(mime.max_depth) +
           "; parts " + std::to_string(mime.max_parts) + "; part input " +
           std::to_string(limits.max_part_input) + "; body text " +
           std::to_string(limits.max_body_text) + "; folded " + std::to_string(limits.max_folded);
}

bool uses_text_index(const SearchProgram& program)
{
    const SearchNode& root = program.root;
    return answerable(root) ||
           (root.kind == SearchKeyKind::And &&
            std::any_of(root.children.begin(), root.children.end(), answerable));
}

std::optional<TextCandidates> text_candidates(store::text::TextIndex& index,
                                              store::MailboxId mailbox, std::uint32_t uidvalidity,
                                              const store::MessageList& messages,
                                              const SearchProgram& program,
                                              const ContentLimits& limits)
{
    TextCandidates plan;
    plan.residual = program;
    SearchNode& root = plan.residual.root;
    std::vector<SearchNode> answered;
    if (answerable(root)) {
        answered.push_back(std::move(root));
        root = SearchNode{};
        root.kind = SearchKeyKind::And;  // no children: every message (RFC 9051 §6.4.4 ALL)
    } else if (root.kind == SearchKeyKind::And) {
        std::vector<SearchNode> kept;
        for (SearchNode& child : root.children) {
            (answerable(child) ? answered : kept).push_back(std::move(child));
        }
        root.children = std::move(kept);
        root.need = ContentNeed::None;
        for (const SearchNode& child : root.children) {
            root.need = combine(root.need, child.need);
        }
    }
    if (answered.empty()) {
        return std::nullopt;
    }
    std::vector<store::text::TextQuery> queries;
    for (const SearchNode& node : answered) {
        queries.push_back(store::text::TextQuery{node.needle, node.kind == SearchKeyKind::Body
                                                                  ? store::text::TextScope::Body
                                                                  : store::text::TextScope::Text});
    }
    Result<store::text::CopyAnswers> answers =
        index.search(mailbox, uidvalidity, messages, queries);
    if (!answers) {
        return std::nullopt;
    }
    PrefixTexts prefixes(limits);
    plan.verdicts.reserve(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
        TextVerdict verdict = TextVerdict::Residual;
        for (std::size_t key = 0; key < answered.size(); ++key) {
            const KeyState state =
                key_state(answered[key], *answers, key, i, messages[i], prefixes);
            if (state == KeyState::NoMatch) {
                verdict = TextVerdict::No;
                break;
            }
            if (state == KeyState::Unknown) {
                verdict = TextVerdict::Full;  // unless a later key rules the message out
            }
        }
        plan.verdicts.push_back(verdict);
    }
    plan.answered_keys = answered.size();
    return plan;
}

}  // namespace harbor::imap
