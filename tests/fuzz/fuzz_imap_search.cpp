// Fuzzes SEARCH evaluation, SORT and THREAD (src/imap/search) with programs from the real
// parser: the input up to the first NUL is an IMAP command (literals accepted), the rest is
// one more message beside a few fixed ones (shared/testdata/mime seeds read at start-up and
// inline ones). Checks: evaluation without content is sound (a Yes or No given before the
// content is loaded is the answer after), NOT inverts every answer, SORT gives a permutation,
// THREAD places every selected message exactly once in a balanced thread-list.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "imap/protocol/command.hpp"
#include "imap/protocol/command_reader.hpp"
#include "imap/search/evaluate.hpp"
#include "imap/search/sort.hpp"
#include "imap/search/thread.hpp"

namespace {

using namespace harbor::imap;

void check(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

const char* const seed_files[] = {
    "/mime/stalwart-mail-parser/resources/eml/rfc/001.eml",
    "/mime/stalwart-mail-parser/resources/eml/rfc/005.eml",
    "/mime/python-email-tests/data/msg_02.txt",
    "/mime/python-email-tests/data/msg_10.txt",
};

const char* const inline_messages[] = {
    "From: \"Al\" <al@example.org>\r\nTo: b@example.com\r\nSubject: Re: [x] Hi (fwd)\r\n"
    "Date: Mon, 1 Jan 2024 23:30:00 -0500\r\nMessage-ID: <a@x>\r\n\r\nhello there\r\n",
    "Subject: =?UTF-8?B?Q2Fmw6k=?=\r\nReferences: <a@x> <b@x>\r\nMessage-ID: <c@x>\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: "
    "quoted-printable\r\n\r\nK=F6ln\r\n",
};

std::vector<std::string>& fixed_messages()
{
    static std::vector<std::string> messages = [] {
        std::vector<std::string> out;
        for (const char* path : seed_files) {
            std::ifstream in(std::string(HARBOR_TESTDATA_DIR) + path, std::ios::binary);
            std::ostringstream bytes;
            bytes << in.rdbuf();
            if (!bytes.str().empty()) {
                out.push_back(bytes.str().substr(0, 64 * 1024));
            }
        }
        out.insert(out.end(), std::begin(inline_messages), std::end(inline_messages));
        return out;
    }();
    return messages;
}

std::optional<Command> parse(std::string_view wire)
{
    CommandReader reader;
    while (true) {
        const ReadStep step = reader.read(wire);
        wire.remove_prefix(std::min(step.consumed, wire.size()));
        switch (step.kind) {
        case ReadStep::Kind::LiteralWanted:
            reader.accept_literal();
            break;
        case ReadStep::Kind::Command: {
            harbor::Result<Command> command = parse_command(reader.take_command());
            if (!command) {
                return std::nullopt;
            }
            return std::move(*command);
        }
        case ReadStep::Kind::Failed:
            return std::nullopt;
        case ReadStep::Kind::NeedMore:
            if (wire.empty()) {
                return std::nullopt;
            }
            break;
        }
    }
}

struct Mailbox {
    std::vector<std::vector<std::string>> flags;
    std::vector<std::unique_ptr<MessageContent>> contents;
    std::vector<MessageView> views;
};

void fill(Mailbox& box, std::string_view extra)
{
    std::vector<std::string> raws = fixed_messages();
    if (!extra.empty()) {
        raws.emplace_back(extra);
    }
    const std::vector<std::vector<std::string>> flag_sets = {
        {"\\Seen"}, {}, {"\\Answered", "\\Flagged", "$Junk"}, {"\\Deleted", "\\Draft", "\\Seen"}};
    box.flags.reserve(raws.size());
    for (std::size_t i = 0; i < raws.size(); ++i) {
        box.flags.push_back(flag_sets[i % flag_sets.size()]);
        box.contents.push_back(std::make_unique<MessageContent>(raws[i]));
        MessageView view;
        view.sequence = static_cast<std::uint32_t>(i + 1);
        view.uid = static_cast<std::uint32_t>(i * 3 + 2);
        view.flags = box.flags.back();
        view.internal_date = 1704067200 + static_cast<std::int64_t>(i) * 86000;
        view.size = raws[i].size();
        view.modseq = i + 1;
        box.views.push_back(view);
    }
}

// The sequence numbers selected by `program`, checking soundness and NOT on the way.
std::vector<std::size_t> select(const SearchKey& key, std::string_view charset,
                                const SearchContext& context, Mailbox& box)
{
    std::vector<std::size_t> selected;
    harbor::Result<SearchProgram> program = compile_search(key, charset, context);
    if (!program) {
        return selected;
    }
    SearchKey negated;
    negated.kind = SearchKeyKind::Not;
    negated.children.push_back(key);
    harbor::Result<SearchProgram> inverse = compile_search(negated, charset, context);
    for (std::size_t i = 0; i < box.views.size(); ++i) {
        MessageView view = box.views[i];
        const Match early = evaluate(*program, view);
        check(early != Match::NeedContent || content_need(*program) != ContentNeed::None);
        view.content = box.contents[i].get();
        const Match full = evaluate(*program, view);
        check(full != Match::NeedContent);
        check(early == Match::NeedContent || early == full);
        if (inverse) {
            const Match opposite = evaluate(*inverse, view);
            check(opposite != full && opposite != Match::NeedContent);
        }
        if (full == Match::Yes) {
            selected.push_back(i);
        }
    }
    return selected;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t nul = input.find('\0');
    const std::string_view wire = input.substr(0, nul);
    const std::string_view extra = nul == std::string_view::npos ? std::string_view()
                                                                 : input.substr(nul + 1);
    const std::optional<Command> command = parse(wire);
    if (!command) {
        return 0;
    }
    Mailbox box;
    fill(box, extra);
    const std::vector<ResolvedRange> saved = {{2, 5}, {11, 11}};
    SearchContext context;
    context.message_count = static_cast<std::uint32_t>(box.views.size());
    context.max_uid = box.views.back().uid;
    context.saved_uids = saved;
    context.now = 1704067200 + 5 * 86400;
    context.internal_date_zone_minutes = 90;
    for (MessageView& view : box.views) {
        view.content = nullptr;
    }

    if (const auto* search = std::get_if<SearchArgs>(&command->args)) {
        select(search->key, search->charset, context, box);
    } else if (const auto* sort = std::get_if<SortArgs>(&command->args)) {
        const std::vector<std::size_t> chosen = select(sort->key, sort->charset, context, box);
        std::vector<MessageView> views;
        for (std::size_t i : chosen) {
            views.push_back(box.views[i]);
            views.back().content = box.contents[i].get();
        }
        std::vector<std::size_t> order = sort_messages(views, sort->criteria);
        std::sort(order.begin(), order.end());
        for (std::size_t i = 0; i < order.size(); ++i) {
            check(order[i] == i);
        }
        check(order.size() == views.size());
    } else if (const auto* thread = std::get_if<ThreadArgs>(&command->args)) {
        const std::optional<ThreadAlgorithm> algorithm = thread_algorithm(thread->algorithm);
        if (!algorithm) {
            return 0;
        }
        std::vector<ThreadMessage> messages;
        for (std::size_t i : select(thread->key, thread->charset, context, box)) {
            MessageView view = box.views[i];
            view.content = box.contents[i].get();
            messages.push_back(thread_message_of(view, view.uid));
        }
        const ThreadTree tree = thread_messages(*algorithm, messages);
        std::vector<std::uint32_t> numbers;
        for (const ThreadTree::Node& node : tree.nodes) {
            if (node.number != ThreadTree::dummy) {
                numbers.push_back(node.number);
            }
        }
        check(numbers.size() == messages.size());
        std::sort(numbers.begin(), numbers.end());
        check(std::adjacent_find(numbers.begin(), numbers.end()) == numbers.end());
        const std::string list = format_thread_list(tree);
        check(std::count(list.begin(), list.end(), '(') ==
              std::count(list.begin(), list.end(), ')'));
    }
    return 0;
}
