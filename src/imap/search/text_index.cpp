// SEARCH BODY and TEXT through the store's full-text index; see text_index.hpp.
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

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "imap/search/casemap.hpp"

namespace harbor::imap {
namespace {

// The store answers Unsupported below this (a trigram index): such a key stays in the program.
constexpr std::size_t min_needle_characters = 3;

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

// Waits for a batch of index writes; they reach the writer together and share its commits.
class PendingWrites {
public:
    void add(store::Store& store, const store::BlobId& blob, SearchText text)
    {
        {
            std::lock_guard lock(mutex_);
            ++outstanding_;
        }
        store.index_text_async(blob, std::move(text.header), std::move(text.body),
                               [this](Result<void> written) { finish(written.has_value()); });
    }

    // The number of writes that failed.
    std::size_t wait()
    {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [this] { return outstanding_ == 0; });
        return failed_;
    }

private:
    void finish(bool succeeded)
    {
        std::lock_guard lock(mutex_);
        failed_ += succeeded ? 0 : 1;
        --outstanding_;
        done_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable done_;
    std::size_t outstanding_ = 0;
    std::size_t failed_ = 0;
};

// What the index says of one key, per UID of the mailbox.
struct KeyAnswer {
    const SearchNode* node = nullptr;
    store::TextMatches matches;
};

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

KeyState key_state(const KeyAnswer& answer, const store::MessageRecord& record,
                   PrefixTexts& prefixes)
{
    const store::TextMatches& matches = answer.matches;
    if (record.uid > matches.max_uid ||
        std::binary_search(matches.unindexed.begin(), matches.unindexed.end(), record.uid)) {
        return KeyState::Unknown;
    }
    if (std::binary_search(matches.uids.begin(), matches.uids.end(), record.uid)) {
        return KeyState::Match;
    }
    if (answer.node->kind != SearchKeyKind::Text || record.prefix.empty()) {
        return KeyState::NoMatch;
    }
    if (answer.node->needle.find('\n') != std::string::npos) {
        return KeyState::Unknown;
    }
    return contains_folded(prefixes.folded(record.prefix), answer.node->needle) ? KeyState::Match
                                                                                : KeyState::NoMatch;
}

}  // namespace

SearchText extract_search_text(std::string_view raw, const ContentLimits& limits)
{
    MessageContent content{std::string(raw), limits};
    SearchText text;
    text.header = without_nul(content.folded_header());
    text.body = without_nul(content.folded_body());
    return text;
}

Result<CatchUpResult> index_mailbox(store::Store& store, store::MailboxId mailbox,
                                    const TextSearchOptions& options)
{
    CatchUpResult result;
    const std::size_t batch = std::max<std::size_t>(options.batch, 1);
    std::unordered_set<std::string> seen;  // blobs handled by this call (copies share them)
    std::uint32_t after_uid = 0;
    while (result.indexed + result.failed < options.max_catch_up) {
        Result<std::vector<store::MessageRecord>> copies =
            store.list_unindexed(mailbox, after_uid, batch);
        HARBOR_TRY(copies);
        if (copies->empty()) {
            break;
        }
        after_uid = copies->back().uid;
        PendingWrites writes;
        std::size_t written = 0;
        for (const store::MessageRecord& copy : *copies) {
            if (result.indexed + result.failed + written >= options.max_catch_up) {
                break;
            }
            if (!seen.insert(copy.blob.sha256).second) {
                continue;
            }
            Result<std::string> bytes = store.read_blob(copy.blob);
            if (!bytes) {
                ++result.failed;  // gone meanwhile, or unreadable: the evaluator will say
                continue;
            }
            writes.add(store, copy.blob, extract_search_text(*bytes, options.limits));
            ++written;
        }
        const std::size_t failed = writes.wait();
        result.failed += failed;
        result.indexed += written - failed;
    }
    return result;
}

std::optional<TextCandidates> text_candidates(store::Store& store, store::MailboxId mailbox,
                                              std::span<const store::MessageRecord> messages,
                                              const SearchProgram& program,
                                              const TextSearchOptions& options)
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
    if (!index_mailbox(store, mailbox, options)) {
        return std::nullopt;
    }
    std::vector<KeyAnswer> answers;
    for (const SearchNode& node : answered) {
        const store::TextScope scope =
            node.kind == SearchKeyKind::Body ? store::TextScope::Body : store::TextScope::Text;
        Result<store::TextMatches> matches = store.search_text(mailbox, node.needle, scope);
        if (!matches) {
            return std::nullopt;
        }
        answers.push_back(KeyAnswer{&node, std::move(*matches)});
    }
    PrefixTexts prefixes(options.limits);
    plan.verdicts.reserve(messages.size());
    for (const store::MessageRecord& record : messages) {
        TextVerdict verdict = TextVerdict::Residual;
        for (const KeyAnswer& answer : answers) {
            const KeyState state = key_state(answer, record, prefixes);
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
