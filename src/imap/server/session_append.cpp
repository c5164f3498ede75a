// APPEND (RFC 9051 §6.3.12) into an existing mailbox, with APPENDUID (RFC 4315 §3, part of
// IMAP4rev2), literal8 (RFC 3516 §4.4) and the UTF8 form (RFC 6855 §4). One message per
// command: MULTIAPPEND (RFC 3502) is not offered.
// SECURITY: the message is untrusted; its size was bounded by the reader (max_append) before
// any octet was read, flags are checked here, and the store copies the bytes before returning.
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

}  // namespace

Awaitable<void> Session::on_append(const Command& command)
{
    const auto& args = std::get<AppendArgs>(command.args);
    if (args.messages.size() != 1) {
        tagged(command.tag, "BAD", "One message per APPEND (MULTIAPPEND is not supported)");
        (void)count_error();
        co_return;
    }
    const AppendMessage& message = args.messages.front();
    for (const std::string& flag : message.flags) {
        if (!is_settable_flag(flag)) {
            tagged(command.tag, "BAD", "Flag " + flag + " cannot be set");
            (void)count_error();
            co_return;
        }
    }
    if (message.data.empty()) {
        tagged(command.tag, "NO", "Empty message");
        co_return;
    }
    Result<std::string> name = name_from_client(args.mailbox);
    if (!name) {
        tagged(command.tag, "NO", "[TRYCREATE] " + name.error().detail);
        co_return;
    }
    store::AppendRequest request;
    request.account = account_->id;
    request.mailbox = *name;
    request.if_missing = store::MissingMailbox::Fail;  // the store's lookup, in the same write
    request.bytes = message.data;
    request.flags = message.flags;
    request.internal_date = message.internal_date ? message.internal_date->to_unix_seconds()
                                                  : static_cast<std::int64_t>(std::time(nullptr));
    Result<store::MessageRecord> stored = co_await store::async_append(
        handler_.store(), std::move(request), boost::asio::use_awaitable);
    if (!stored) {
        const Errc code = stored.error().code;
        log::info("imap.append.failed",
                  {{"cid", context_.cid}, {"error", stored.error().to_string()}});
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
    if (state_ == SessionState::Selected && selected_->mailbox.id == stored->mailbox) {
        // RFC 9051 §6.3.12: EXISTS for the selected mailbox, now rather than when the
        // change feed's note arrives.
        const bool more = co_await refresh_selected(true, true);
        if (!more) {
            co_return;
        }
    }
    // RFC 4315 §3: the store reports the mailbox's UIDVALIDITY with the new message.
    tagged(command.tag, "OK",
           "[APPENDUID " + std::to_string(stored->uidvalidity) + " " + std::to_string(stored->uid) +
               "] APPEND completed");
}

}  // namespace harbor::imap::server
