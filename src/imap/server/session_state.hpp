// One IMAP connection's state and its command handlers (internal to imap/server): the session
// loop, framing and the any-state commands in session.cpp, LOGIN and AUTHENTICATE in
// session_auth.cpp, ENABLE/ID/NAMESPACE/SELECT/STATUS in session_mailbox.cpp, LIST and LSUB in
// session_list.cpp, CREATE/DELETE/RENAME/SUBSCRIBE in session_manage.cpp, APPEND in
// session_append.cpp, the selected mailbox's view and its updates in session_selected.cpp,
// FETCH in session_fetch.cpp (message data in fetch_data.cpp), STORE, EXPUNGE and CLOSE in
// session_store.cpp, COPY and MOVE in session_copy.cpp, SEARCH/SORT/THREAD in
// session_search.cpp, IDLE in session_idle.cpp, QUOTA in session_quota.cpp, COMPRESS in
// session_compress.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "imap/protocol/command.hpp"
#include "imap/protocol/command_reader.hpp"
#include "imap/search/evaluate.hpp"
#include "imap/server/session.hpp"
#include "net/connection.hpp"
#include "store/change_feed.hpp"

namespace harbor::imap::server {

enum class SessionState { NotAuthenticated, Authenticated, Selected };

// What the store's change feed tells a session, on the session's own executor. Every change to
// a mailbox takes a new modseq (renames too), so news at or under the view's known_modseq is
// already in the view: the session's own STORE, EXPUNGE or MOVE, which advance known_modseq
// themselves when nothing else came between (Session::note_own_changes).
struct ChangeSignal {
    std::uint64_t heard_modseq = 0;  // the highest the feed reported since the session looked
    bool must_look = false;  // a change no modseq describes (deleted, renamed here, a retry)
    bool idling = false;     // IDLE is waiting: wake the read
    net::Connection* connection = nullptr;

    bool news_past(std::uint64_t known_modseq) const
    {
        return must_look || heard_modseq > known_modseq;
    }
    void looked()
    {
        heard_modseq = 0;
        must_look = false;
    }
};

// The mailbox open after SELECT/EXAMINE: message sequence number n is messages[n - 1]
// (RFC 9051 §2.3.1.2), ascending by UID. The view changes only where the RFC lets the server
// tell the client (RFC 9051 §7.4.1, §5.2): messages expunged by others stay in it, listed in
// pending_expunges, until an EXPUNGE (or VANISHED) response may be sent.
struct SelectedMailbox {
    store::Mailbox mailbox;
    bool read_only = false;  // EXAMINE
    SelectedMessages messages;  // shared with other sessions until changed (mailbox_views.hpp)
    // Every change up to this modseq is in `messages` (or pending_expunges); later ones are
    // found with list_changed_since / list_expunged_since (RFC 7162 §3.1.4, §3.2.5).
    std::uint64_t known_modseq = 0;
    std::vector<std::uint32_t> pending_expunges;  // ascending
    // SEARCHRES "$" (RFC 5182 §2): UIDs, so that expunges cannot shift it; cleared on deselect.
    std::vector<std::uint32_t> saved_result;
    // Keywords in use, as the last FLAGS response listed them (RFC 9051 §7.3.5).
    std::set<std::string> keywords;
    store::ChangeFeed::Watch watch;
};

// The system flags of RFC 9051 §2.3.2, as FLAGS and PERMANENTFLAGS list them.
inline constexpr std::string_view system_flags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

// "(\Seen $Forwarded)": a message's flags as FLAGS shows them (RFC 9051 §7.5.2).
std::string format_flags(const std::vector<std::string>& flags);
// "MESSAGES 3 UIDNEXT 9": STATUS items (RFC 9051 §7.3.3) for STATUS and LIST-STATUS.
std::string format_status_items(const std::vector<StatusItem>& items,
                                const store::MailboxStatus& status, std::uint64_t append_limit);
// "FLAGS (\\Answered ... $Keyword)": the flags a mailbox uses (RFC 9051 §7.3.5).
std::string flags_line(const std::set<std::string>& keywords);

class Session {
public:
    Session(ImapHandler& handler, net::Connection& connection, net::SessionContext& context);
    net::Awaitable<void> run();

private:
    void greet();
    // BAD for a command that did not parse; false once the error limit is reached.
    bool refuse_unparsed(const RawCommand& raw, const Error& error);
    // Responses are collected and written when the client has nothing more pipelined, or at
    // once where the client waits for them (continuation requests, STARTTLS). Responses are
    // never built inside a co_await expression (GCC 12 temporaries, see smtp/server).
    void untagged(std::string_view text);
    void tagged(std::string_view tag, std::string_view status, std::string_view text);
    net::Awaitable<bool> flush();
    net::Awaitable<void> close_with_bye(std::string text);
    // Counts a refused command; false when the session must end (max_errors).
    bool count_error();
    void refuse(std::string_view tag, std::string_view text);  // BAD, counted

    // The next complete command, after answering literal requests and framing errors on the
    // way; nullopt when the session ends (closed, timed out, too many errors).
    net::Awaitable<std::optional<RawCommand>> read_command();
    // For a graceful stop (net/session_status.hpp): between commands a draining server ends
    // the session; a command whose first octet has come (an APPEND literal part-way) may
    // finish first. command_begun() also starts the command's own timeout.
    void between_commands();
    void command_begun(std::optional<net::Deadline>& deadline);
    ReaderLimits reader_limits() const;

    // Capabilities (RFC 9051 §6.1.1), as they stand in this state.
    std::string capability_list() const;
    bool auth_offered() const;
    bool utf8_names() const { return utf8_accept_; }

    // Each returns false when the session ends.
    net::Awaitable<bool> on_command(const Command& command);
    bool allowed_in_state(CommandName name) const;
    net::Awaitable<bool> on_starttls(const Command& command);
    net::Awaitable<bool> on_noop(const Command& command);

    // session_auth.cpp
    net::Awaitable<bool> on_login(const Command& command);
    net::Awaitable<bool> on_authenticate(const Command& command);
    // The password or SASL check succeeded for `authcid`: the IMAP right, the throttle, the
    // state change and the tagged OK (or the refusal).
    net::Awaitable<void> finish_login(const Command& command, std::string authcid,
                                      std::string_view how);
    void login_refused(const Command& command, const Error& error, std::string_view authcid);

    // session_mailbox.cpp
    void on_enable(const Command& command);
    void on_id(const Command& command);
    void on_namespace(const Command& command);
    net::Awaitable<void> on_select(const Command& command);
    net::Awaitable<void> on_status(const Command& command);
    // Mailbox names between client and store: modified UTF-7 unless UTF8=ACCEPT is enabled
    // (RFC 9051 §5.1, RFC 6855 §3), normalised (INBOX); Errc::Invalid with the reason.
    Result<std::string> name_from_client(std::string_view sent) const;
    std::string name_for_client(std::string_view name) const;

    // session_list.cpp
    net::Awaitable<void> on_list(const Command& command);

    // session_manage.cpp
    net::Awaitable<void> on_create(const Command& command);
    net::Awaitable<void> on_delete(const Command& command);
    net::Awaitable<void> on_rename(const Command& command);
    net::Awaitable<void> on_subscribe(const Command& command);  // and UNSUBSCRIBE

    // session_append.cpp
    net::Awaitable<void> on_append(const Command& command);

    // session_selected.cpp
    // Opens the view (and watches the mailbox for changes) or closes it.
    void enter_selected(SelectedMailbox opened);
    void leave_selected();
    // The messages a sequence set names (UIDs with `uid`; "$" is the saved result), as
    // ascending indexes into selected_->messages. Errc::Invalid: a message number beyond the
    // count (RFC 9051 §9: BAD).
    Result<std::vector<std::size_t>> selected_indexes(const SequenceSet& set, bool uid) const;
    store::UidSet uid_set_of(const std::vector<std::size_t>& indexes) const;
    // Brings the view up to date with the store and tells the client: EXISTS for new
    // messages, FETCH for flags others changed (RFC 9051 §7.5.2, with MODSEQ under CONDSTORE),
    // EXPUNGE or VANISHED (RFC 7162 §3.2.10) when `expunges_allowed` (§7.4.1: not during
    // FETCH, STORE or SEARCH). Looks at the store only when the change feed said something
    // changed, unless `force`. False when the session must end (the mailbox is gone).
    net::Awaitable<bool> refresh_selected(bool expunges_allowed, bool force = false);
    // After this session's own request, shown in the view, took the selected mailbox to
    // `highest_modseq` with `count` changes (one modseq each): when that is known_modseq +
    // count, nobody else changed it in between, and the view is current up to it without a
    // look at the store.
    void note_own_changes(std::uint64_t highest_modseq, std::size_t count);
    // Announces and removes pending_expunges (EXPUNGE or VANISHED).
    void announce_expunges();
    // A new FLAGS response when `flags` hold a keyword the client has not been told of.
    void note_keywords(const std::vector<std::string>& flags);
    // The FETCH response for a flag change of message number index + 1:
    // "n FETCH (UID u FLAGS (...) MODSEQ (m))".
    std::string flags_response(std::size_t index, const store::MessageRecord& message,
                               bool with_uid) const;
    bool condstore() const { return condstore_ || qresync_; }

    // session_fetch.cpp
    net::Awaitable<bool> on_fetch(const Command& command);

    // session_store.cpp
    net::Awaitable<void> on_store(const Command& command);
    net::Awaitable<void> on_expunge(const Command& command);  // EXPUNGE, UID EXPUNGE
    net::Awaitable<void> on_close(const Command& command);    // CLOSE, UNSELECT

    // session_copy.cpp
    net::Awaitable<void> on_copy(const Command& command);  // COPY, MOVE

    // session_search.cpp
    // The program of a SEARCH, SORT or THREAD against the view ("$" as saved before this
    // command); nullopt once the refusal (BADCHARSET, BAD) has been answered.
    std::optional<SearchProgram> search_program(const Command& command, const SearchKey& key,
                                                std::string_view charset);
    net::Awaitable<void> on_search(const Command& command);
    net::Awaitable<void> on_sort(const Command& command);
    net::Awaitable<void> on_thread(const Command& command);

    // session_idle.cpp
    net::Awaitable<bool> on_idle(const Command& command);
    // After IDLE's read failed: the BYE to send, if any (logs a timeout).
    std::optional<std::string> idle_bye(const Error& error);
    void end_idle(const Command& command, std::string_view line);  // "DONE" or BAD

    // session_quota.cpp
    net::Awaitable<void> on_quota(const Command& command);  // GETQUOTA, GETQUOTAROOT, SETQUOTA

    // session_compress.cpp
    net::Awaitable<bool> on_compress(const Command& command);

    ImapHandler& handler_;
    net::Connection& connection_;
    net::SessionContext& context_;
    const ImapSettings& settings_;
    CommandReader reader_;
    std::string out_;
    std::size_t errors_ = 0;
    SessionState state_ = SessionState::NotAuthenticated;
    std::optional<store::Account> account_;
    std::optional<SelectedMailbox> selected_;
    bool utf8_accept_ = false;  // ENABLE UTF8=ACCEPT (RFC 6855 §3)
    bool imap4rev2_ = false;    // ENABLE IMAP4rev2 (RFC 9051 §6.3.1)
    bool condstore_ = false;    // a CONDSTORE enabling command was seen (RFC 7162 §3.1)
    bool qresync_ = false;      // ENABLE QRESYNC (RFC 7162 §3.2.3)
    std::shared_ptr<ChangeSignal> signal_;
};

// "tag NO [UNAVAILABLE] ..." for a store or directory that could not answer (RFC 5530 §3); the
// detail goes to the log only.
inline constexpr std::string_view unavailable_text = "[UNAVAILABLE] Temporary failure, try again";

}  // namespace harbor::imap::server
