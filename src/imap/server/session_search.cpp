// SEARCH and UID SEARCH (RFC 9051 §6.4.4, §6.4.9; the IMAP4rev1 "* SEARCH" response of RFC 3501
// §7.2.5), ESEARCH responses and RETURN options (RFC 9051 §7.3.4, RFC 4731), the saved result
// "$" (SEARCHRES, RFC 5182), the MODSEQ key (RFC 7162 §3.1.5), SORT and THREAD (RFC 5256), run
// over the selected mailbox's view with imap/search.
// Flag, size, date, UID and sequence keys are answered from the view (store::MessageRecord);
// BODY and TEXT keys from the full-text index (imap/search/text_index.hpp) for the messages
// it has indexed, with the same results; a message is read only where evaluate() says its
// content decides the answer, and then off the io thread, read_batch messages per call and one
// message held at a time. Where only the header decides (header keys, SORT, THREAD), the
// header block comes from the index's summary of the blob when it has one
// (imap/search/message_summary.hpp): the same bytes, without reading the message.
// SECURITY: the program is client input, bounded by the parser and compile_search(). The work
// is linear in the message count (one evaluation per message, at most one read per message
// per pass); SORT keeps of each matched message only the header fields it compares, THREAD
// only its ThreadMessage, and both sort or thread off the io thread. Sequence sets in keys are
// resolved as ranges (imap/search), never expanded.
#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "imap/search/evaluate.hpp"
#include "imap/search/message_summary.hpp"
#include "imap/search/sort.hpp"
#include "imap/search/text_index.hpp"
#include "imap/search/thread.hpp"
#include "imap/server/session_state.hpp"
#include "mime/header.hpp"
#include "store/awaitable.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

// Messages read per off_io_thread call: few enough that one call never holds the pool long,
// many enough that the round trips do not dominate.
constexpr std::size_t read_batch = 200;
// The same when only header blocks are read: they mostly come from the index's summaries,
// a few hundred octets each, and one summaries() query answers up to 500 blobs
// (store/text/text_index.cpp), so a 1,000-message mailbox takes two calls, not five.
constexpr std::size_t header_read_batch = 500;

// RFC 9051 §6.4.4: US-ASCII and UTF-8 are the charsets a server MUST support; Harbor offers
// those two and says so with BADCHARSET (§7.1) for any other.
bool supported_charset(std::string_view charset)
{
    return charset.empty() || iequals(charset, "UTF-8") || iequals(charset, "US-ASCII");
}

constexpr std::string_view badcharset_text = "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset";

// Where a search program's messages come from: the store, read on the messages pool, and
// the full-text index of their mailbox when the server keeps one.
struct MessageSource {
    store::Store& store;
    store::TaskPool& pool;
    mime::Limits limits;
    store::text::TextIndex* text_index = nullptr;
    store::MailboxId mailbox;
    std::uint32_t uidvalidity = 0;
};

MessageView view_of(const store::MessageRecord& record, std::size_t index)
{
    return MessageView{.sequence = static_cast<std::uint32_t>(index + 1),
                       .uid = record.uid,
                       .flags = record.flags,
                       .internal_date = record.internal_date,
                       .size = record.size,
                       .modseq = record.modseq,
                       .content = nullptr};
}

// The bytes MessageContent gets: the whole message, or for ContentNeed::Header the header
// block through its empty line (message_view.hpp).
std::string content_bytes(std::string raw, ContentNeed need, const mime::Limits& limits)
{
    if (need == ContentNeed::Header) {
        const mime::HeaderBlock block = mime::parse_header_block(raw, 0, limits);
        raw.resize(std::min(block.length, raw.size()));
    }
    return raw;
}

// The header fields SORT compares (RFC 5256 §3 DATE, SUBJECT, FROM, TO, CC; RFC 5957 uses
// From and To) and the empty line: what sort_messages() reads, a few hundred octets.
std::string sort_fields(std::string_view raw, const mime::Limits& limits)
{
    static constexpr std::string_view names[] = {"Date", "Subject", "From", "To", "Cc"};
    const mime::HeaderBlock block = mime::parse_header_block(raw, 0, limits);
    std::string out;
    for (const mime::HeaderField& field : block.fields) {
        if (std::any_of(std::begin(names), std::end(names),
                        [&](std::string_view name) { return iequals(field.name, name); })) {
            out += raw.substr(field.offset, field.length);
            if (out.back() != '\n') {
                out += "\r\n";  // the last field of a header without its empty line
            }
        }
    }
    out += "\r\n";
    return out;
}

// Runs `per_message` off the io thread for each message of `indexes`, read_batch at a time;
// a message expunged meanwhile (Errc::NotFound) is passed as nullopt. Results in order. When
// `need` is ContentNeed::Header, per_message gets only the header block through its empty
// line (content_bytes()), and a message whose header block the index summarizes is not read.
// The worker reads the records in place, as index_plan() does: the session waits for it.
template <typename T>
Awaitable<Result<std::vector<T>>> read_each(
    MessageSource source, const store::MessageList& messages,
    const std::vector<std::size_t>& indexes, ContentNeed need,
    std::function<T(std::size_t, const store::MessageRecord&, std::optional<std::string>)>
        per_message)
{
    std::vector<T> results;
    results.reserve(indexes.size());
    const std::size_t batch_size = need == ContentNeed::Header ? header_read_batch : read_batch;
    for (std::size_t start = 0; start < indexes.size(); start += batch_size) {
        const std::size_t end = std::min(indexes.size(), start + batch_size);
        std::function<Result<std::vector<T>>()> work =
            [&store = source.store, &per_message, &messages, &indexes, start, end, need,
             text_index = source.text_index, limits = source.limits]() -> Result<std::vector<T>> {
            std::vector<const store::MessageRecord*> copies;
            copies.reserve(end - start);
            for (std::size_t i = start; i < end; ++i) {
                copies.push_back(&messages[indexes[i]]);
            }
            std::vector<std::optional<std::string>> headers =
                need == ContentNeed::Header
                    ? summary_header_blocks(text_index, copies, limits)
                    : std::vector<std::optional<std::string>>(copies.size());
            // The messages the summaries did not answer, read in one snapshot.
            std::vector<const store::MessageRecord*> unread;
            for (std::size_t i = 0; i < copies.size(); ++i) {
                if (!headers[i]) {
                    unread.push_back(copies[i]);
                }
            }
            std::vector<Result<std::string>> raws = store.read_messages(unread);
            auto next_raw = raws.begin();
            std::vector<T> done;
            done.reserve(copies.size());
            for (std::size_t i = 0; i < copies.size(); ++i) {
                const std::size_t index = indexes[start + i];
                if (headers[i]) {
                    // A summary's block is already what content_bytes() would cut.
                    done.push_back(per_message(index, *copies[i], std::move(headers[i])));
                    continue;
                }
                Result<std::string> raw = std::move(*next_raw++);
                if (!raw && raw.error().code != Errc::NotFound) {
                    return unexpected(std::move(raw).error());
                }
                if (!raw) {
                    done.push_back(per_message(index, *copies[i], std::nullopt));
                    continue;
                }
                done.push_back(
                    per_message(index, *copies[i], content_bytes(std::move(*raw), need, limits)));
            }
            return done;
        };
        Result<std::vector<T>> done = co_await store::off_io_thread(source.pool, std::move(work));
        if (!done) {
            co_return unexpected(std::move(done).error());
        }
        std::move(done->begin(), done->end(), std::back_inserter(results));
    }
    co_return results;
}

// What the full-text index decides of `program` over the view (text_candidates()), or nullopt:
// no BODY/TEXT key it can answer, no index, or an index error (then every message is
// evaluated in full, as without an index).
Awaitable<std::optional<TextCandidates>> index_plan(const MessageSource& source,
                                                    const store::MessageList& messages,
                                                    const SearchProgram& program)
{
    if (source.text_index == nullptr || !uses_text_index(program)) {
        co_return std::nullopt;
    }
    // Reads the view in place, as the sort below does: the session waits for the answer.
    std::function<Result<std::optional<TextCandidates>>()> ask =
        [&source, &messages, &program]() -> Result<std::optional<TextCandidates>> {
        ContentLimits content_limits;
        content_limits.mime = source.limits;
        return text_candidates(*source.text_index, source.mailbox, source.uidvalidity, messages,
                               program, content_limits);
    };
    Result<std::optional<TextCandidates>> plan =
        co_await store::off_io_thread(source.pool, std::move(ask));
    co_return plan ? std::move(*plan) : std::nullopt;
}

// The ascending indexes of the view's messages that match `program`. Messages are read only
// where the view and the full-text index leave the answer open; one expunged meanwhile
// matches nothing.
Awaitable<Result<std::vector<std::size_t>>> matching_indexes(MessageSource source,
                                                             const store::MessageList& messages,
                                                             const SearchProgram& program)
{
    const std::optional<TextCandidates> plan = co_await index_plan(source, messages, program);
    // The program a message is evaluated with: without the keys the index answered for it
    // (Residual), or whole where the index could not say (Full).
    auto program_for = [&plan, &program](std::size_t index) -> const SearchProgram& {
        return plan && plan->verdicts[index] == TextVerdict::Residual ? plan->residual : program;
    };
    std::vector<std::size_t> matched;
    std::vector<std::size_t> undecided;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (plan && plan->verdicts[i] == TextVerdict::No) {
            continue;  // the index: its text lacks a needle the program requires
        }
        const Match match = evaluate(program_for(i), view_of(messages[i], i));
        if (match == Match::Yes) {
            matched.push_back(i);
        } else if (match == Match::NeedContent) {
            undecided.push_back(i);
        }
    }
    if (undecided.empty()) {
        co_return matched;
    }
    // Only the header block when no undecided message's program reads the body (often so
    // once the index has answered the BODY/TEXT keys: then the residual program remains).
    ContentNeed need = ContentNeed::None;
    for (const std::size_t index : undecided) {
        need = combine(need, content_need(program_for(index)));
    }
    const mime::Limits limits = source.limits;
    std::function<char(std::size_t, const store::MessageRecord&, std::optional<std::string>)>
        decide = [&program_for, limits, need](std::size_t index, const store::MessageRecord& record,
                                              std::optional<std::string> raw) -> char {
        if (!raw) {
            return 0;
        }
        const SearchProgram& run = program_for(index);
        ContentLimits content_limits;
        content_limits.mime = limits;
        // read_each() already cut a header-only read to its header block.
        MessageContent content(need == ContentNeed::Header
                                   ? std::move(*raw)
                                   : content_bytes(std::move(*raw), content_need(run), limits),
                               content_limits);
        MessageView view = view_of(record, index);
        view.content = &content;
        return evaluate(run, view) == Match::Yes ? 1 : 0;
    };
    Result<std::vector<char>> decided =
        co_await read_each<char>(source, messages, undecided, need, std::move(decide));
    if (!decided) {
        co_return unexpected(std::move(decided).error());
    }
    for (std::size_t i = 0; i < undecided.size(); ++i) {
        if ((*decided)[i] != 0) {
            matched.push_back(undecided[i]);
        }
    }
    std::sort(matched.begin(), matched.end());
    co_return matched;
}

std::string format_list(const std::vector<std::uint32_t>& numbers)
{
    std::string out;
    for (const std::uint32_t number : numbers) {
        out += " " + std::to_string(number);
    }
    return out;
}

}  // namespace

namespace {

// What compiling a command's program against the view gave: the program, or the response.
struct Compiled {
    std::optional<SearchProgram> program;
    std::string status;  // "NO" or "BAD" when program is empty
    std::string text;
};

Compiled compile_for_view(const SearchKey& key, std::string_view charset,
                          const SelectedMailbox& view)
{
    if (!supported_charset(charset)) {
        return Compiled{std::nullopt, "NO", std::string(badcharset_text)};
    }
    // RFC 5182 §2.1: "$" is the saved result as it stood before this command.
    std::vector<std::uint32_t> uids = view.saved_result;
    std::sort(uids.begin(), uids.end());
    std::vector<ResolvedRange> saved;
    for (const std::uint32_t uid : uids) {
        if (!saved.empty() && saved.back().high + 1 >= uid) {
            saved.back().high = uid;
        } else {
            saved.push_back(ResolvedRange{uid, uid});
        }
    }
    SearchContext context;
    context.message_count = static_cast<std::uint32_t>(view.messages.size());
    context.max_uid = view.messages.empty() ? 0 : view.messages.back().uid;
    context.saved_uids = saved;
    context.now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    // INTERNALDATE responses are in UTC (session_fetch.cpp), so BEFORE/ON/SINCE take the
    // calendar date there too (RFC 9051 §6.4.4 "disregarding time and timezone").
    context.internal_date_zone_minutes = 0;
    Result<SearchProgram> program = compile_search(key, charset, context);
    if (!program) {
        if (program.error().code == Errc::Unsupported) {
            return Compiled{std::nullopt, "NO", std::string(badcharset_text)};
        }
        return Compiled{std::nullopt, "BAD", "Search program refused: " + program.error().detail};
    }
    return Compiled{std::move(*program), "", ""};
}

bool has_option(const std::vector<SearchReturn>& options, SearchReturn option)
{
    return std::find(options.begin(), options.end(), option) != options.end();
}

}  // namespace

std::optional<SearchProgram> Session::search_program(const Command& command, const SearchKey& key,
                                                     std::string_view charset)
{
    Compiled compiled = compile_for_view(key, charset, *selected_);
    if (!compiled.program) {
        if (compiled.status == "BAD") {
            refuse(command.tag, compiled.text);
        } else {
            tagged(command.tag, compiled.status, compiled.text);
        }
        return std::nullopt;
    }
    if (compiled.program->uses_modseq) {
        condstore_ = true;  // RFC 7162 §3.1: the MODSEQ key is a CONDSTORE enabling command
    }
    return std::move(compiled.program);
}

Awaitable<void> Session::on_search(const Command& command)
{
    const auto& args = std::get<SearchArgs>(command.args);
    const std::string verb = std::string(command.uid ? "UID " : "") + "SEARCH";
    const bool save = has_option(args.return_options, SearchReturn::Save);
    std::optional<SearchProgram> compiled = search_program(command, args.key, args.charset);
    if (save) {
        // RFC 5182 §2.1: a SEARCH RETURN (SAVE) that fails leaves the saved result empty
        // ("$" was resolved above, with the value from before this command).
        selected_->saved_result.clear();
    }
    if (!compiled) {
        co_return;
    }
    const SearchProgram& program = *compiled;
    const store::MessageList& messages = selected_->messages;
    Result<std::vector<std::size_t>> matched = co_await matching_indexes(
        MessageSource{handler_.store(), handler_.blocking().messages, settings_.message_limits,
                      settings_.text_index, selected_->mailbox.id, selected_->mailbox.uidvalidity},
        messages, program);
    if (!matched) {
        log::warn("imap.search.failed",
                  {{"cid", context_.cid}, {"error", matched.error().to_string()}});
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    // RETURN () means ALL (RFC 4731 §3.1); so does an IMAP4rev2 SEARCH without RETURN (RFC
    // 9051 §6.4.4: the answer is always ESEARCH there).
    std::vector<SearchReturn> options = args.return_options;
    const bool esearch = args.return_specified || imap4rev2_;
    if (esearch && options.empty()) {
        options.push_back(SearchReturn::All);
    }
    const bool want_min = has_option(options, SearchReturn::Min);
    const bool want_max = has_option(options, SearchReturn::Max);
    const bool want_all = has_option(options, SearchReturn::All);
    const bool want_count = has_option(options, SearchReturn::Count);
    // RFC 5182 §2.1: with MIN and/or MAX but neither ALL nor COUNT, SAVE keeps only the
    // messages returned; RFC 7162 §3.1.5 likewise takes MODSEQ over the messages returned.
    std::vector<std::size_t> returned = *matched;
    if ((want_min || want_max) && !want_all && !want_count && !returned.empty()) {
        returned.clear();
        if (want_min) {
            returned.push_back(matched->front());
        }
        if (want_max && (!want_min || matched->back() != matched->front())) {
            returned.push_back(matched->back());
        }
    }
    if (save) {
        for (const std::size_t index : returned) {
            selected_->saved_result.push_back(messages[index].uid);
        }
    }
    std::uint64_t highest_modseq = 0;
    for (const std::size_t index : returned) {
        highest_modseq = std::max(highest_modseq, messages[index].modseq);
    }
    std::vector<std::uint32_t> numbers;
    numbers.reserve(matched->size());
    for (const std::size_t index : *matched) {
        numbers.push_back(command.uid ? messages[index].uid
                                      : static_cast<std::uint32_t>(index + 1));
    }
    const bool with_modseq = program.uses_modseq && !numbers.empty();
    if (!esearch) {
        // RFC 3501 §7.2.5, with "(MODSEQ n)" of RFC 7162 §3.1.5 (search-sort-mod-seq).
        std::string line = "SEARCH" + format_list(numbers);
        if (with_modseq) {
            line += " (MODSEQ " + std::to_string(highest_modseq) + ")";
        }
        untagged(line);
    } else if (want_min || want_max || want_all || want_count) {
        // RFC 4731 §3.1 / RFC 9051 §7.3.4; SAVE alone sends no ESEARCH (RFC 5182 §2.1). The
        // tag is an astring without '"' or '\\' (RFC 9051 §9), so quoting it is enough.
        std::string line = "ESEARCH (TAG \"" + command.tag + "\")";
        if (command.uid) {
            line += " UID";
        }
        if (!numbers.empty()) {
            if (want_min) {
                line += " MIN " + std::to_string(numbers.front());
            }
            if (want_max) {
                line += " MAX " + std::to_string(numbers.back());
            }
        }
        if (want_count) {
            line += " COUNT " + std::to_string(numbers.size());
        }
        if (want_all && !numbers.empty()) {
            line += " ALL " + format_number_runs(numbers);
        }
        if (with_modseq) {
            line += " MODSEQ " + std::to_string(highest_modseq);
        }
        untagged(line);
    }
    tagged(command.tag, "OK", verb + " completed");
}

Awaitable<void> Session::on_sort(const Command& command)
{
    const auto& args = std::get<SortArgs>(command.args);
    const std::string verb = std::string(command.uid ? "UID " : "") + "SORT";
    std::optional<SearchProgram> compiled = search_program(command, args.key, args.charset);
    if (!compiled) {
        co_return;
    }
    const SearchProgram& program = *compiled;
    const store::MessageList& messages = selected_->messages;
    const MessageSource source{handler_.store(),         handler_.blocking().messages,
                               settings_.message_limits, settings_.text_index,
                               selected_->mailbox.id,    selected_->mailbox.uidvalidity};
    Result<std::vector<std::size_t>> matched = co_await matching_indexes(source, messages, program);
    // The compared header fields of each matched message, when a criterion needs them.
    std::vector<std::string> headers;
    if (matched && sort_content_need(args.criteria) != ContentNeed::None) {
        const mime::Limits limits = settings_.message_limits;
        std::function<std::string(std::size_t, const store::MessageRecord&,
                                  std::optional<std::string>)>
            pick =
                [limits](std::size_t, const store::MessageRecord&, std::optional<std::string> raw) {
                    return raw ? sort_fields(*raw, limits) : std::string("\r\n");
                };
        Result<std::vector<std::string>> read = co_await read_each<std::string>(
            source, messages, *matched, ContentNeed::Header, std::move(pick));
        if (!read) {
            matched = unexpected(std::move(read).error());
        } else {
            headers = std::move(*read);
        }
    }
    if (!matched) {
        log::warn("imap.sort.failed",
                  {{"cid", context_.cid}, {"error", matched.error().to_string()}});
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    // The sort itself parses and folds headers: off the io thread too.
    const bool uid = command.uid;
    std::function<Result<std::vector<std::uint32_t>>()> work =
        [&messages, &matched, &headers, &args, uid,
         limits = settings_.message_limits]() -> Result<std::vector<std::uint32_t>> {
        ContentLimits content_limits;
        content_limits.mime = limits;
        std::deque<MessageContent> contents;  // not movable: a deque keeps them in place
        std::vector<MessageView> views;
        views.reserve(matched->size());
        for (std::size_t i = 0; i < matched->size(); ++i) {
            const std::size_t index = (*matched)[i];
            views.push_back(view_of(messages[index], index));
            if (!headers.empty()) {
                views.back().content =
                    &contents.emplace_back(std::move(headers[i]), content_limits);
            }
        }
        std::vector<std::uint32_t> numbers;
        numbers.reserve(views.size());
        for (const std::size_t position : sort_messages(views, args.criteria)) {
            numbers.push_back(uid ? views[position].uid : views[position].sequence);
        }
        return numbers;
    };
    Result<std::vector<std::uint32_t>> sorted =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
    if (!sorted) {
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    // RFC 5256 §4 sort-data, with "(MODSEQ n)" of RFC 7162 §3.1.5 (search-sort-mod-seq).
    std::string line = "SORT" + format_list(*sorted);
    if (program.uses_modseq && !matched->empty()) {
        std::uint64_t highest_modseq = 0;
        for (const std::size_t index : *matched) {
            highest_modseq = std::max(highest_modseq, messages[index].modseq);
        }
        line += " (MODSEQ " + std::to_string(highest_modseq) + ")";
    }
    untagged(line);
    tagged(command.tag, "OK", verb + " completed");
}

Awaitable<void> Session::on_thread(const Command& command)
{
    const auto& args = std::get<ThreadArgs>(command.args);
    const std::string verb = std::string(command.uid ? "UID " : "") + "THREAD";
    const std::optional<ThreadAlgorithm> algorithm = thread_algorithm(args.algorithm);
    if (!algorithm) {
        // RFC 5256 §3: only the algorithms in CAPABILITY (THREAD=...) may be asked for.
        refuse(command.tag, "Unknown threading algorithm " + args.algorithm);
        co_return;
    }
    std::optional<SearchProgram> compiled = search_program(command, args.key, args.charset);
    if (!compiled) {
        co_return;
    }
    const SearchProgram& program = *compiled;
    const store::MessageList& messages = selected_->messages;
    const MessageSource source{handler_.store(),         handler_.blocking().messages,
                               settings_.message_limits, settings_.text_index,
                               selected_->mailbox.id,    selected_->mailbox.uidvalidity};
    Result<std::vector<std::size_t>> matched = co_await matching_indexes(source, messages, program);
    Result<std::vector<ThreadMessage>> threaded = std::vector<ThreadMessage>{};
    if (matched) {
        // Both algorithms read Subject, Date, Message-ID, References and In-Reply-To (RFC 5256
        // §2, §3): the header block of each matched message, kept only as a ThreadMessage.
        const mime::Limits limits = settings_.message_limits;
        const bool uid = command.uid;
        std::function<ThreadMessage(std::size_t, const store::MessageRecord&,
                                    std::optional<std::string>)>
            describe = [limits, uid](std::size_t index, const store::MessageRecord& record,
                                     std::optional<std::string> raw) {
                MessageView view = view_of(record, index);
                const std::uint32_t number = uid ? record.uid : view.sequence;
                if (!raw) {
                    return thread_message_of(view, number);
                }
                ContentLimits content_limits;
                content_limits.mime = limits;
                MessageContent content(std::move(*raw), content_limits);  // the header block
                view.content = &content;
                return thread_message_of(view, number);
            };
        threaded = co_await read_each<ThreadMessage>(source, messages, *matched,
                                                     ContentNeed::Header, std::move(describe));
    }
    if (!matched || !threaded) {
        const Error& error = !matched ? matched.error() : threaded.error();
        log::warn("imap.thread.failed", {{"cid", context_.cid}, {"error", error.to_string()}});
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    std::function<Result<std::string>()> work = [&threaded, algorithm]() -> Result<std::string> {
        return format_thread_list(thread_messages(*algorithm, *threaded));
    };
    Result<std::string> list =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
    if (!list) {
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    // RFC 5256 §4: thread-data = "THREAD" [SP 1*thread-list].
    untagged(list->empty() ? std::string("THREAD") : "THREAD " + *list);
    tagged(command.tag, "OK", verb + " completed");
}

}  // namespace harbor::imap::server
