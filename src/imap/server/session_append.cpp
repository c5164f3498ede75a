// APPEND (RFC 9051 §6.3.12) into an existing mailbox, with APPENDUID (RFC 4315 §3, part of
// IMAP4rev2), literal8 (RFC 3516 §4.4), the UTF8 form (RFC 6855 §4) and MULTIAPPEND (RFC 3502):
// several messages in one command, appended all or none (§6.3.11) by one store request.
// SECURITY: the messages are untrusted; each one's size was bounded by the reader (max_append,
// the APPENDLIMIT of RFC 7889) before any octet was read, and the whole command's by
// max_command; flags are checked here, and the store copies the bytes before returning.
#include "core/log.hpp"
#include "imap/protocol/mailbox_name.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"

#include <algorithm>
#include <ctime>

namespace harbor::imap::server {
namespace {

using net::Awaitable;

// RFC 9051 §2.3.2: the system flags a client may set; \Recent is not one (§9 flag).
bool is_settable_flag(std::string_view flag)
{
    static constexpr std::string_view system[] = {"\\Answered", "\\Flagged", "\\Deleted", "\\Seen",
                                                  "\\Draft"};
    if (!flag.starts_with('\\')) {
        return !flag.empty();  // a keyword: the grammar already made it an atom
    }
    return std::any_of(std::begin(system), std::end(system), [&](std::string_view known) {
        if (known.size() != flag.size()) {
            return false;
        }
        for (std::size_t i = 0; i < flag.size(); ++i) {
            if (std::tolower(static_cast<unsigned char>(known[i])) !=
                std::tolower(static_cast<unsigned char>(flag[i]))) {
                return false;
            }
        }
        return true;
    });
}

// RFC 4315 §3 uid-set for APPENDUID ("7" for one message, "7:9" for a MULTIAPPEND): runs of
// consecutive UIDs as ranges, in the order the messages were given.
std::string format_uid_set(const std::vector<store::MessageRecord>& records)
{
    std::vector<std::uint32_t> uids;
    uids.reserve(records.size());
    for (const store::MessageRecord& record : records) {
        uids.push_back(record.uid);
    }
    return format_number_runs(uids);
}

}  // namespace

Awaitable<void> Session::on_append(const Command& command)
{
    const auto& args = std::get<AppendArgs>(command.args);
    // RFC 3502 §6.3.11: none of the messages is appended if one cannot be, so every message
    // is checked before the store sees any.
    for (const AppendMessage& message : args.messages) {
        for (const std::string& flag : message.flags) {
            if (!is_settable_flag(flag)) {
                tagged(command.tag, "BAD", "Flag " + flag + " cannot be set");
                (void)count_error();
                co_return;
            }
        }
    }
    for (const AppendMessage& message : args.messages) {
        if (message.data.empty()) {
            tagged(command.tag, "NO", "Empty message");
            co_return;
        }
    }
    Result<std::string> name = name_from_client(args.mailbox);
    if (!name) {
        tagged(command.tag, "NO", "[TRYCREATE] " + name.error().detail);
        co_return;
    }
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    std::vector<store::AppendRequest> requests;
    requests.reserve(args.messages.size());
    for (const AppendMessage& message : args.messages) {
        store::AppendRequest request;
        request.account = account_->id;
        request.mailbox = *name;
        request.if_missing = store::MissingMailbox::Fail;  // the store's lookup, in the same write
        request.bytes = message.data;
        request.flags = message.flags;
        request.internal_date =
            message.internal_date ? message.internal_date->to_unix_seconds() : now;
        requests.push_back(std::move(request));
    }
    // One message through append_async, as before MULTIAPPEND; several in one store request,
    // one transaction: all or none (RFC 3502 §6.3.11), and [OVERQUOTA] when their total does
    // not fit (RFC 9208 §4.3 and §5.1: the quota counts every message appended).
    Result<std::vector<store::MessageRecord>> stored = unexpected(Errc::Internal, "not run");
    if (requests.size() == 1) {
        Result<store::MessageRecord> one = co_await store::async_append(
            handler_.store(), std::move(requests.front()), boost::asio::use_awaitable);
        if (one) {
            stored = std::vector<store::MessageRecord>{std::move(*one)};
        } else {
            stored = unexpected(one.error());
        }
    } else {
        // The requests' bytes are views into the command, which outlives the co_await.
        stored = co_await store::async_append_all(handler_.store(), std::move(requests),
                                                  boost::asio::use_awaitable);
    }
    if (!stored) {
        const Errc code = stored.error().code;
        log::info("imap.append.failed", {{"cid", context_.cid},
                                         {"messages", args.messages.size()},
                                         {"error", stored.error().to_string()}});
        if (code == Errc::NotFound) {
            // RFC 9051 §6.3.12: the client may CREATE it and try again (not supported yet).
            tagged(command.tag, "NO", "[TRYCREATE] No such mailbox");
        } else if (code == Errc::Quota) {
            tagged(command.tag, "NO", "[OVERQUOTA] Mailbox quota exceeded");
        } else if (code == Errc::Invalid) {
            tagged(command.tag, "NO", "Message refused");
        } else if (code == Errc::Limit) {
            tagged(command.tag, "NO", "[LIMIT] Mailbox full");
        } else {
            tagged(command.tag, "NO", unavailable_text);
        }
        co_return;
    }
    const store::MessageRecord& first = stored->front();
    if (state_ == SessionState::Selected && selected_->mailbox.id == first.mailbox) {
        // RFC 9051 §6.3.12: EXISTS for the selected mailbox, now rather than when the
        // change feed's note arrives.
        const bool more = co_await refresh_selected(true, true);
        if (!more) {
            co_return;
        }
    }
    // RFC 4315 §3: the store reports the mailbox's UIDVALIDITY with the new messages, which
    // all went to one mailbox.
    tagged(command.tag, "OK",
           "[APPENDUID " + std::to_string(first.uidvalidity) + " " + format_uid_set(*stored) +
               "] APPEND completed");
}

}  // namespace harbor::imap::server
