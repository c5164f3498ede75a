// IDLE (RFC 2177; RFC 9051 §6.3.13): the client waits and the server tells it of new mail,
// flag changes and expunges as they happen, until "DONE".
// The read of "DONE" and the store's change feed meet in one place: a change posts to this
// session's executor and wakes the pending read (net::Connection::wake), the view is brought
// up to date, and the read starts again. Nothing is polled.
// An idling session keeps no buffers while it waits: flush() hands its responses to the write,
// and the connection waits for input without a buffer (net::Connection::wait_for_input).
// SECURITY: the line after IDLE is read with a small bound; anything but DONE ends the IDLE
// with BAD. The idle timeout applies (RFC 9051 §5.4); clients re-issue IDLE within 29 minutes.
#include "core/log.hpp"
#include "imap/server/session_state.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

constexpr std::size_t max_done_line = 1024;

bool is_done(std::string_view text)
{
    return text.size() == 4 && (text[0] | 0x20) == 'd' && (text[1] | 0x20) == 'o' &&
           (text[2] | 0x20) == 'n' && (text[3] | 0x20) == 'e';
}

}  // namespace

Awaitable<bool> Session::on_idle(const Command& command)
{
    out_ += "+ idling\r\n";
    signal_->idling = true;
    context_.status->set_state(net::SessionState::Idle);
    // Ends the IDLE: no wake may reach a later read once this has run.
    const auto stop_idling = [this] {
        signal_->idling = false;
        (void)connection_.take_wake();
    };
    for (;;) {
        if (state_ == SessionState::Selected) {
            const bool more = co_await refresh_selected(true);
            if (!more) {
                stop_idling();
                co_return false;
            }
        }
        const bool written = co_await flush();
        if (!written) {
            stop_idling();
            co_return false;
        }
        // The wait comes first, on its own: read_line's frames are not kept for the days a
        // client may idle.
        const net::Deadline deadline = net::deadline_after(settings_.idle_timeout);
        Result<void> input = co_await connection_.wait_for_input(deadline);
        Result<net::Line> line = unexpected(Errc::Closed, "not read");
        if (input) {
            line = co_await connection_.read_line(max_done_line, deadline);
        } else {
            line = unexpected(std::move(input).error());
        }
        if (!line) {
            if (connection_.take_wake()) {
                continue;  // the change feed spoke: look at the mailbox again
            }
            stop_idling();
            std::optional<std::string> bye = idle_bye(line.error());
            if (bye) {
                co_await close_with_bye(std::move(*bye));
            }
            co_return false;
        }
        stop_idling();
        end_idle(command, line->text);
        co_return true;
    }
}

// Plain functions for on_idle's text work, whose temporaries would otherwise take room in its
// frame for as long as the client idles.
std::optional<std::string> Session::idle_bye(const Error& error)
{
    if (connection_.shutting_down()) {
        return "Server shutting down";
    }
    if (error.code == Errc::Timeout) {
        log::info("imap.timeout", {{"cid", context_.cid}, {"in", "IDLE"}});
        return "Autologout; idle for too long";
    }
    if (error.code == Errc::Limit) {
        return "Line too long";
    }
    return std::nullopt;  // the client went away: nobody to say BYE to
}

void Session::end_idle(const Command& command, std::string_view line)
{
    if (is_done(line)) {
        tagged(command.tag, "OK", "IDLE terminated");
    } else {
        refuse(command.tag, "Expected DONE");
    }
}

}  // namespace harbor::imap::server
