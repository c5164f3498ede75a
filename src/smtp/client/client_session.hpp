// The outbound SMTP client: one connection to one server whose address the caller chose (MX
// selection and the queue are elsewhere), over which it delivers one message or several
// (connection reuse, RSET between them). RFC 5321 §3 and §4 (greeting, EHLO with HELO
// fallback, MAIL/RCPT/DATA, RSET, QUIT; §4.5.3.2 timeouts), RFC 3207 (STARTTLS, EHLO again
// after it), RFC 2920 (PIPELINING: MAIL and every RCPT in one write), RFC 1870 (SIZE),
// RFC 6152 (8BITMIME), RFC 6531 (SMTPUTF8), RFC 3461 (DSN), RFC 3030 (CHUNKING, BINARYMIME),
// RFC 8689 (REQUIRETLS), RFC 2034 (enhanced codes), RFC 4954 (AUTH to a smart host or relay:
// PLAIN, RFC 4616, else LOGIN; no SCRAM: src/sasl has only its server side).
// Each recipient ends with the Reply that decided it, classed Delivered, Temporary or Permanent.
// SECURITY: the server is untrusted: replies are bounded and parsed by reply_parser.hpp, every
// wait has a deadline, and after STARTTLS nothing read before the handshake is kept. The AUTH
// password goes only over TLS (unless a test says otherwise) and is never logged, nor is the
// base64 exchange that carries it.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/awaitable.hpp"
#include "net/dane.hpp"
#include "net/outbound.hpp"
#include "smtp/client/envelope.hpp"
#include "smtp/protocol/reply_parser.hpp"

namespace harbor::net {
class Connection;
}

namespace harbor::smtp::client {

enum class TlsPolicy {
    Opportunistic,  // STARTTLS when offered; plaintext when not, or after a failed handshake
    Required,       // no STARTTLS or no handshake: every recipient fails as Temporary
    // RFC 7672 §2.2: Required, and the certificate must match ClientSettings::dane (DNSSEC-valid
    // TLSA records of the server); a mismatch fails the session as Temporary (4.7.5).
    Dane,
};

// What open() authenticates with (RFC 4954) once EHLO is done: PLAIN (RFC 4616) when the server
// offers it, else LOGIN. Any failure is Temporary, as Postfix defers on "SASL authentication
// failed": the relay's accounts are our configuration, not the recipients' fault.
struct ClientCredentials {
    std::string username;  // the authentication identity (RFC 4616 authcid); no NUL
    std::string password;  // no NUL
    // AUTH only on a session that STARTTLS encrypted (Postfix smtp_sasl_security_options =
    // noplaintext); on a plaintext session nothing is sent and the session fails (451 4.7.0).
    // Whether the certificate must verify is TlsPolicy's and tls_context's business.
    // false sends the password in the clear: for tests on loopback only.
    bool only_over_tls = true;
};

struct ClientSettings {
    std::string helo_name;  // our host name, for EHLO/HELO (RFC 5321 §4.1.1.1)
    TlsPolicy tls = TlsPolicy::Opportunistic;
    // The trust settings for STARTTLS; null: TlsVerify::None over the system CA store.
    std::shared_ptr<net::ClientTlsContext> tls_context;
    // The server's host name (the MX name): SNI and the name its certificate must carry (for
    // DANE the TLSA base domain). Empty: the address connected to.
    std::string server_name;
    // TlsPolicy::Dane: the server's usable TLSA records (net::dane_usable), at least one.
    std::vector<net::DaneRecord> dane;
    // Set: AUTH before the first transaction, or the session fails (ClientCredentials). Each
    // step of the exchange waits command_timeout.
    std::optional<ClientCredentials> auth;

    // RFC 5321 §4.5.3.2; tests shorten them.
    std::chrono::seconds connect_timeout{30};       // Postfix smtp_connect_timeout
    std::chrono::seconds greeting_timeout{5 * 60};  // §4.5.3.2.1 initial 220
    std::chrono::seconds command_timeout{5 * 60};   // EHLO, HELO, STARTTLS, RSET (§4.5.3.2.7)
    std::chrono::seconds tls_handshake_timeout{5 * 60};
    std::chrono::seconds mail_timeout{5 * 60};        // §4.5.3.2.2
    std::chrono::seconds rcpt_timeout{5 * 60};        // §4.5.3.2.3
    std::chrono::seconds data_init_timeout{2 * 60};   // §4.5.3.2.4, DATA to 354
    std::chrono::seconds data_block_timeout{3 * 60};  // §4.5.3.2.5, each write of content
    std::chrono::seconds data_end_timeout{10 * 60};   // §4.5.3.2.6, "." or BDAT LAST to reply
    std::chrono::seconds quit_timeout{60};
};

enum class Outcome { Delivered, Temporary, Permanent };

std::string_view outcome_name(Outcome outcome);  // "delivered", "temporary", "permanent"

// 2xx Delivered, 5xx Permanent, anything else Temporary.
Outcome outcome_of(const Reply& reply);

// Why a recipient, a message or the whole session ended as it did.
struct Verdict {
    Outcome outcome = Outcome::Temporary;
    Reply reply;  // the server's, or Harbor's own ("451 4.4.2 ...") for a local decision
};

struct RecipientResult {
    std::string address;  // as given in OutboundRecipient
    Verdict verdict;
};

struct MessageResult {
    std::vector<RecipientResult> recipients;  // in the order of OutboundMessage::recipients
    bool pipelined = false;                   // MAIL and RCPTs went in one write (RFC 2920)
    bool chunked = false;                     // BDAT instead of DATA (RFC 3030)
};

// For logging and trace fields.
struct SessionRecord {
    std::string remote;  // "192.0.2.1:25", "[2001:db8::1]:25"
    Reply greeting;
    Reply last_reply;    // the last reply the server sent
    bool esmtp = false;  // EHLO accepted (else HELO)
    ServerExtensions extensions;
    std::string tls = "none";  // "TLSv1.3 TLS_AES_256_GCM_SHA384", or "none"
    std::string tls_version;   // empty without TLS
    std::string tls_cipher;
    bool tls_verified = false;     // certificate chain and name verified, or DANE matched
    bool dane = false;             // verified by the server's TLSA records (TlsPolicy::Dane)
    bool tls_fell_back = false;    // opportunistic: handshake failed, reconnected in plaintext
    std::string auth_mechanism;    // "PLAIN" or "LOGIN" after AUTH (RFC 4954); else empty
    std::size_t transactions = 0;  // MAIL commands sent on this connection
};

// One connection. Single-threaded: use it from the executor it was made with.
class ClientSession {
public:
    ClientSession(asio::any_io_executor executor, ClientSettings settings);
    ~ClientSession();
    ClientSession(const ClientSession&) = delete;
    ClientSession& operator=(const ClientSession&) = delete;

    // Connects, reads the greeting, says EHLO (HELO after a 5xx to EHLO), STARTTLS as the
    // policy says, and AUTH when settings.auth is set. False: failure() says why, and send()
    // fails every recipient with it.
    net::Awaitable<bool> open(asio::ip::tcp::endpoint remote);

    // One transaction: RSET first if one ran before, MAIL, RCPT for each recipient, DATA or
    // BDAT. A connection loss or timeout fails the undecided recipients as Temporary and ends
    // the session (ready() turns false).
    net::Awaitable<MessageResult> send(const OutboundMessage& message);

    // Whether the server takes mail for `address`, no message sent (recipient_probe.cpp):
    // MAIL FROM:<>, RCPT TO:<address>, RSET; the RCPT reply decides. A refused null sender
    // is Temporary (it says nothing of the recipient); a session not ready() gives failure().
    net::Awaitable<Verdict> verify_recipient(std::string address);

    // QUIT (RFC 5321 §4.1.1.10) and close; the reply is awaited quit_timeout at most.
    net::Awaitable<void> quit();

    bool ready() const { return connection_ != nullptr && !failed_; }
    const Verdict& failure() const { return failure_; }
    const SessionRecord& record() const { return record_; }

private:
    // How one connection attempt ended; RetryPlain: an opportunistic handshake failed and the
    // connection is gone, so open() connects once more without STARTTLS (as Postfix does).
    enum class Step { Ready, Failed, RetryPlain };
    struct Transaction;

    net::Awaitable<Step> attempt(asio::ip::tcp::endpoint remote, bool starttls_allowed);
    net::Awaitable<bool> hello();
    net::Awaitable<Step> start_tls();
    net::Awaitable<bool> authenticate();
    net::Awaitable<void> run_transaction(Transaction& transaction);
    net::Awaitable<void> send_envelope(Transaction& transaction);
    net::Awaitable<void> send_content(Transaction& transaction);
    void downconvert(Transaction& transaction);
    net::Awaitable<Result<Reply>> read_reply(std::chrono::seconds timeout, std::string_view what);
    net::Awaitable<Result<Reply>> command(std::string line, std::chrono::seconds timeout,
                                          std::string_view what);
    net::Awaitable<Result<void>> write(std::string_view bytes, std::chrono::seconds timeout);
    // Ends the session: the connection closes and `verdict` is what later sends report.
    void fail(Verdict verdict);
    void fail_io(const Error& error, std::string_view what);
    std::shared_ptr<net::ClientTlsContext> tls_context();

    asio::any_io_executor executor_;
    ClientSettings settings_;
    std::unique_ptr<net::Connection> connection_;
    ReplyParser parser_;
    SessionRecord record_;
    Verdict failure_;
    bool failed_ = false;
};

struct DeliveryReport {
    std::vector<MessageResult> messages;  // one per message, in order
    SessionRecord record;
};

// open(), send() for each message in turn, quit(): the whole connection in one call.
// `messages` (and the content they point to) must outlive the returned coroutine.
net::Awaitable<DeliveryReport> deliver(asio::any_io_executor executor,
                                       asio::ip::tcp::endpoint remote, ClientSettings settings,
                                       std::span<const OutboundMessage> messages);

}  // namespace harbor::smtp::client
