// The TRANSACTION state (RFC 1939 §5, §7): STAT, LIST, RETR, TOP, DELE, RSET, UIDL over the
// maildrop snapshot, and the UPDATE state (§6) that QUIT enters: the messages marked by DELE
// are expunged from INBOX in one store call, durable before the +OK. A session that ends any
// other way removes nothing.
// SECURITY: message numbers are untrusted: parsed by parse_message_number (1..2^32-1), checked
// against the snapshot, deleted ones refused; every refusal is counted. Message bytes are read
// off the io thread and sent in their POP3 form (message_text.hpp), byte-stuffed.
#include "core/log.hpp"
#include "pop3/message_text.hpp"
#include "pop3/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::pop3 {
namespace {

using net::Awaitable;

// Messages read ahead by one RETR (in one store snapshot, off the io thread), for the RETRs
// that usually follow: clients fetch message after message, pipelined or not. Bounded in
// count and in stored octets; the first message is always read, whatever its size.
constexpr std::size_t read_ahead = 32;
constexpr std::uint64_t read_ahead_octets = 4 * 1024 * 1024;
// Messages read at once to measure their POP3 sizes (STAT, LIST).
constexpr std::size_t measure_batch = 256;

// A prefix that ends its last line cannot pair with the blob's first octet (a CR at the end
// of one and an LF at the start of the other would be one CRLF): the sizes of the two add up.
bool separable(const store::MessageRecord& record)
{
    return record.prefix.empty() || record.prefix.back() == '\n';
}

// The POP3 size of `message`, the stored copy `record` names; remembers its blob's share.
std::uint64_t measure(SizeCache& cache, const store::MessageRecord& record,
                      std::string_view message)
{
    const std::uint64_t size = pop3_size(message);
    if (separable(record)) {
        cache.remember(record.blob.sha256, size - pop3_size(record.prefix.get()));
    }
    return size;
}

// Reads `records` in one snapshot and turns each into what RETR sends.
std::vector<Result<Retrieved>> retrieve(store::Store& store, SizeCache& cache,
                                        const std::vector<store::MessageRecord>& records)
{
    std::vector<const store::MessageRecord*> pointers;
    pointers.reserve(records.size());
    for (const store::MessageRecord& record : records) {
        pointers.push_back(&record);
    }
    std::vector<Result<std::string>> messages = store.read_messages(pointers);
    std::vector<Result<Retrieved>> out;
    out.reserve(records.size());
    for (std::size_t k = 0; k < records.size(); ++k) {
        if (!messages[k]) {
            out.emplace_back(unexpected(std::move(messages[k]).error()));
            continue;
        }
        Retrieved retrieved;
        retrieved.size = measure(cache, records[k], *messages[k]);
        append_stuffed(retrieved.stuffed, *messages[k]);
        out.emplace_back(std::move(retrieved));
    }
    return out;
}

// The POP3 sizes of `records`: from the cache where it knows the blob, else read (in batches
// of one snapshot each). A copy expunged meanwhile (by an IMAP session) keeps its stored size:
// RETR will tell the client it is gone.
Result<std::vector<std::uint64_t>> measure_all(store::Store& store, SizeCache& cache,
                                               const std::vector<store::MessageRecord>& records)
{
    std::vector<std::uint64_t> sizes(records.size(), 0);
    std::vector<std::size_t> unknown;
    for (std::size_t k = 0; k < records.size(); ++k) {
        std::optional<std::uint64_t> known;
        if (separable(records[k])) {
            known = cache.find(records[k].blob.sha256);
        }
        if (known) {
            sizes[k] = pop3_size(records[k].prefix.get()) + *known;
        } else {
            unknown.push_back(k);
        }
    }
    for (std::size_t first = 0; first < unknown.size(); first += measure_batch) {
        std::vector<const store::MessageRecord*> batch;
        for (std::size_t k = first; k < unknown.size() && k < first + measure_batch; ++k) {
            batch.push_back(&records[unknown[k]]);
        }
        std::vector<Result<std::string>> messages = store.read_messages(batch);
        for (std::size_t k = 0; k < batch.size(); ++k) {
            const std::size_t index = unknown[first + k];
            if (messages[k]) {
                sizes[index] = measure(cache, records[index], *messages[k]);
            } else if (messages[k].error().code == Errc::NotFound) {
                sizes[index] = records[index].size;
            } else {
                return unexpected(std::move(messages[k]).error());
            }
        }
    }
    return sizes;
}

}  // namespace

std::string Session::unique_id(const MaildropMessage& message) const
{
    // RFC 1939 §7: 1 to 70 octets of 0x21..0x7E, never reused for another message of the
    // maildrop. UIDVALIDITY and UID together never point at another message (RFC 9051
    // §2.3.1.1), and both survive restarts.
    return std::to_string(maildrop_.uidvalidity) + "." + std::to_string(message.record.uid);
}

MaildropMessage* Session::message_at(std::string_view argument)
{
    std::optional<std::uint32_t> number = parse_message_number(argument);
    if (!number) {
        refuse("Invalid message number");
        return nullptr;
    }
    if (*number > maildrop_.messages.size()) {
        refuse("No such message");
        return nullptr;
    }
    MaildropMessage& message = maildrop_.messages[*number - 1];
    if (message.deleted) {
        refuse("Message " + std::to_string(*number) + " is deleted");
        return nullptr;
    }
    return &message;
}

std::size_t Session::number_of(const MaildropMessage& message) const
{
    return static_cast<std::size_t>(&message - maildrop_.messages.data()) + 1;
}

Awaitable<bool> Session::ensure_sizes()
{
    std::vector<std::size_t> missing;
    std::vector<store::MessageRecord> records;
    for (std::size_t i = 0; i < maildrop_.messages.size(); ++i) {
        if (!maildrop_.messages[i].size) {
            missing.push_back(i);
            records.push_back(maildrop_.messages[i].record);
        }
    }
    if (missing.empty()) {
        co_return true;
    }
    store::Store& store = handler_.store();
    SizeCache& cache = handler_.sizes();
    std::function<Result<std::vector<std::uint64_t>>()> measure_sizes =
        [&store, &cache, records = std::move(records)] {
            return measure_all(store, cache, records);
        };
    Result<std::vector<std::uint64_t>> sizes =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(measure_sizes));
    if (!sizes) {
        log::warn("pop3.sizes.failed",
                  {{"cid", context_.cid}, {"error", sizes.error().to_string()}});
        err("[SYS/TEMP] Cannot read the maildrop, try again later");
        co_return false;
    }
    for (std::size_t k = 0; k < missing.size(); ++k) {
        maildrop_.messages[missing[k]].size = (*sizes)[k];
    }
    co_return true;
}

Awaitable<void> Session::on_stat()
{
    if (!co_await ensure_sizes()) {
        co_return;
    }
    std::uint64_t count = 0;
    std::uint64_t octets = 0;
    for (const MaildropMessage& message : maildrop_.messages) {
        if (!message.deleted) {
            ++count;
            octets += *message.size;
        }
    }
    ok(std::to_string(count) + " " + std::to_string(octets));  // RFC 1939 §5 drop listing
}

Awaitable<void> Session::on_list(const Command& command)
{
    if (!command.args.empty()) {
        MaildropMessage* message = message_at(command.args.front());
        if (message == nullptr) {
            co_return;
        }
        if (!message->size) {
            if (!co_await ensure_sizes()) {
                co_return;
            }
        }
        ok(std::to_string(number_of(*message)) + " " + std::to_string(*message->size));
        co_return;
    }
    if (!co_await ensure_sizes()) {
        co_return;
    }
    std::string listing;
    std::uint64_t count = 0;
    std::uint64_t octets = 0;
    for (std::size_t i = 0; i < maildrop_.messages.size(); ++i) {
        const MaildropMessage& message = maildrop_.messages[i];
        if (!message.deleted) {
            ++count;
            octets += *message.size;
            listing += std::to_string(i + 1) + " " + std::to_string(*message.size) + "\r\n";
        }
    }
    ok(std::to_string(count) + " messages (" + std::to_string(octets) + " octets)");
    out_ += listing;
    out_ += ".\r\n";
}

Awaitable<void> Session::on_retr(const Command& command)
{
    const bool top = command.verb == Verb::Top;
    std::optional<std::uint32_t> lines;
    if (top) {
        lines = parse_line_count(command.args[1]);
        if (!lines) {
            refuse("Invalid line count");
            co_return;
        }
    }
    MaildropMessage* message = message_at(command.args.front());
    if (message == nullptr) {
        co_return;
    }
    const std::size_t index = number_of(*message) - 1;
    Result<Retrieved> retrieved = unexpected(Errc::Internal, "not read");
    if (top) {
        store::Store& store = handler_.store();
        std::function<Result<Retrieved>()> read = [&store, record = message->record,
                                                   lines]() -> Result<Retrieved> {
            Result<std::string> bytes = store.read_message(record);
            HARBOR_TRY(bytes);
            Retrieved part;
            part.size = pop3_size(*bytes);
            append_stuffed(part.stuffed, *bytes, lines);
            return part;
        };
        retrieved = co_await store::off_io_thread(handler_.blocking().messages, std::move(read));
    } else {
        if (!read_ahead_.contains(index)) {
            co_await read_from(index);
        }
        auto found = read_ahead_.find(index);
        retrieved = std::move(found->second);
        read_ahead_.erase(found);
    }
    if (!retrieved) {
        if (retrieved.error().code == Errc::NotFound) {
            refuse("Message " + std::to_string(index + 1) + " was removed by another session");
        } else {
            log::warn("pop3.read.failed",
                      {{"cid", context_.cid}, {"error", retrieved.error().to_string()}});
            err("[SYS/TEMP] Cannot read the message, try again later");
        }
        co_return;
    }
    message->size = retrieved->size;
    if (top) {
        ok("");
    } else {
        ok(std::to_string(retrieved->size) + " octets");
    }
    out_ += retrieved->stuffed;
    out_ += ".\r\n";
}

Awaitable<void> Session::read_from(std::size_t index)
{
    read_ahead_.clear();
    std::vector<std::size_t> indexes;
    std::vector<store::MessageRecord> records;
    std::uint64_t octets = 0;
    for (std::size_t i = index; i < maildrop_.messages.size() && indexes.size() < read_ahead; ++i) {
        const MaildropMessage& next = maildrop_.messages[i];
        if (next.deleted) {
            continue;
        }
        if (!indexes.empty() && octets + next.record.size > read_ahead_octets) {
            break;
        }
        octets += next.record.size;
        indexes.push_back(i);
        records.push_back(next.record);
    }
    store::Store& store = handler_.store();
    SizeCache& cache = handler_.sizes();
    std::function<Result<std::vector<Result<Retrieved>>>()> read =
        [&store, &cache, records = std::move(records)]() -> Result<std::vector<Result<Retrieved>>> {
        return retrieve(store, cache, records);
    };
    Result<std::vector<Result<Retrieved>>> batch =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(read));
    for (std::size_t k = 0; k < indexes.size(); ++k) {
        if (batch) {
            read_ahead_.insert_or_assign(indexes[k], std::move((*batch)[k]));
        } else {
            read_ahead_.insert_or_assign(indexes[k], Result<Retrieved>(unexpected(batch.error())));
        }
    }
}

void Session::on_dele(const Command& command)
{
    MaildropMessage* message = message_at(command.args.front());
    if (message == nullptr) {
        return;
    }
    message->deleted = true;  // RFC 1939 §5: only marked; removed in the UPDATE state
    ok("Message " + std::to_string(number_of(*message)) + " deleted");
}

void Session::on_rset()
{
    for (MaildropMessage& message : maildrop_.messages) {
        message.deleted = false;
    }
    ok("Maildrop has " + std::to_string(maildrop_.messages.size()) + " messages");
}

void Session::on_uidl(const Command& command)
{
    if (!command.args.empty()) {
        const MaildropMessage* message = message_at(command.args.front());
        if (message != nullptr) {
            ok(std::to_string(number_of(*message)) + " " + unique_id(*message));
        }
        return;
    }
    ok("");
    for (std::size_t i = 0; i < maildrop_.messages.size(); ++i) {
        if (!maildrop_.messages[i].deleted) {
            out_ += std::to_string(i + 1) + " " + unique_id(maildrop_.messages[i]) + "\r\n";
        }
    }
    out_ += ".\r\n";
}

Awaitable<void> Session::on_quit_update()
{
    store::UidSet uids;
    std::size_t marked = 0;
    for (const MaildropMessage& message : maildrop_.messages) {
        if (!message.deleted) {
            continue;
        }
        ++marked;
        const std::uint32_t uid = message.record.uid;  // ascending: extend the last range
        if (!uids.empty() && uids.back().last + 1 == uid) {
            uids.back().last = uid;
        } else {
            uids.push_back(store::UidRange{uid, uid});
        }
    }
    std::string last;
    if (marked == 0) {
        last = "+OK Bye\r\n";
    } else {
        // Listed, not DeletedOnly: POP3 deletion marks are the session's own, not \Deleted.
        Result<store::ExpungeResult> expunged =
            co_await store::async_expunge(handler_.store(), maildrop_.mailbox, std::move(uids),
                                          store::ExpungeScope::Listed, boost::asio::use_awaitable);
        if (expunged) {
            log::info("pop3.update", {{"cid", context_.cid},
                                      {"user", account_->address},
                                      {"removed", std::to_string(expunged->uids.size())}});
            last = "+OK Bye, " + std::to_string(marked) + " messages deleted\r\n";
        } else {
            // A failed write changes nothing (store.hpp): every message is still there.
            log::warn("pop3.update.failed",
                      {{"cid", context_.cid}, {"error", expunged.error().to_string()}});
            last = "-ERR [SYS/TEMP] Deleted messages were not removed, try again\r\n";
        }
    }
    // Free the maildrop before the client hears the answer, so that it may log in again at
    // once (RFC 1939 §6: the lock is released in the UPDATE state).
    maildrop_.lease.reset();
    co_await say_last(last);
}

}  // namespace harbor::pop3
