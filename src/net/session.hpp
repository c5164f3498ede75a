// The seam between the network layer and the protocols: a SessionHandler per Protocol runs
// one connection. SMTP (RFC 5321), IMAP (RFC 9051), POP3 (RFC 1939), HTTP plug in here.
// SECURITY: a handler sees only a Connection, whose reads are bounded and have deadlines.
#pragma once

#include <memory>
#include <string>

#include "core/config.hpp"
#include "net/awaitable.hpp"
#include "net/session_status.hpp"

namespace harbor::net {

class Connection;

// Why a connection was admitted or refused by the listener's limits.
enum class Admission { Accepted, TooManyConnections, TooManyFromAddress };

std::string_view admission_name(Admission admission);

// What a session knows about where it runs. Built by the listener, one per connection.
struct SessionContext {
    std::string cid;       // core/ids.hpp: appears in every log line of the session
    std::string listener;  // ListenerConfig::name
    Protocol protocol = Protocol::Smtp;
    TlsMode tls_mode = TlsMode::None;
    bool trusted_plaintext = false;  // plaintext passwords allowed without TLS (loopback demo)
    std::string hostname;            // announced in greetings
    std::string peer;                // "192.0.2.1:5000", for logs
    Admission admission = Admission::Accepted;
    // What the session tells `harbor ports` and a graceful stop: set_state(Authenticated) and
    // set_user() after a login, InData while a message streams in. Leaving InData is the point
    // where a draining server ends the session, so do it right before reading the next command
    // (after the reply is written).
    std::shared_ptr<SessionStatus> status = std::make_shared<SessionStatus>();
};

// One instance serves every connection of its protocol on every io thread at once, so it must
// keep per-connection state in the coroutine frame, not in members (or guard what it shares).
class SessionHandler {
public:
    virtual ~SessionHandler() = default;

    // Runs the protocol until it ends. Exceptions are caught, logged with the cid, and the
    // connection is closed by the caller; expected failures should be handled as Results.
    virtual Awaitable<void> run(Connection& connection, SessionContext& context) = 0;

    // Over a connection limit (context.admission says which): answer in the protocol's words
    // ("421 4.7.0 too many connections") and return. The default closes without a word.
    // Not called for implicit-TLS listeners: refusing there would cost a full handshake.
    virtual Awaitable<void> refuse(Connection& connection, SessionContext& context);
};

}  // namespace harbor::net
