// One SMTP connection's state and its command handlers (internal to smtp/server): the session
// loop and simple commands live in session.cpp, MAIL and RCPT in session_envelope.cpp, DATA,
// BDAT and delivery in session_data.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "net/connection.hpp"
#include "smtp/protocol/command.hpp"
#include "smtp/protocol/extensions.hpp"
#include "smtp/protocol/path.hpp"
#include "smtp/protocol/reply.hpp"
#include "smtp/report/delivery_report.hpp"
#include "smtp/server/session.hpp"
#include "smtp/server/spool.hpp"

namespace harbor::smtp::server {

using report::RecipientOutcome;

// Replies several handlers send (docs/smtp.md).
inline Reply sequence_error(std::string text)
{
    return Reply{503, "5.5.1", std::move(text)};  // RFC 5321 §4.3.2, RFC 3463 §3.6
}

inline Reply temporary_failure(std::string text)
{
    return Reply{451, "4.3.0", std::move(text)};  // RFC 3463 §3.4: try again later
}

inline Reply storage_failure()
{
    return temporary_failure("Temporary storage failure, try again later");
}

// An accepted RCPT: where its copies go.
struct Recipient {
    RcptTo rcpt;
    std::vector<store::Account> accounts;  // local mailboxes (disabled ones left out)
    std::vector<std::string> external;     // addresses to relay to (outbound queue)
    bool local_domain = false;             // found in the directory (RecipientCache keeps it)
    bool routed = false;  // of a split local domain, unknown here: for its internal server
};

struct Transaction {
    MailFrom mail;
    std::vector<Recipient> recipients;
    filter::MailAuthFindings auth;  // what the checks found (SmtpSettings::mail_auth)
    std::string arc_set;            // ARC fields sealing the forwarded copy (RFC 8617 §5.1)
};

class Session {
public:
    Session(SmtpHandler& handler, net::Connection& connection, net::SessionContext& context);
    net::Awaitable<void> run();

private:
    // Replies are collected and written when the client has nothing more pipelined (RFC 2920
    // §3: one write for a group of commands), or at once where the client must wait for them.
    void reply(const Reply& reply);
    net::Awaitable<bool> flush();

    // Sends the replies collected (the last one included) before the session ends. Replies are
    // never built inside a co_await expression: GCC 12 mishandles the lifetime of temporaries
    // there (a Reply destroyed twice under the QUIT case of a switch).
    net::Awaitable<void> close_pending();
    // Counts a refused command; false when the session must end (max_errors).
    bool count_error();
    bool too_many_errors() const;

    Extensions extensions() const;
    bool submission() const;
    bool auth_offered() const;
    // Authenticated, or from the listener's relay_networks: may relay, and is not checked as
    // mail from outside (SPF and the rest).
    bool may_relay() const;

    // Each returns false when the session ends.
    net::Awaitable<bool> on_command(const Command& command);
    void on_ehlo(const Command& command, bool extended);
    net::Awaitable<bool> on_starttls();
    net::Awaitable<void> on_mail(const Command& command);
    // SPF for a client from outside (SmtpSettings::mail_auth) into `findings`; a refusal
    // reply, or nothing.
    net::Awaitable<std::optional<Reply>> check_sender(const MailFrom& mail,
                                                      filter::MailAuthFindings& findings);
    net::Awaitable<void> on_rcpt(const Command& command);
    net::Awaitable<bool> on_data();
    net::Awaitable<bool> on_bdat(const Command& command);
    void reset_transaction();
    net::Awaitable<bool> on_auth(const Command& command);

    // After the data, off the io thread: submission's checks and added fields, forged
    // Authentication-Results removed from mail from outside, the DKIM signature of mail from
    // our users and networks. A refusal or storage failure is the reply to send.
    // `results_arrived`: the header had an Authentication-Results field (DataResult).
    Parsed<Spooled> prepare_message(SpoolFile& spool, Spooled spooled, bool results_arrived) const;

    // Mail from outside, after prepare_message (session_inbound.cpp): DKIM, DMARC and the
    // spoofing mark into the transaction's findings; a refusal by DMARC policy or a storage
    // failure, or nothing.
    net::Awaitable<std::optional<Reply>> check_message(const Spooled& message);
    void log_message_findings(const filter::MessageFindings& found) const;

    // Mail from outside (session_inbound.cpp): the message without the Authentication-Results
    // fields that claim our authserv-id. Blocking (file reads): called through off_io_thread.
    Result<Spooled> strip_forged_results(SpoolFile& spool, Spooled spooled) const;

    // Mail from our users and networks (session_signing.cpp): the message with the DKIM
    // signature of its From: domain's active key, if it has one. Blocking (store and file
    // reads): called through off_io_thread.
    Result<Spooled> sign_outgoing(SpoolFile& spool, Spooled spooled) const;

    // Submission (session_submission.cpp): whether the authenticated account receives mail
    // sent to `address` (its own address, a sub-address, an alias or group that reaches it).
    // Blocking (directory reads): called through off_io_thread.
    bool owns_address(std::string_view address) const;
    // Submission checks on a received message (session_data.cpp): the From: addresses belong
    // to the account; Date and Message-ID are added when missing (RFC 6409 §8.2, §8.3). The
    // spool may be replaced by a rewritten one. Blocking (directory reads, spool writes): called
    // through off_io_thread.
    Parsed<Spooled> check_submission(SpoolFile& spool, Spooled message) const;

    // Recipient checks (session_envelope.cpp): a reply refusing it, or the resolved recipient.
    // Blocking (directory and store reads): called through off_io_thread.
    Parsed<Recipient> accept_recipient(const RcptTo& rcpt) const;
    // Whether a local domain has a route (`harbor route`): its unknown recipients are relayed
    // to the route's host rather than refused. Blocking (the store).
    bool routed_elsewhere(std::string_view domain) const;
    // Recipient verification of a routed recipient (SmtpSettings::verify_routed): nullopt when
    // the internal server has it, else the reply that refuses it.
    net::Awaitable<std::optional<Reply>> verify_routed(std::string address);

    // DATA/BDAT (session_data.cpp).
    Result<SpoolFile> open_spool(const std::string& id);
    net::Awaitable<bool> finish_message(SpoolFile spool, const DataResult& result,
                                        const std::string& id);
    net::Awaitable<Reply> deliver(Spooled message, const std::string& id);
    // `request.bytes` points into `message.memory`, which must outlive the store call.
    store::DeliverRequest delivery_request(const Spooled& message) const;

    // Delivery status notifications for an accepted message (session_report.cpp): the
    // recipients due one, given the account of each requested copy and what the store did
    // with it; then the report, stored for a local sender or queued.
    std::vector<RecipientOutcome> delivery_outcomes(const std::vector<std::int64_t>& copy_accounts,
                                                    const store::DeliverResult& result) const;
    net::Awaitable<void> report_delivery(std::vector<RecipientOutcome> outcomes,
                                         const Spooled& message, const store::BlobId& blob,
                                         std::int64_t arrival, const std::string& id);

    SmtpHandler& handler_;
    net::Connection& connection_;
    net::SessionContext& context_;
    const ListenerPolicy& policy_;
    std::string out_;
    std::size_t errors_ = 0;
    std::size_t received_length_ = 0;  // bytes of our Received field at the spool's start
    bool bad_line_ = false;            // a bare LF was read: the line goes on to the next CRLF
    std::optional<Helo> helo_;
    bool esmtp_ = false;
    std::optional<store::Account> authenticated_;
    std::optional<Transaction> transaction_;
    // BDAT in progress: the spool and reader live across BDAT commands (RFC 3030 §2).
    struct Chunking;
    std::shared_ptr<Chunking> chunking_;
};

}  // namespace harbor::smtp::server
