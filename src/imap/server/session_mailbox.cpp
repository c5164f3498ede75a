// Authenticated-state commands over the existing store API: ENABLE (RFC 9051 §6.3.1, RFC 5161),
// ID (RFC 2971), NAMESPACE (RFC 9051 §6.3.10, RFC 2342), LIST and LSUB (§6.3.9, RFC 3501
// §6.3.9), SELECT and EXAMINE (§6.3.2, §6.3.3), STATUS (§6.3.11), CLOSE and UNSELECT (§6.4.1,
// §6.4.2), and the NOOP refresh of the selected mailbox (§7.4.1 EXPUNGE, §7.3.1 EXISTS).
// SECURITY: mailbox names are untrusted: decoded strictly (decode_mutf7) and normalised
// (normalize_mailbox_name) before they reach the store; LIST patterns are matched in
// O(pattern x name) without backtracking.
#include <algorithm>
#include <map>
#include <set>

#include "core/log.hpp"
#include "imap/fetch/imap_string.hpp"
#include "imap/protocol/mailbox_name.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

constexpr std::string_view system_flags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// RFC 9051 §6.3.9: "*" matches anything, "%" anything but the hierarchy separator. Dynamic
// programming over the pattern, one row per name octet: no exponential backtracking.
bool matches(std::string_view pattern, std::string_view name)
{
    std::vector<char> row(pattern.size() + 1, 0);
    row[0] = 1;
    for (std::size_t j = 0; j < pattern.size() && (pattern[j] == '*' || pattern[j] == '%'); ++j) {
        row[j + 1] = 1;
    }
    for (const char c : name) {
        std::vector<char> next(pattern.size() + 1, 0);
        for (std::size_t j = 0; j < pattern.size(); ++j) {
            const char p = pattern[j];
            if (p == '*' || (p == '%' && c != hierarchy_separator)) {
                next[j + 1] = static_cast<char>(next[j] || row[j + 1] || row[j]);
            } else if (p == '%') {
                next[j + 1] = next[j];
            } else {
                next[j + 1] = static_cast<char>(row[j] && p == c);
            }
        }
        row = std::move(next);
    }
    return row[pattern.size()] != 0;
}

// INBOX is case-insensitive (RFC 9051 §5.1): a pattern starting with it in any case is
// written as the store writes the name.
std::string canonical_pattern(std::string pattern)
{
    if (pattern.size() >= 5) {
        std::string head = pattern.substr(0, 5);
        std::transform(head.begin(), head.end(), head.begin(), ascii_upper);
        if (head == "INBOX" && (pattern.size() == 5 || pattern[5] == hierarchy_separator)) {
            pattern.replace(0, 5, "INBOX");
        }
    }
    return pattern;
}

}  // namespace

Result<std::string> Session::name_from_client(std::string_view sent) const
{
    if (utf8_names()) {
        return normalize_mailbox_name(sent);
    }
    Result<std::string> decoded = decode_mutf7(sent);
    if (!decoded) {
        return unexpected(Errc::Invalid, "mailbox name is not modified UTF-7");
    }
    return normalize_mailbox_name(*decoded);
}

std::string Session::name_for_client(std::string_view name) const
{
    if (utf8_names()) {
        return std::string(name);
    }
    Result<std::string> encoded = encode_mutf7(name);
    return encoded ? *encoded : std::string(name);
}

Awaitable<Result<std::vector<store::Mailbox>>> Session::load_mailboxes()
{
    store::Store& store = handler_.store();
    std::function<Result<std::vector<store::Mailbox>>()> work = [&store, id = account_->id] {
        return store.list_mailboxes(id);
    };
    Result<std::vector<store::Mailbox>> boxes =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
    co_return boxes;
}

Awaitable<Result<std::vector<store::MessageRecord>>> Session::load_messages(store::MailboxId id)
{
    store::Store& store = handler_.store();
    std::function<Result<std::vector<store::MessageRecord>>()> work = [&store, id] {
        return store.list_messages(id);
    };
    Result<std::vector<store::MessageRecord>> messages =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
    if (messages) {
        std::sort(messages->begin(), messages->end(),
                  [](const auto& a, const auto& b) { return a.uid < b.uid; });
    }
    co_return messages;
}

void Session::on_enable(const Command& command)
{
    const auto& args = std::get<EnableArgs>(command.args);
    std::string enabled;
    for (const std::string& name : args.capabilities) {
        // RFC 5161 §3.1: only what we support is listed; the rest is ignored.
        if (name == "UTF8=ACCEPT" && !utf8_accept_) {
            utf8_accept_ = true;
            enabled += " UTF8=ACCEPT";
        } else if (name == "IMAP4REV2" && !imap4rev2_) {
            imap4rev2_ = true;
            enabled += " IMAP4rev2";
        }
    }
    untagged("ENABLED" + enabled);
    tagged(command.tag, "OK", "ENABLE completed");
}

void Session::on_id(const Command& command)
{
    // RFC 2971 §3.2: the server's own fields; nothing of the client's is kept but the log.
    const auto& args = std::get<IdArgs>(command.args);
    if (args.fields) {
        for (const auto& [key, value] : *args.fields) {
            if (key == "name" || key == "version") {
                log::debug("imap.id", {{"cid", context_.cid}, {key, value.value_or("NIL")}});
            }
        }
    }
    untagged("ID (\"name\" \"Harbor\")");
    tagged(command.tag, "OK", "ID completed");
}

void Session::on_namespace(const Command& command)
{
    // RFC 2342 §5 / RFC 9051 §6.3.10: one personal namespace "" with separator "/".
    untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
    tagged(command.tag, "OK", "NAMESPACE completed");
}

Awaitable<void> Session::on_list(const Command& command)
{
    const auto& args = std::get<ListArgs>(command.args);
    const bool lsub = command.name == CommandName::Lsub;
    const std::string verb = lsub ? "LSUB" : "LIST";
    if (!args.select_options.empty() || args.return_status_requested ||
        std::any_of(args.return_options.begin(), args.return_options.end(),
                    [](const std::string& option) {
                        // Both are always returned: accepting them costs nothing (RFC 6154 §5.1).
                        return option != "CHILDREN" && option != "SPECIAL-USE";
                    })) {
        tagged(command.tag, "NO", "[CANNOT] LIST selection and return options are not supported");
        co_return;
    }
    const std::string separator = "\"/\"";
    if (args.patterns.size() == 1 && args.patterns.front().empty()) {
        // RFC 9051 §6.3.9: an empty pattern asks for the separator and the reference's root.
        untagged(verb + " (\\Noselect) " + separator + " \"\"");
        tagged(command.tag, "OK", verb + " completed");
        co_return;
    }
    Result<std::vector<store::Mailbox>> boxes = co_await load_mailboxes();
    if (!boxes) {
        log::warn("imap.list.failed",
                  {{"cid", context_.cid}, {"error", boxes.error().to_string()}});
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    std::set<std::string> names;
    names.insert("INBOX");  // RFC 9051 §5.1: INBOX always exists for the user
    std::map<std::string, std::string> special_use;  // RFC 6154 §2: "\Sent", "\Trash" ...
    for (const store::Mailbox& box : *boxes) {
        names.insert(box.name);
        if (!box.special_use.empty()) {
            special_use[box.name] = box.special_use;
        }
    }
    std::set<std::string> listed;
    for (const std::string& pattern_sent : args.patterns) {
        std::string pattern = args.reference + pattern_sent;
        if (!utf8_names()) {
            Result<std::string> decoded = decode_mutf7(pattern);
            if (decoded) {
                pattern = std::move(*decoded);
            }
        }
        pattern = canonical_pattern(std::move(pattern));
        for (const std::string& name : names) {
            if (!matches(pattern, name) || !listed.insert(name).second) {
                continue;
            }
            const std::string prefix = name + hierarchy_separator;
            const auto after = names.upper_bound(name);
            const bool children = after != names.end() && after->starts_with(prefix);
            std::string line = verb + (children ? " (\\HasChildren" : " (\\HasNoChildren");
            if (const auto use = special_use.find(name); use != special_use.end()) {
                line += " " + use->second;
            }
            line += ") ";
            line += separator + " ";
            append_string(line, name_for_client(name));
            untagged(line);
        }
    }
    tagged(command.tag, "OK", verb + " completed");
}

Awaitable<void> Session::on_select(const Command& command)
{
    const auto& args = std::get<SelectArgs>(command.args);
    const bool examine = command.name == CommandName::Examine;
    // RFC 9051 §6.3.2: a SELECT deselects first, even when it then fails.
    selected_.reset();
    state_ = SessionState::Authenticated;
    if (args.condstore || args.qresync) {
        tagged(command.tag, "BAD", "CONDSTORE and QRESYNC are not supported");
        (void)count_error();
        co_return;
    }
    Result<std::string> name = name_from_client(args.mailbox);
    if (!name) {
        tagged(command.tag, "NO", "[NONEXISTENT] " + name.error().detail);
        co_return;
    }
    Result<std::vector<store::Mailbox>> boxes = co_await load_mailboxes();
    if (!boxes) {
        log::warn("imap.select.failed",
                  {{"cid", context_.cid}, {"error", boxes.error().to_string()}});
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    SelectedMailbox opened;
    opened.read_only = examine;
    auto found = std::find_if(boxes->begin(), boxes->end(),
                              [&](const store::Mailbox& box) { return box.name == *name; });
    if (found != boxes->end()) {
        opened.mailbox = *found;
        Result<std::vector<store::MessageRecord>> messages = co_await load_messages(found->id);
        if (!messages) {
            log::warn("imap.select.failed",
                      {{"cid", context_.cid}, {"error", messages.error().to_string()}});
            tagged(command.tag, "NO", unavailable_text);
            co_return;
        }
        opened.messages = std::move(*messages);
    } else if (is_inbox(*name)) {
        // No mail has arrived yet, so the store has no INBOX row: an empty one. Its real
        // UIDVALIDITY (the creation time) will be larger, so clients drop this view.
        opened.mailbox.name = "INBOX";
        opened.mailbox.uidvalidity = 1;
        opened.mailbox.uidnext = 1;
    } else {
        tagged(command.tag, "NO", "[NONEXISTENT] No such mailbox");
        co_return;
    }
    std::set<std::string> keywords;
    for (const store::MessageRecord& message : opened.messages) {
        for (const std::string& flag : message.flags) {
            if (!flag.starts_with("\\")) {
                keywords.insert(flag);
            }
        }
    }
    std::string flags = "FLAGS (" + std::string(system_flags);
    for (const std::string& keyword : keywords) {
        flags += " " + keyword;
    }
    untagged(std::to_string(opened.messages.size()) + " EXISTS");
    if (!imap4rev2_) {
        untagged("0 RECENT");  // RFC 3501 §6.3.1 requires it of IMAP4rev1 servers
    }
    untagged("OK [UIDVALIDITY " + std::to_string(opened.mailbox.uidvalidity) + "] UIDs valid");
    untagged("OK [UIDNEXT " + std::to_string(opened.mailbox.uidnext) + "] Predicted next UID");
    untagged(flags + ")");
    // No STORE yet: no flag can be changed for good (RFC 9051 §7.1 PERMANENTFLAGS).
    untagged("OK [PERMANENTFLAGS ()] No permanent flags");
    std::string list = "LIST () \"/\" ";
    append_string(list, name_for_client(opened.mailbox.name));
    untagged(list);  // RFC 9051 §6.3.2: the mailbox's name as the server spells it
    selected_ = std::move(opened);
    state_ = SessionState::Selected;
    tagged(command.tag, "OK",
           std::string(examine ? "[READ-ONLY]" : "[READ-WRITE]") + " " +
               (examine ? "EXAMINE" : "SELECT") + " completed");
}

Awaitable<void> Session::on_status(const Command& command)
{
    const auto& args = std::get<StatusArgs>(command.args);
    Result<std::string> name = name_from_client(args.mailbox);
    if (!name) {
        tagged(command.tag, "NO", "[NONEXISTENT] " + name.error().detail);
        co_return;
    }
    // The store keeps the counts (migration 6): STATUS reads one row, whatever the size.
    store::Store& store = handler_.store();
    std::function<Result<store::MailboxStatus>()> work =
        [&store, id = account_->id, mailbox = *name]() -> Result<store::MailboxStatus> {
        Result<store::Mailbox> box = store.find_mailbox(id, mailbox);
        HARBOR_TRY(box);
        return store.mailbox_status(box->id);
    };
    Result<store::MailboxStatus> status =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
    if (!status) {
        const bool missing = status.error().code == Errc::NotFound;
        tagged(command.tag, "NO", missing ? "[NONEXISTENT] No such mailbox" : unavailable_text);
        co_return;
    }
    std::string items;
    for (const StatusItem item : args.items) {
        if (!items.empty()) {
            items += ' ';
        }
        if (item == StatusItem::Messages) {
            items += "MESSAGES " + std::to_string(status->messages);
        } else if (item == StatusItem::UidNext) {
            items += "UIDNEXT " + std::to_string(status->uidnext);
        } else if (item == StatusItem::UidValidity) {
            items += "UIDVALIDITY " + std::to_string(status->uidvalidity);
        } else if (item == StatusItem::Unseen) {
            items += "UNSEEN " + std::to_string(status->unseen);
        } else if (item == StatusItem::Deleted) {
            items += "DELETED " + std::to_string(status->deleted);
        } else if (item == StatusItem::Recent) {
            items += "RECENT 0";
        } else if (item == StatusItem::Size) {
            items += "SIZE " + std::to_string(status->size);
        } else if (item == StatusItem::AppendLimit) {
            items += "APPENDLIMIT " + std::to_string(settings_.max_append);
        } else {
            tagged(command.tag, "BAD", "HIGHESTMODSEQ needs CONDSTORE, which is not supported");
            (void)count_error();
            co_return;
        }
    }
    std::string line = "STATUS ";
    append_string(line, name_for_client(*name));
    untagged(line + " (" + items + ")");
    tagged(command.tag, "OK", "STATUS completed");
}

void Session::on_close(const Command& command)
{
    // CLOSE would expunge \Deleted messages of a read-write mailbox (RFC 9051 §6.4.1); no
    // flag can be set yet, so there is nothing to expunge and CLOSE is UNSELECT.
    selected_.reset();
    state_ = SessionState::Authenticated;
    tagged(command.tag, "OK", std::string(command_name_text(command.name)) + " completed");
}

Awaitable<void> Session::refresh_selected()
{
    if (selected_->mailbox.id.value == 0) {
        // The INBOX shown before it existed: once it exists its UIDVALIDITY differs, which
        // cannot be announced mid-session (RFC 9051 §2.3.1.1 wants a new SELECT), so the
        // view is closed and the client selects again.
        Result<std::vector<store::Mailbox>> boxes = co_await load_mailboxes();
        if (boxes && std::any_of(boxes->begin(), boxes->end(),
                                 [](const store::Mailbox& box) { return box.name == "INBOX"; })) {
            untagged("OK [CLOSED] Mailbox changed, select it again");
            selected_.reset();
            state_ = SessionState::Authenticated;
        }
        co_return;
    }
    Result<std::vector<store::MessageRecord>> current =
        co_await load_messages(selected_->mailbox.id);
    if (!current) {
        log::warn("imap.refresh.failed",
                  {{"cid", context_.cid}, {"error", current.error().to_string()}});
        co_return;
    }
    std::vector<std::uint32_t> uids;
    uids.reserve(current->size());
    for (const store::MessageRecord& message : *current) {
        uids.push_back(message.uid);
    }
    // Expunged messages first, highest sequence number first, so each number sent is still
    // right after the client has applied the ones before it (RFC 9051 §7.4.1).
    std::vector<store::MessageRecord>& known = selected_->messages;
    for (std::size_t i = known.size(); i > 0; --i) {
        if (!std::binary_search(uids.begin(), uids.end(), known[i - 1].uid)) {
            untagged(std::to_string(i) + " EXPUNGE");
            known.erase(known.begin() + static_cast<std::ptrdiff_t>(i - 1));
        }
    }
    const std::uint32_t last_uid = known.empty() ? 0 : known.back().uid;
    std::size_t added = 0;
    for (store::MessageRecord& message : *current) {
        if (message.uid > last_uid) {
            known.push_back(std::move(message));
            ++added;
        }
    }
    if (added > 0) {
        untagged(std::to_string(known.size()) + " EXISTS");
    }
}

}  // namespace harbor::imap::server
