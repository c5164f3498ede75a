// One mail transaction of the client: RSET between messages (RFC 5321 §4.1.1.5), the local
// checks that must refuse a message before it is offered (SIZE RFC 1870 §6, SMTPUTF8
// RFC 6531 §3.5, REQUIRETLS RFC 8689 §4.2.1, BINARYMIME RFC 3030 §3), MAIL and RCPT (§4.1.1.2,
// §4.1.1.3) pipelined when offered (RFC 2920 §3.1), then DATA (§4.1.1.4, §4.5.2) or one
// BDAT LAST (RFC 3030 §2), and the verdict of every recipient.
#include <optional>

#include "core/log.hpp"
#include "mime/builder/downconvert.hpp"
#include "net/connection.hpp"
#include "smtp/client/client_session.hpp"
#include "smtp/client/data_encoder.hpp"

namespace harbor::smtp::client {
namespace {

constexpr std::size_t content_piece = 64 * 1024;  // octets of content per write

}  // namespace

struct ClientSession::Transaction {
    explicit Transaction(const OutboundMessage& m)
        : message(m), content(m.content), decided(m.recipients.size())
    {
        for (const OutboundRecipient& recipient : m.recipients) {
            result.recipients.push_back(RecipientResult{recipient.address, Verdict{}});
        }
    }

    void decide(std::size_t index, Verdict verdict)
    {
        if (!decided[index]) {
            result.recipients[index].verdict = std::move(verdict);
            decided[index] = true;
        }
    }
    void decide_all(const Verdict& verdict)
    {
        for (std::size_t i = 0; i < decided.size(); ++i) {
            decide(i, verdict);
        }
    }
    void decide_each(const std::vector<std::size_t>& indexes, const Reply& reply)
    {
        for (const std::size_t index : indexes) {
            decide(index, Verdict{outcome_of(reply), reply});
        }
    }

    const OutboundMessage& message;
    // What goes on the wire: the message's content, or its 7-bit form (`converted`) for a
    // server without 8BITMIME.
    std::string_view content;
    std::string converted;
    MessageResult result;
    std::vector<char> decided;  // per recipient (not vector<bool>: plain flags)
    std::optional<MailFrom> mail;
    MailOptions options;
    std::uint64_t size = 0;            // octets on the wire without dot-stuffing
    std::vector<std::size_t> offered;  // recipients to RCPT, in order
    std::vector<std::string> rcpt_lines;
    std::vector<std::size_t> accepted;  // 2xx to RCPT, waiting for the content's reply
};

net::Awaitable<MessageResult> ClientSession::send(const OutboundMessage& message)
{
    Transaction transaction(message);
    if (ready()) {
        co_await run_transaction(transaction);
    }
    // Whatever the session's end left undecided shares its cause (a 421, a timeout, a loss).
    if (!ready()) {
        transaction.decide_all(failure_);
    }
    co_return std::move(transaction.result);
}

net::Awaitable<void> ClientSession::run_transaction(Transaction& transaction)
{
    const OutboundMessage& message = transaction.message;
    if (record_.transactions > 0) {
        // §4.1.1.5: a clean state for the next transaction on a reused connection.
        Result<Reply> reset = co_await command("RSET", settings_.command_timeout, "RSET");
        if (!reset) {
            fail_io(reset.error(), "the reply to RSET");
            co_return;
        }
        if (!is_positive(*reset)) {
            fail(Verdict{Outcome::Temporary, *reset});
            co_return;
        }
    }
    Parsed<MailFrom> mail = parse_queued_sender(message.sender, message.params);
    if (!mail) {
        transaction.decide_all(Verdict{Outcome::Permanent, mail.error()});
        co_return;
    }
    const ServerExtensions& server = record_.extensions;
    const bool binary = mail->body == Body::BinaryMime;
    if (binary && !(server.binarymime && server.chunking)) {
        // RFC 3030 §3: binary content cannot go as DATA; RFC 3463 X.6.3 "conversion required
        // but not supported" (Harbor does not convert).
        transaction.decide_all(Verdict{
            Outcome::Permanent,
            Reply{554, "5.6.3",
                  "BINARYMIME is required, but was not offered by host " + record_.remote}});
        co_return;
    }
    if (mail->requiretls && !(connection_->is_tls() && record_.tls_verified && server.requiretls)) {
        // RFC 8689 §4.2.1: only over TLS with a verified certificate, to a server that offers
        // REQUIRETLS; otherwise "5.7.30 REQUIRETLS support required" (§5).
        transaction.decide_all(
            Verdict{Outcome::Permanent, Reply{550, "5.7.30",
                                              "REQUIRETLS support required: host " +
                                                  record_.remote + " cannot guarantee TLS"}});
        co_return;
    }
    if (mail->smtputf8 && !server.smtputf8) {
        // RFC 6531 §3.5: no downgrade: the whole message needs SMTPUTF8.
        transaction.decide_all(
            Verdict{Outcome::Permanent, Reply{550, "5.6.7",
                                              "SMTPUTF8 is required, but was not offered "
                                              "by host " +
                                                  record_.remote}});
        co_return;
    }
    bool utf8_addresses = mail->smtputf8;
    for (std::size_t i = 0; i < message.recipients.size(); ++i) {
        Parsed<RcptTo> rcpt = parse_queued_recipient(message.recipients[i]);
        if (!rcpt) {
            transaction.decide(i, Verdict{Outcome::Permanent, rcpt.error()});
            continue;
        }
        if (needs_smtputf8(rcpt->address)) {
            if (!server.smtputf8) {
                // RFC 6531 §3.5: this recipient cannot be named to this server.
                transaction.decide(
                    i, Verdict{Outcome::Permanent,
                               Reply{553, "5.6.7",
                                     "SMTPUTF8 is required for " + rcpt->address +
                                         ", but was not offered by host " + record_.remote}});
                continue;
            }
            utf8_addresses = true;
        }
        transaction.offered.push_back(i);
        transaction.rcpt_lines.push_back(format_rcpt_command(*rcpt, server));
    }
    if (!binary && !server.eightbitmime && has_eight_bit(message.content)) {
        downconvert(transaction);
    }
    transaction.size = binary ? transaction.content.size() : encoded_size(transaction.content);
    if (server.size && server.max_size != 0 && transaction.size > server.max_size) {
        // RFC 1870 §6.1: a client SHOULD NOT send a message larger than the declared limit;
        // RFC 3463 X.3.4 "message too big for system".
        transaction.decide_all(Verdict{
            Outcome::Permanent, Reply{552, "5.3.4",
                                      "message size " + std::to_string(transaction.size) +
                                          " exceeds the fixed limit of host " + record_.remote +
                                          " (" + std::to_string(server.max_size) + ")"}});
        co_return;
    }
    if (transaction.offered.empty()) {
        co_return;
    }
    transaction.options.size = transaction.size;
    transaction.options.smtputf8 = utf8_addresses;
    transaction.options.requiretls = mail->requiretls;
    if (binary) {
        transaction.options.body = Body::BinaryMime;
    } else if (server.eightbitmime &&
               (mail->body == Body::EightBitMime || has_eight_bit(message.content))) {
        transaction.options.body = Body::EightBitMime;
    }
    transaction.mail = std::move(*mail);
    co_await send_envelope(transaction);
    if (!ready() || transaction.accepted.empty()) {
        co_return;
    }
    co_await send_content(transaction);
}

// RFC 6152 §3: 8-bit content must not go to a server without 8BITMIME: its bodies become
// quoted-printable or base64 (mime/builder/downconvert.hpp). DEVIATION(RFC 6152 §3): what cannot
// be converted (a signed or encrypted message, one past the parser's limits) goes unconverted,
// as Postfix sends it, rather than bounce; so do 8-bit header fields.
void ClientSession::downconvert(Transaction& transaction)
{
    mime::DowngradeResult converted = mime::downconvert_to_7bit(transaction.message.content);
    log::debug("smtp.client.downconvert",
               {{"peer", record_.remote},
                {"status", mime::downgrade_status_name(converted.status)},
                {"header_8bit", converted.header_8bit ? "yes" : "no"}});
    if (converted.status == mime::DowngradeStatus::Changed) {
        transaction.converted = std::move(converted.bytes);
        transaction.content = transaction.converted;
    }
}

net::Awaitable<void> ClientSession::send_envelope(Transaction& transaction)
{
    const std::string mail_line =
        format_mail_command(*transaction.mail, transaction.options, record_.extensions);
    ++record_.transactions;
    std::optional<Reply> mail_reply;
    if (record_.extensions.pipelining) {
        // RFC 2920 §3.1: MAIL and every RCPT in one group, their replies read in order.
        transaction.result.pipelined = true;
        std::string group = mail_line + "\r\n";
        for (const std::string& line : transaction.rcpt_lines) {
            group += line + "\r\n";
        }
        Result<void> written = co_await write(group, settings_.mail_timeout);
        if (!written) {
            fail_io(written.error(), "the reply to MAIL");
            co_return;
        }
        Result<Reply> reply = co_await read_reply(settings_.mail_timeout, "the reply to MAIL");
        if (!reply) {
            fail_io(reply.error(), "the reply to MAIL");
            co_return;
        }
        mail_reply = *reply;
    } else {
        Result<Reply> reply =
            co_await command(mail_line, settings_.mail_timeout, "the reply to MAIL");
        if (!reply) {
            fail_io(reply.error(), "the reply to MAIL");
            co_return;
        }
        mail_reply = *reply;
        if (!is_positive(*mail_reply)) {
            transaction.decide_each(transaction.offered, *mail_reply);
            co_return;
        }
    }
    const bool mail_accepted = is_positive(*mail_reply);
    if (!mail_accepted) {
        // The sender was refused: every recipient ends with that reply (their own replies,
        // read below to keep the pipeline in step, are 503s).
        transaction.decide_each(transaction.offered, *mail_reply);
    }
    for (std::size_t k = 0; k < transaction.offered.size(); ++k) {
        Result<Reply> reply;
        if (transaction.result.pipelined) {
            reply = co_await read_reply(settings_.rcpt_timeout, "the reply to RCPT");
        } else {
            reply = co_await command(transaction.rcpt_lines[k], settings_.rcpt_timeout,
                                     "the reply to RCPT");
        }
        if (!reply) {
            fail_io(reply.error(), "the reply to RCPT");
            co_return;
        }
        const std::size_t index = transaction.offered[k];
        if (!mail_accepted) {
            continue;
        }
        if (is_positive(*reply)) {
            transaction.accepted.push_back(index);  // 250 or 251/252 (§3.4)
        } else {
            transaction.decide(index, Verdict{outcome_of(*reply), *reply});
        }
    }
}

net::Awaitable<void> ClientSession::send_content(Transaction& transaction)
{
    const std::string_view content = transaction.content;
    const ServerExtensions& server = record_.extensions;
    const bool binary = transaction.options.body == Body::BinaryMime;
    std::string out;
    std::string_view what;
    if (server.chunking) {
        // RFC 3030 §2: the whole message as one chunk; no dot-stuffing, no 354 to wait for.
        transaction.result.chunked = true;
        what = "the reply to BDAT";
        out = "BDAT " + std::to_string(transaction.size) + " LAST\r\n";
    } else {
        what = "the reply to end of data";
        Result<Reply> go =
            co_await command("DATA", settings_.data_init_timeout, "the reply to DATA");
        if (!go) {
            fail_io(go.error(), "the reply to DATA");
            co_return;
        }
        if (go->code != 354) {
            // A 2xx here is a server out of step: not a delivery.
            const Outcome outcome =
                outcome_of(*go) == Outcome::Permanent ? Outcome::Permanent : Outcome::Temporary;
            for (const std::size_t index : transaction.accepted) {
                transaction.decide(index, Verdict{outcome, *go});
            }
            co_return;
        }
    }
    DataEncoder encoder(transaction.result.chunked ? DotStuffing::Off : DotStuffing::On);
    std::size_t offset = 0;
    bool finished = false;
    while (!finished) {
        const std::string_view piece = content.substr(offset, content_piece);
        offset += piece.size();
        if (binary) {
            out.append(piece);  // RFC 3030 §3: binary octets go as they are
        } else {
            encoder.encode(piece, out);
        }
        if (offset >= content.size()) {
            if (!binary) {
                encoder.finish(out);
            }
            finished = true;
        }
        // §4.5.3.2.5: each block of data gets its own timeout.
        Result<void> written = co_await write(out, settings_.data_block_timeout);
        if (!written) {
            fail_io(written.error(), "the server to take the message data");
            co_return;
        }
        out.clear();
    }
    Result<Reply> reply = co_await read_reply(settings_.data_end_timeout, what);
    if (!reply) {
        fail_io(reply.error(), what);
        co_return;
    }
    transaction.decide_each(transaction.accepted, *reply);
}

}  // namespace harbor::smtp::client
