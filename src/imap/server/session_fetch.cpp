// FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9, §7.5.2): FLAGS, UID, INTERNALDATE,
// RFC822.SIZE and MODSEQ (RFC 7162 §3.1.4.1) from the view; ENVELOPE, BODY, BODYSTRUCTURE,
// BODY[...], BODY.PEEK, RFC822*, BINARY[...] and BINARY.SIZE from the message, read and
// formatted off the io thread (fetch_data.cpp). CHANGEDSINCE (RFC 7162 §3.1.4.1) and VANISHED
// (RFC 7162 §3.2.6). BODY[...], BINARY[...], RFC822 and RFC822.TEXT set \Seen first, in one
// store write for the whole set, and the changed FLAGS come with the data (§6.4.5).
// SECURITY: sequence sets are resolved to ranges without expansion; one message is read and
// held at a time, and responses are written as they grow past fetch_flush_threshold.
#include <algorithm>

#include "core/log.hpp"
#include "imap/fetch/imap_string.hpp"
#include "imap/protocol/date_time.hpp"
#include "imap/server/fetch_data.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

constexpr std::size_t fetch_flush_threshold = 256 * 1024;
// Responses this large get the flush threshold's buffer at once (small ones never do).
constexpr std::size_t fetch_reserve_after = 16 * 1024;

bool is_atom_text(std::string_view text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f &&
               std::string_view("(){%*\"\\]").find(c) == std::string_view::npos;
    });
}

// section-spec (RFC 9051 §9) as text, the form responses repeat: "1.2.HEADER.FIELDS (A B)".
std::string format_section(const Section& section)
{
    std::string out;
    for (const std::uint32_t number : section.part) {
        if (!out.empty()) {
            out += '.';
        }
        out += std::to_string(number);
    }
    if (section.text == SectionText::None) {
        return out;
    }
    if (!out.empty()) {
        out += '.';
    }
    if (section.text == SectionText::Header) {
        out += "HEADER";
    } else if (section.text == SectionText::Text) {
        out += "TEXT";
    } else if (section.text == SectionText::Mime) {
        out += "MIME";
    } else {
        out +=
            section.text == SectionText::HeaderFields ? "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (";
        for (std::size_t i = 0; i < section.fields.size(); ++i) {
            if (i > 0) {
                out += ' ';
            }
            if (is_atom_text(section.fields[i])) {
                out += section.fields[i];
            } else {
                append_string(out, section.fields[i]);
            }
        }
        out += ')';
    }
    return out;
}

// Where the batch of messages read together from indexes[first] ends: at most
// fetch_batch_messages messages and, past the first, fetch_batch_bytes of stored size, so that
// a batch of large messages holds about as much as one flush.
constexpr std::size_t fetch_batch_messages = 128;
constexpr std::uint64_t fetch_batch_bytes = fetch_flush_threshold;
// A batch whose messages the store holds in memory is formatted on the io thread up to this
// size: at worst a MIME parse of it, some tens of microseconds, less than the trip it saves
// other sessions' commands would wait for.
constexpr std::size_t fetch_on_io_thread_bytes = 256 * 1024;

std::size_t fetch_batch_end(const store::MessageList& messages,
                            const std::vector<std::size_t>& indexes, std::size_t first)
{
    std::size_t end = first + 1;
    std::uint64_t bytes = messages[indexes[first]].size;
    while (end < indexes.size() && end - first < fetch_batch_messages) {
        bytes += messages[indexes[end]].size;
        if (bytes > fetch_batch_bytes) {
            break;
        }
        ++end;
    }
    return end;
}

MessageDataItem plain_item(MessageDataItem::Kind kind, std::string name, std::string section)
{
    MessageDataItem item;
    item.kind = kind;
    item.response_name = std::move(name);
    item.section = std::move(section);
    return item;
}

// The message-data description of an attribute that needs the message's bytes.
std::optional<MessageDataItem> message_data_item(const FetchAttribute& att)
{
    MessageDataItem item;
    using Kind = MessageDataItem::Kind;
    if (att.item == FetchItem::Envelope) {
        item = plain_item(Kind::Envelope, "ENVELOPE", "");
    } else if (att.item == FetchItem::Body) {
        item = plain_item(Kind::Body, "BODY", "");
    } else if (att.item == FetchItem::BodyStructure) {
        item = plain_item(Kind::BodyStructure, "BODYSTRUCTURE", "");
    } else if (att.item == FetchItem::Rfc822) {
        item = plain_item(Kind::Section, "RFC822", "");
    } else if (att.item == FetchItem::Rfc822Header) {
        item = plain_item(Kind::Section, "RFC822.HEADER", "HEADER");
    } else if (att.item == FetchItem::Rfc822Text) {
        item = plain_item(Kind::Section, "RFC822.TEXT", "TEXT");
    } else if (att.item == FetchItem::BodySection || att.item == FetchItem::Binary ||
               att.item == FetchItem::BinarySize) {
        item.section = format_section(att.section);
        item.kind = att.item == FetchItem::BodySection ? Kind::Section
                    : att.item == FetchItem::Binary    ? Kind::Binary
                                                       : Kind::BinarySize;
        const std::string_view name = att.item == FetchItem::BodySection ? "BODY"
                                      : att.item == FetchItem::Binary    ? "BINARY"
                                                                         : "BINARY.SIZE";
        // RFC 9051 §7.5.2: the response names BODY[...] (never .PEEK) and only the origin
        // of a partial fetch.
        item.response_name = std::string(name) + "[" + item.section + "]";
        if (att.partial) {
            item.partial = true;
            item.origin = att.partial->offset;
            item.count = att.partial->length;
            item.response_name += "<" + std::to_string(item.origin) + ">";
        }
    } else {
        return std::nullopt;
    }
    return item;
}

// Unix seconds to an INTERNALDATE in UTC (RFC 9051 §9 date-time): days to a civil date by
// the inverse of days_from_civil (proleptic Gregorian, 400-year eras).
std::string format_internal_date(std::int64_t unix_seconds)
{
    std::int64_t days = unix_seconds / 86400;
    std::int64_t rest = unix_seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    DateTime value;
    value.date.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    value.date.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    value.date.year = static_cast<int>(yoe + era * 400 + (value.date.month <= 2 ? 1 : 0));
    value.hour = static_cast<int>(rest / 3600);
    value.minute = static_cast<int>(rest % 3600 / 60);
    value.second = static_cast<int>(rest % 60);
    return "\"" + format_date_time(value) + "\"";
}

}  // namespace

namespace {

// RFC 9051 §6.4.5: the items that set \Seen unless read-only or .PEEK.
bool sets_seen(const FetchAttribute& att)
{
    return ((att.item == FetchItem::BodySection || att.item == FetchItem::Binary) && !att.peek) ||
           att.item == FetchItem::Rfc822 || att.item == FetchItem::Rfc822Text;
}

bool has_flag(const store::MessageRecord& message, std::string_view flag)
{
    return std::find(message.flags.begin(), message.flags.end(), flag) != message.flags.end();
}

}  // namespace

Awaitable<bool> Session::on_fetch(const Command& command)
{
    const auto& args = std::get<FetchArgs>(command.args);
    if (args.vanished && (!command.uid || !args.changed_since || !qresync_)) {
        // RFC 7162 §3.2.6: VANISHED only with UID FETCH, CHANGEDSINCE and QRESYNC enabled.
        refuse(command.tag, "VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC");
        co_return true;
    }
    const bool wants_modseq =
        args.changed_since ||
        std::any_of(args.attributes.begin(), args.attributes.end(),
                    [](const FetchAttribute& att) { return att.item == FetchItem::ModSeq; });
    if (wants_modseq) {
        condstore_ = true;  // RFC 7162 §3.1: a CONDSTORE enabling command
    }
    Result<std::vector<std::size_t>> selected = selected_indexes(args.set, command.uid);
    if (!selected) {
        refuse(command.tag, selected.error().detail);
        co_return true;
    }
    std::vector<std::size_t> indexes;
    indexes.reserve(selected->size());
    for (const std::size_t index : *selected) {
        if (!args.changed_since || selected_->messages[index].modseq > *args.changed_since) {
            indexes.push_back(index);
        }
    }
    if (args.vanished) {
        // RFC 7162 §3.2.6: the UIDs in the set expunged since CHANGEDSINCE, before the FETCH
        // responses.
        store::Store& store = handler_.store();
        std::function<Result<std::vector<std::uint32_t>>()> work =
            [&store, id = selected_->mailbox.id, since = *args.changed_since] {
                return store.list_expunged_since(id, since);
            };
        Result<std::vector<std::uint32_t>> vanished =
            co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
        if (!vanished) {
            tagged(command.tag, "NO", unavailable_text);
            co_return true;
        }
        Result<std::vector<ResolvedRange>> ranges =
            resolve(SequenceSet{args.set.ranges, false}, 0xffffffffu, SequenceKind::Uids);
        std::string text;
        for (const std::uint32_t uid : *vanished) {
            if (ranges && contains(*ranges, uid)) {
                text += (text.empty() ? "" : ",") + std::to_string(uid);
            }
        }
        if (!text.empty()) {
            untagged("VANISHED (EARLIER) " + text);
        }
    }
    std::vector<MessageDataItem> data_items;
    bool seen_wanted = false;
    for (const FetchAttribute& att : args.attributes) {
        seen_wanted = seen_wanted || sets_seen(att);
        if (std::optional<MessageDataItem> item = message_data_item(att)) {
            data_items.push_back(std::move(*item));
        }
    }
    // \Seen for every message about to be read that lacks it, in one write; their FLAGS go
    // out with the data, as if the client had asked for them.
    std::vector<std::size_t> newly_seen;
    if (seen_wanted && !selected_->read_only) {
        for (const std::size_t index : indexes) {
            if (!has_flag(selected_->messages[index], "\\Seen")) {
                newly_seen.push_back(index);
            }
        }
    }
    if (!newly_seen.empty()) {
        store::StoreFlagsRequest request;
        request.mailbox = selected_->mailbox.id;
        request.uids = uid_set_of(newly_seen);
        request.mode = store::FlagMode::Add;
        request.flags = {"\\Seen"};
        Result<store::StoreFlagsResult> stored = co_await store::async_store_flags(
            handler_.store(), std::move(request), boost::asio::use_awaitable);
        if (!stored) {
            log::warn("imap.fetch.seen_failed",
                      {{"cid", context_.cid}, {"error", stored.error().to_string()}});
            newly_seen.clear();
        } else {
            store::MessageList& owned = selected_->messages.edit();
            auto next = newly_seen.begin();
            for (const store::FlagUpdate& update : stored->updated) {
                while (next != newly_seen.end() && owned[*next].uid < update.uid) {
                    ++next;
                }
                if (next != newly_seen.end() && owned[*next].uid == update.uid) {
                    store::MessageRecord& message = owned.modify(*next);
                    message.flags = update.flags;
                    message.modseq = update.modseq;
                }
            }
        }
    }
    const store::MessageList& messages = selected_->messages;
    const bool wants_flags =
        std::any_of(args.attributes.begin(), args.attributes.end(),
                    [](const FetchAttribute& att) { return att.item == FetchItem::Flags; });
    const bool wants_uid =
        command.uid ||
        std::any_of(args.attributes.begin(), args.attributes.end(),
                    [](const FetchAttribute& att) { return att.item == FetchItem::Uid; });
    store::Store& store = handler_.store();
    const mime::Limits limits = settings_.message_limits;
    bool gone = false;  // a message expunged meanwhile could not be read
    // Messages are read and formatted off the io thread a batch at a time: one hand-off per
    // message would cost more in thread wake-ups than the formatting itself.
    std::vector<Result<std::vector<std::string>>> batch;
    std::size_t batch_start = 0;  // position in `indexes` of batch[0]
    for (std::size_t position = 0; position < indexes.size(); ++position) {
        const std::size_t index = indexes[position];
        const store::MessageRecord& record = messages[index];
        std::vector<std::string> data;
        if (!data_items.empty()) {
            if (position == batch_start + batch.size()) {
                batch_start = position;
                const std::size_t end = fetch_batch_end(messages, indexes, position);
                std::vector<const store::MessageRecord*> records;
                for (std::size_t i = position; i < end; ++i) {
                    records.push_back(&messages[indexes[i]]);
                }
                // Messages the store holds in memory are formatted here: the trip to the
                // store's threads would cost more than a small message's formatting.
                if (auto cached = format_cached(store, settings_.text_index, records, data_items,
                                                limits, fetch_on_io_thread_bytes)) {
                    batch = std::move(*cached);
                } else {
                    std::function<Result<std::vector<Result<std::vector<std::string>>>>()> work =
                        [&store, &records, &data_items, limits,
                         text_index = settings_.text_index]() {
                            // ENVELOPE, BODYSTRUCTURE and header sections from the blobs'
                            // summaries where the index has them (fetch_data.hpp).
                            return Result<std::vector<Result<std::vector<std::string>>>>(
                                format_messages(store, text_index, records, data_items, limits));
                        };
                    auto formatted_batch = co_await store::off_io_thread(
                        handler_.blocking().messages, std::move(work));
                    batch = std::move(*formatted_batch);
                }
            }
            Result<std::vector<std::string>>& formatted = batch[position - batch_start];
            if (!formatted) {
                const Errc code = formatted.error().code;
                if (code == Errc::NotFound) {
                    gone = true;  // RFC 5530 §3 EXPUNGEISSUED: left out, the rest goes on
                    continue;
                }
                log::warn("imap.fetch.failed", {{"cid", context_.cid},
                                                {"uid", std::to_string(record.uid)},
                                                {"error", formatted.error().to_string()}});
                if (code == Errc::Unsupported) {
                    tagged(command.tag, "NO", "[UNKNOWN-CTE] Cannot decode the part");
                } else if (code == Errc::Limit) {
                    tagged(command.tag, "NO", "[LIMIT] Part too large to decode");
                } else {
                    tagged(command.tag, "NO", unavailable_text);
                }
                co_return true;
            }
            data = std::move(*formatted);
        }
        std::string line = std::to_string(index + 1) + " FETCH (";
        std::size_t next_data = 0;
        bool first = true;
        const auto add = [&](const std::string& piece) {
            line.append(piece, first ? 1 : 0);  // the first piece without its leading space
            first = false;
        };
        const bool flags_changed =
            !newly_seen.empty() && std::binary_search(newly_seen.begin(), newly_seen.end(), index);
        // RFC 9051 §6.4.9: always for UID FETCH; RFC 7162 §3.1: with a \Seen it set, once
        // CONDSTORE is on.
        if (wants_uid || (flags_changed && condstore())) {
            add(" UID " + std::to_string(record.uid));
        }
        for (const FetchAttribute& att : args.attributes) {
            if (att.item == FetchItem::Uid || att.item == FetchItem::ModSeq) {
                continue;
            }
            if (att.item == FetchItem::Flags) {
                add(" FLAGS " + format_flags(record.flags));
            } else if (att.item == FetchItem::InternalDate) {
                add(" INTERNALDATE " + format_internal_date(record.internal_date));
            } else if (att.item == FetchItem::Rfc822Size) {
                add(" RFC822.SIZE " + std::to_string(record.size));
            } else if (next_data < data.size()) {
                add(std::move(data[next_data++]));
            }
        }
        if (flags_changed && !wants_flags) {
            add(" FLAGS " + format_flags(record.flags));
        }
        if (wants_modseq || (flags_changed && condstore())) {
            add(" MODSEQ (" + std::to_string(record.modseq) + ")");
        }
        if (out_.size() > fetch_reserve_after && out_.capacity() < fetch_flush_threshold) {
            // A large response gets its buffer at once: grown by doubling, it was copied again
            // at each step (much of a 20-client FETCH 1:* ENVELOPE's CPU was memmove).
            out_.reserve(fetch_flush_threshold + fetch_flush_threshold / 4);
        }
        out_ += "* ";
        out_ += line;
        out_ += ")\r\n";
        if (out_.size() > fetch_flush_threshold) {
            const bool written = co_await flush();  // not inside &&: GCC 12
            if (!written) {
                co_return false;
            }
        }
    }
    tagged(command.tag, "OK",
           std::string(gone ? "[EXPUNGEISSUED] Some messages were expunged; " : "") +
               (command.uid ? "UID " : "") + "FETCH completed");
    co_return true;
}

}  // namespace harbor::imap::server
