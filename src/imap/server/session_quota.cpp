// QUOTA (RFC 9208): one quota root per account, named "", with the STORAGE resource
// (RFC 9208 §5.1, units of 1024 octets) — the account's quota_bytes, counted by the store over
// every message it holds. SETQUOTA is for administrators (the CLI and, later, the admin API).
#include "core/log.hpp"
#include "imap/fetch/imap_string.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

struct QuotaState {
    std::uint64_t used_bytes = 0;
    std::uint64_t limit_bytes = 0;  // 0: none
    bool mailbox_exists = true;
};

}  // namespace

Awaitable<void> Session::on_quota(const Command& command)
{
    if (command.name == CommandName::SetQuota) {
        // RFC 9208 §4.4: NO when the user may not change quotas.
        tagged(command.tag, "NO", "[NOPERM] Quotas are set by the administrator");
        co_return;
    }
    std::optional<std::string> mailbox;
    if (command.name == CommandName::GetQuotaRoot) {
        Result<std::string> name = name_from_client(std::get<MailboxArgs>(command.args).mailbox);
        if (!name) {
            tagged(command.tag, "NO", "[NONEXISTENT] " + name.error().detail);
            co_return;
        }
        mailbox = std::move(*name);
    } else if (!std::get<QuotaRootArgs>(command.args).root.empty()) {
        tagged(command.tag, "NO", "[NONEXISTENT] No such quota root");
        co_return;
    }
    // The limit as it is now (an administrator may have changed it since LOGIN).
    store::Store& store = handler_.store();
    const store::Account& account = *account_;
    std::function<Result<QuotaState>()> work = [&store, account, mailbox]() -> Result<QuotaState> {
        QuotaState state;
        const std::string_view address = account.address;
        const std::size_t at = address.rfind('@');
        Result<store::Account> current =
            store.find_account(account.local_part, address.substr(at + 1));
        HARBOR_TRY(current);
        state.limit_bytes = current->quota_bytes;
        Result<std::uint64_t> used = store.used_bytes(account.id);
        HARBOR_TRY(used);
        state.used_bytes = *used;
        if (mailbox) {
            Result<store::Mailbox> box = store.find_mailbox(account.id, *mailbox);
            if (!box && box.error().code != Errc::NotFound) {
                return unexpected(std::move(box).error());
            }
            state.mailbox_exists = static_cast<bool>(box);
        }
        return state;
    };
    Result<QuotaState> state =
        co_await store::off_io_thread(handler_.blocking().lookups, std::move(work));
    if (!state) {
        log::warn("imap.quota.failed",
                  {{"cid", context_.cid}, {"error", state.error().to_string()}});
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    if (!state->mailbox_exists) {
        tagged(command.tag, "NO", "[NONEXISTENT] No such mailbox");
        co_return;
    }
    const std::string verb(command_name_text(command.name));
    if (mailbox) {
        std::string line = "QUOTAROOT ";
        append_string(line, name_for_client(*mailbox));
        // RFC 9208 §4.3: an unlimited account has no quota root at all.
        untagged(line + (state->limit_bytes > 0 ? " \"\"" : ""));
    } else if (state->limit_bytes == 0) {
        tagged(command.tag, "NO", "[NONEXISTENT] No quota for this account");
        co_return;
    }
    if (state->limit_bytes > 0) {
        // Rounded up: a client must not think there is room when there is not.
        const std::uint64_t used_units = (state->used_bytes + 1023) / 1024;
        const std::uint64_t limit_units = state->limit_bytes / 1024;
        untagged("QUOTA \"\" (STORAGE " + std::to_string(used_units) + " " +
                 std::to_string(limit_units) + ")");
    }
    tagged(command.tag, "OK", verb + " completed");
}

}  // namespace harbor::imap::server
