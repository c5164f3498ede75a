// The IMAP session loop: greeting (RFC 9051 §7.1.1 with [CAPABILITY], §7.2.1), command framing
// with the literal flow (§4.3, §7.5: "+ Ready" only for a literal that will be accepted; RFC
// 7888 LITERAL-), timeouts (§5.4), the state table (§3), CAPABILITY, NOOP, LOGOUT (§6.1) and
// STARTTLS (§6.2.1).
// SECURITY: see session.hpp. A framing error the reader cannot recover from, or max_errors
// refused commands, end the session with "* BYE".
#include "imap/server/session.hpp"

#include "core/log.hpp"
#include "imap/server/session_state.hpp"

namespace harbor::imap::server {
namespace {

using namespace std::chrono_literals;
using net::Awaitable;
using net::deadline_after;

constexpr auto goodbye_timeout = 2s;     // a last response to a client that may not read it
constexpr auto handshake_timeout = 30s;  // STARTTLS
constexpr std::size_t flush_threshold = 64 * 1024;

}  // namespace

// Password checks take tens of milliseconds each; lookups and message reads get threads of
// their own so that a burst of logins does not hold up FETCH.
ImapHandler::Blocking::Blocking()
    : passwords(4, "imap-password"), lookups(2, "imap-lookup"), messages(4, "imap-read")
{
}

ImapHandler::ImapHandler(store::Store& store, store::ChangeFeed& changes, ImapSettings settings,
                         std::shared_ptr<net::LoginThrottle> throttle)
    : store_(store),
      changes_(changes),
      directory_(store, settings.sasl.verified_passwords),  // before settings is moved
      settings_(std::move(settings)),
      throttle_(std::move(throttle)),
      mailbox_states_(changes)
{
}

Awaitable<void> ImapHandler::run(net::Connection& connection, net::SessionContext& context)
{
    Session session(*this, connection, context);
    co_await session.run();
}

Awaitable<void> ImapHandler::refuse(net::Connection& connection, net::SessionContext&)
{
    // RFC 9051 §7.1.5: BYE as the greeting when the server will not serve the client.
    (void)co_await connection.write("* BYE Too many connections, try again later\r\n",
                                    deadline_after(goodbye_timeout));
}

Session::Session(ImapHandler& handler, net::Connection& connection, net::SessionContext& context)
    : handler_(handler),
      connection_(connection),
      context_(context),
      settings_(handler.settings()),
      signal_(std::make_shared<ChangeSignal>())
{
    signal_->connection = &connection_;
    reader_ = CommandReader(reader_limits());  // here: reader_limits() reads state_
}

void Session::untagged(std::string_view text)
{
    out_ += "* ";
    out_ += text;
    out_ += "\r\n";
}

void Session::tagged(std::string_view tag, std::string_view status, std::string_view text)
{
    out_ += tag;
    out_ += ' ';
    out_ += status;
    out_ += ' ';
    out_ += text;
    out_ += "\r\n";
}

Awaitable<bool> Session::flush()
{
    if (out_.empty()) {
        co_return true;
    }
    std::string bytes = std::move(out_);
    out_.clear();
    co_return static_cast<bool>(co_await connection_.write(bytes));
}

Awaitable<void> Session::close_with_bye(std::string text)
{
    untagged("BYE " + text);
    std::string bytes = std::move(out_);
    out_.clear();
    (void)co_await connection_.write(bytes, deadline_after(goodbye_timeout));
}

bool Session::count_error()
{
    return ++errors_ < settings_.max_errors;
}

void Session::refuse(std::string_view tag, std::string_view text)
{
    tagged(tag, "BAD", text);
    (void)count_error();
}

bool Session::auth_offered() const
{
    // RFC 9051 §6.2.3, RFC 8314 §3: no password over plaintext unless the listener is trusted
    // (the loopback demo), as SMTP decides auth_offered.
    return connection_.is_tls() || context_.trusted_plaintext;
}

ReaderLimits Session::reader_limits() const
{
    ReaderLimits limits;
    // LITERAL- before authentication (RFC 7888 §4; in IMAP4rev2, §4.3), so a stranger's
    // literals stay small; LITERAL+ (§3) once the user is known. A non-synchronising literal
    // over the limit is then read and dropped up to max_discard, and beyond that the session
    // ends (§4 allows closing), which is why it is not offered to strangers.
    limits.non_sync = NonSyncLiterals::Minus;
    if (state_ == SessionState::NotAuthenticated) {
        limits.max_literal = settings_.max_pre_auth_literal;
        limits.max_command = limits.max_line + 4 * settings_.max_pre_auth_literal;
        limits.max_literals = 4;
    } else {
        limits.non_sync = NonSyncLiterals::Plus;
        limits.max_literal = settings_.max_append;
        limits.max_command = settings_.max_append + 65536;
    }
    return limits;
}

std::string Session::capability_list() const
{
    // IMAP4rev1 too: RFC 9051 Appendix E lets a server speak both, and clients such as
    // Python's imaplib insist on it.
    std::string caps = "IMAP4rev2 IMAP4rev1";
    if (state_ == SessionState::NotAuthenticated) {
        if (context_.tls_mode == TlsMode::StartTls && connection_.can_start_tls()) {
            caps += " STARTTLS";
        }
        if (auth_offered()) {
            for (const std::string_view name : sasl::mechanism_names()) {
                caps += " AUTH=" + std::string(name);
            }
        } else {
            caps += " LOGINDISABLED";  // RFC 9051 §6.2.3
        }
        caps += " SASL-IR";  // RFC 4959
    }
    caps += state_ == SessionState::NotAuthenticated ? " LITERAL-" : " LITERAL+";
    caps += " ENABLE ID NAMESPACE UNSELECT UTF8=ACCEPT BINARY SPECIAL-USE CREATE-SPECIAL-USE";
    caps += " CHILDREN LIST-EXTENDED LIST-STATUS";
    caps += " IDLE UIDPLUS MOVE MULTIAPPEND CONDSTORE QRESYNC QUOTA QUOTA=RES-STORAGE STATUS=SIZE";
    caps += " ESEARCH SEARCHRES SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES WITHIN";
    if (state_ != SessionState::NotAuthenticated && !connection_.is_compressed()) {
        caps += " COMPRESS=DEFLATE";  // RFC 4978 §3: once per connection, after login
    }
    caps += " APPENDLIMIT=" + std::to_string(settings_.max_append);  // RFC 7889 §3
    return caps;
}

// Plain functions for run()'s text work: in the coroutine, their temporaries would take room
// in its frame for as long as the connection lives.
void Session::greet()
{
    untagged("OK [CAPABILITY " + capability_list() + "] " + context_.hostname + " Harbor ready");
}

bool Session::refuse_unparsed(const RawCommand& raw, const Error& error)
{
    const std::string tag(command_tag(raw.pieces.front().data));
    const std::string text =
        error.code == Errc::Unsupported ? "Unknown command" : "Syntax error: " + error.detail;
    tagged(tag.empty() ? "*" : tag, "BAD", text);
    return count_error();
}

Awaitable<void> Session::run()
{
    greet();
    for (;;) {
        // Where a draining server may end the session (its reads fail and it says BYE; the
        // reply to the last command is still written).
        between_commands();
        std::optional<RawCommand> raw = co_await read_command();
        if (!raw) {
            co_return;
        }
        Result<Command> command = parse_command(*raw);
        if (!command) {
            if (!refuse_unparsed(*raw, command.error())) {
                co_await close_with_bye("Too many invalid commands");
                co_return;
            }
            continue;
        }
        // IDLE straight from here, not through on_command: a session may idle for days, and
        // on_command's frame (with room for every branch's temporaries) would stay allocated.
        bool more = false;
        if (command->name == CommandName::Idle && allowed_in_state(CommandName::Idle)) {
            more = co_await on_idle(*command);
        } else {
            more = co_await on_command(*command);
        }
        if (!more) {
            co_return;
        }
        if (errors_ >= settings_.max_errors) {
            co_await close_with_bye("Too many invalid commands");
            co_return;
        }
        if (out_.size() > flush_threshold) {
            const bool written = co_await flush();  // not inside &&: GCC 12
            if (!written) {
                co_return;
            }
        }
    }
}

void Session::between_commands()
{
    context_.status->set_state(account_ ? net::SessionState::Authenticated
                                        : net::SessionState::Established);
}

void Session::command_begun(std::optional<net::Deadline>& deadline)
{
    deadline = deadline_after(settings_.command_timeout);
    context_.status->set_state(net::SessionState::InData);
}

Awaitable<std::optional<RawCommand>> Session::read_command()
{
    std::optional<net::Deadline> command_deadline;  // set once the command's first octet came
    for (;;) {
        if (connection_.buffered_bytes() == 0) {
            const bool written = co_await flush();  // not inside &&: GCC 12
            if (!written) {
                co_return std::nullopt;
            }
        }
        const auto idle = state_ == SessionState::NotAuthenticated ? settings_.pre_auth_timeout
                                                                   : settings_.idle_timeout;
        net::Deadline deadline = deadline_after(idle);
        if (command_deadline && *command_deadline < deadline) {
            deadline = *command_deadline;
        }
        auto input = co_await connection_.read_some(deadline);
        if (!input && connection_.take_wake()) {
            continue;  // a change-feed wake meant for an IDLE that has ended: read on
        }
        if (!input) {
            if (connection_.shutting_down()) {
                co_await close_with_bye("Server shutting down");
            } else if (input.error().code == Errc::Timeout) {
                log::info("imap.timeout", {{"cid", context_.cid}});
                co_await close_with_bye(command_deadline ? "Command took too long"
                                                         : "Autologout; idle for too long");
            } else if (input.error().code != Errc::Closed) {
                // A corrupt COMPRESS stream (RFC 4978) or an I/O error: nothing more can be
                // read or written in step, so the connection just ends.
                log::info("imap.read_failed",
                          {{"cid", context_.cid}, {"error", input.error().to_string()}});
            }
            co_return std::nullopt;
        }
        const ReadStep step = reader_.read(*input);
        connection_.consume(step.consumed);
        if (step.kind == ReadStep::Kind::Command) {
            co_return reader_.take_command();
        }
        if (step.kind == ReadStep::Kind::NeedMore) {
            if (!command_deadline && step.consumed > 0) {
                command_begun(command_deadline);
            }
            continue;
        }
        if (step.kind == ReadStep::Kind::LiteralWanted) {
            // The reader has checked the size against the limits: the literal is wanted, and
            // the client may send it only after this (RFC 9051 §7.5).
            if (!command_deadline) {
                command_begun(command_deadline);
            }
            reader_.accept_literal();
            out_ += "+ Ready for literal data\r\n";
            if (!co_await flush()) {
                co_return std::nullopt;
            }
            continue;
        }
        // A framing error: the reader has dropped the command.
        command_deadline.reset();
        between_commands();
        const ReadFailure failure = reader_.failure();
        const bool too_big =
            failure.error == ReadError::LiteralTooBig || failure.error == ReadError::CommandTooBig;
        // RFC 7888 §4 and RFC 9051 §7.1: a literal over the limit gets BAD [TOOBIG], before
        // its octets are sent when it is synchronising.
        const std::string text = (too_big ? "[TOOBIG] " : "") + failure.reason;
        if (failure.recovery == Recovery::Close) {
            log::info("imap.framing_error", {{"cid", context_.cid}, {"reason", failure.reason}});
            co_await close_with_bye(text);
            co_return std::nullopt;
        }
        tagged(failure.tag.empty() ? "*" : failure.tag, "BAD", text);
        if (!count_error()) {
            co_await close_with_bye("Too many invalid commands");
            co_return std::nullopt;
        }
    }
}

bool Session::allowed_in_state(CommandName name) const
{
    using N = CommandName;
    switch (name) {
        case N::Capability:
        case N::Noop:
        case N::Logout:
        case N::Id:  // RFC 2971 §3.1: any state
            return true;
        case N::Starttls:
        case N::Authenticate:
        case N::Login:
            return state_ == SessionState::NotAuthenticated;
        case N::Check:
        case N::Close:
        case N::Unselect:
        case N::Expunge:
        case N::Search:
        case N::Fetch:
        case N::Store:
        case N::Copy:
        case N::Move:
        case N::Sort:
        case N::Thread:
            return state_ == SessionState::Selected;
        default:
            return state_ != SessionState::NotAuthenticated;
    }
}

Awaitable<bool> Session::on_command(const Command& command)
{
    const std::string& tag = command.tag;
    const CommandName name = command.name;
    if (!allowed_in_state(name)) {
        const bool authenticated = state_ != SessionState::NotAuthenticated;
        refuse(tag, std::string(command_name_text(name)) +
                        (authenticated ? " not allowed now" : " needs authentication first"));
        co_return true;
    }
    if (state_ == SessionState::Selected && name != CommandName::Select &&
        name != CommandName::Examine && name != CommandName::Close &&
        name != CommandName::Unselect && name != CommandName::Logout && name != CommandName::Noop &&
        name != CommandName::Check && name != CommandName::Idle) {
        // What others changed, before this command's own responses (RFC 9051 §7). FETCH,
        // STORE and SEARCH (SORT and THREAD are searches) must not shift sequence numbers
        // (§7.4.1), unless they name messages by UID.
        const bool numbered =
            !command.uid && (name == CommandName::Fetch || name == CommandName::Store ||
                             name == CommandName::Search || name == CommandName::Sort ||
                             name == CommandName::Thread);
        const bool more = co_await refresh_selected(!numbered);
        if (!more) {
            co_return false;
        }
    }
    // An if-chain, not a switch: GCC 12 mishandles the temporaries of a co_await inside
    // switch cases.
    if (name == CommandName::Capability) {
        untagged("CAPABILITY " + capability_list());
        tagged(tag, "OK", "CAPABILITY completed");
    } else if (name == CommandName::Noop || name == CommandName::Check) {
        const bool more = co_await on_noop(command);
        co_return more;
    } else if (name == CommandName::Logout) {
        untagged("BYE Logging out");
        tagged(tag, "OK", "LOGOUT completed");
        std::string bytes = std::move(out_);
        out_.clear();
        (void)co_await connection_.write(bytes, deadline_after(goodbye_timeout));
        co_return false;
    } else if (name == CommandName::Starttls) {
        const bool more = co_await on_starttls(command);
        co_return more;
    } else if (name == CommandName::Login) {
        const bool more = co_await on_login(command);
        co_return more;
    } else if (name == CommandName::Authenticate) {
        const bool more = co_await on_authenticate(command);
        co_return more;
    } else if (name == CommandName::Enable) {
        on_enable(command);
    } else if (name == CommandName::Id) {
        on_id(command);
    } else if (name == CommandName::Namespace) {
        on_namespace(command);
    } else if (name == CommandName::List || name == CommandName::Lsub) {
        co_await on_list(command);
    } else if (name == CommandName::Select || name == CommandName::Examine) {
        co_await on_select(command);
    } else if (name == CommandName::Status) {
        co_await on_status(command);
    } else if (name == CommandName::Create) {
        co_await on_create(command);
    } else if (name == CommandName::Delete) {
        co_await on_delete(command);
    } else if (name == CommandName::Rename) {
        co_await on_rename(command);
    } else if (name == CommandName::Subscribe || name == CommandName::Unsubscribe) {
        co_await on_subscribe(command);
    } else if (name == CommandName::Append) {
        co_await on_append(command);
    } else if (name == CommandName::Idle) {
        const bool more = co_await on_idle(command);
        co_return more;
    } else if (name == CommandName::GetQuota || name == CommandName::GetQuotaRoot ||
               name == CommandName::SetQuota) {
        co_await on_quota(command);
    } else if (name == CommandName::Compress) {
        const bool more = co_await on_compress(command);
        co_return more;
    } else if (name == CommandName::Close || name == CommandName::Unselect) {
        co_await on_close(command);
    } else if (name == CommandName::Fetch) {
        const bool more = co_await on_fetch(command);
        co_return more;
    } else if (name == CommandName::Store) {
        co_await on_store(command);
    } else if (name == CommandName::Expunge) {
        co_await on_expunge(command);
    } else if (name == CommandName::Copy || name == CommandName::Move) {
        co_await on_copy(command);
    } else if (name == CommandName::Search) {
        co_await on_search(command);
    } else if (name == CommandName::Sort) {
        co_await on_sort(command);
    } else if (name == CommandName::Thread) {
        co_await on_thread(command);
    }
    co_return true;
}

Awaitable<bool> Session::on_noop(const Command& command)
{
    // RFC 9051 §6.1.2: NOOP is how a client polls for new messages. The change feed has told
    // this session of every change before the client could learn of it elsewhere (the writer
    // posts the news before it completes the change's own command: write_batcher.cpp), so the
    // store is read only when there is news, as for any other command.
    if (state_ == SessionState::Selected) {
        // Not in one condition with the test above: GCC 12 miscompiles co_await inside &&.
        const bool more = co_await refresh_selected(true);
        if (!more) {
            co_return false;
        }
    }
    tagged(command.tag, "OK", std::string(command_name_text(command.name)) + " completed");
    co_return true;
}

Awaitable<bool> Session::on_starttls(const Command& command)
{
    if (context_.tls_mode != TlsMode::StartTls || !connection_.can_start_tls()) {
        refuse(command.tag,
               connection_.is_tls() ? "TLS is already active" : "STARTTLS not available");
        co_return true;
    }
    tagged(command.tag, "OK", "Begin TLS negotiation now");
    if (!co_await flush()) {
        co_return false;
    }
    // start_tls() drops every octet the client pipelined after STARTTLS (RFC 9051 §6.2.1;
    // SECURITY-CASES 17): none of it may be read as if it came over TLS.
    auto result = co_await connection_.start_tls(deadline_after(handshake_timeout));
    if (!result) {
        log::info("imap.starttls.failed",
                  {{"cid", context_.cid}, {"error", result.error().to_string()}});
        co_return false;
    }
    reader_ = CommandReader(reader_limits());
    co_return true;
}

}  // namespace harbor::imap::server
