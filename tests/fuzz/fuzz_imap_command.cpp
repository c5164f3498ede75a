// Fuzzes the IMAP command grammar (src/imap/protocol): the input is fed to a CommandReader in
// chunks whose sizes, limits and literal decisions come from the first octets, and every
// complete command goes through parse_command(). Checks: the reader never consumes more than
// it is given, never stores a line over max_line or a literal over max_literal or its
// announced size, and alternates Text and Literal pieces; parsed commands have a tag; sequence
// sets round-trip through format_sequence_set(); mailbox names that decode from modified UTF-7
// encode back to the same octets (one spelling per name) and normalise idempotently; APPEND
// date-times round-trip through format_date_time().
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "imap/protocol/command.hpp"
#include "imap/protocol/command_reader.hpp"
#include "imap/protocol/date_time.hpp"
#include "imap/protocol/mailbox_name.hpp"
#include "imap/protocol/sequence_set.hpp"

namespace {

using namespace harbor::imap;

void check(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

void check_set(const SequenceSet& set)
{
    const std::string text = format_sequence_set(set);
    harbor::Result<SequenceSet> again = parse_sequence_set(text);
    check(again.has_value() && *again == set);
    if (!set.saved_result) {
        harbor::Result<std::vector<ResolvedRange>> resolved =
            resolve(set, 1000, SequenceKind::Uids);
        check(resolved.has_value());
        for (std::size_t i = 0; i < resolved->size(); ++i) {
            check((*resolved)[i].low >= 1 && (*resolved)[i].low <= (*resolved)[i].high);
            check((*resolved)[i].high <= 1000);
            check(i == 0 || (*resolved)[i].low > (*resolved)[i - 1].high + 1);
        }
    }
}

void check_mailbox(const std::string& name)
{
    harbor::Result<std::string> utf8 = decode_mutf7(name);
    if (utf8) {
        harbor::Result<std::string> encoded = encode_mutf7(*utf8);
        check(encoded.has_value() && *encoded == name);
    }
    harbor::Result<std::string> normal = normalize_mailbox_name(utf8 ? *utf8 : name);
    if (normal) {
        harbor::Result<std::string> again = normalize_mailbox_name(*normal);
        check(again.has_value() && *again == *normal);
    }
}

void check_command(const Command& command)
{
    check(!command.tag.empty());
    if (const auto* fetch = std::get_if<FetchArgs>(&command.args)) {
        check_set(fetch->set);
    } else if (const auto* store = std::get_if<StoreArgs>(&command.args)) {
        check_set(store->set);
    } else if (const auto* copy = std::get_if<CopyArgs>(&command.args)) {
        check_set(copy->set);
        check_mailbox(copy->mailbox);
    } else if (const auto* select = std::get_if<SelectArgs>(&command.args)) {
        check_mailbox(select->mailbox);
    } else if (const auto* mailbox = std::get_if<MailboxArgs>(&command.args)) {
        check_mailbox(mailbox->mailbox);
    } else if (const auto* create = std::get_if<CreateArgs>(&command.args)) {
        check_mailbox(create->mailbox);
    } else if (const auto* append = std::get_if<AppendArgs>(&command.args)) {
        check_mailbox(append->mailbox);
        check(!append->messages.empty());
        for (const AppendMessage& message : append->messages) {
            if (message.internal_date) {
                harbor::Result<DateTime> again =
                    parse_date_time(format_date_time(*message.internal_date));
                check(again.has_value() && *again == *message.internal_date);
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2) {
        return 0;
    }
    const std::uint8_t control = data[0];
    const std::size_t chunk = 1 + data[1] % 64;
    std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

    ReaderLimits limits;
    limits.max_line = (control & 1) != 0 ? 8192 : 64;
    limits.max_literal = (control & 2) != 0 ? 1U << 20 : 16;
    limits.max_command = (control & 4) != 0 ? 1U << 21 : 200;
    limits.max_literals = (control & 8) != 0 ? 64 : 2;
    limits.max_discard = (control & 16) != 0 ? 1U << 20 : 100;
    limits.non_sync = (control & 32) != 0 ? NonSyncLiterals::Plus
                      : (control & 64) != 0 ? NonSyncLiterals::Refused
                                            : NonSyncLiterals::Minus;
    const bool refuse_literals = (control & 128) != 0;
    ParseLimits parse_limits;
    parse_limits.max_search_depth = 8;
    parse_limits.max_list_items = 50;

    CommandReader reader(limits);
    std::size_t offset = 0;
    std::string_view pending;
    while (true) {
        if (pending.empty()) {
            if (offset >= input.size()) {
                return 0;
            }
            pending = input.substr(offset, chunk);
            offset += pending.size();
        }
        const ReadStep step = reader.read(pending);
        check(step.consumed <= pending.size());
        pending.remove_prefix(step.consumed);
        switch (step.kind) {
        case ReadStep::Kind::NeedMore:
            check(pending.empty());
            break;
        case ReadStep::Kind::LiteralWanted:
            check(reader.literal_request().size <= limits.max_literal);
            if (refuse_literals) {
                reader.refuse_literal();
            } else {
                reader.accept_literal();
            }
            break;
        case ReadStep::Kind::Failed:
            if (reader.failure().recovery == Recovery::Close) {
                return 0;
            }
            break;
        case ReadStep::Kind::Command: {
            const RawCommand raw = reader.take_command();
            check(!raw.pieces.empty() && raw.pieces.size() % 2 == 1);
            for (std::size_t i = 0; i < raw.pieces.size(); ++i) {
                const Piece& piece = raw.pieces[i];
                check((piece.kind == Piece::Kind::Text) == (i % 2 == 0));
                if (piece.kind == Piece::Kind::Text) {
                    check(piece.data.size() < limits.max_line);
                } else {
                    check(piece.data.size() <= limits.max_literal);
                }
            }
            harbor::Result<Command> command = parse_command(raw, parse_limits);
            if (command) {
                check_command(*command);
            } else {
                check(!command.error().detail.empty());
            }
            break;
        }
        }
    }
}
