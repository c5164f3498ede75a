// Recipient verification over an open session (what Postfix calls an address verification
// probe): MAIL FROM:<> and RCPT TO:<address>, then RSET, and no message. The null reverse-path
// (RFC 5321 §4.5.5) means the probe can never cause a notice of its own.
#include "net/connection.hpp"
#include "smtp/client/client_session.hpp"
#include "smtp/protocol/ascii.hpp"

namespace harbor::smtp::client {

net::Awaitable<Verdict> ClientSession::verify_recipient(std::string address)
{
    if (!ready()) {
        co_return failure_;
    }
    // The address comes from our own RCPT parser; this only guards the command line.
    if (address.empty() || address.find_first_of("\r\n<> ") != std::string::npos) {
        co_return Verdict{Outcome::Permanent, Reply{501, "5.1.3", "Bad recipient address syntax"}};
    }
    const bool utf8 = ascii::has_non_ascii(address);
    if (utf8 && !record_.extensions.smtputf8) {
        // RFC 6531 §3.5: the address cannot be named to this server, nor could mail to it be.
        co_return Verdict{Outcome::Permanent,
                          Reply{553, "5.6.7",
                                "SMTPUTF8 is required for " + address +
                                    ", but was not offered by host " + record_.remote}};
    }
    if (record_.transactions > 0) {
        Result<Reply> reset = co_await command("RSET", settings_.command_timeout, "RSET");
        if (!reset) {
            fail_io(reset.error(), "the reply to RSET");
            co_return failure_;
        }
    }
    ++record_.transactions;
    // Named first: GCC 12 miscompiles ?: inside a co_await's arguments.
    std::string mail_line = "MAIL FROM:<>";
    if (utf8) {
        mail_line += " SMTPUTF8";
    }
    Result<Reply> mail =
        co_await command(std::move(mail_line), settings_.mail_timeout, "the reply to MAIL");
    if (!mail) {
        fail_io(mail.error(), "the reply to MAIL");
        co_return failure_;
    }
    if (outcome_of(*mail) != Outcome::Delivered) {
        // A server that refuses the null sender says nothing about the recipient.
        co_return Verdict{Outcome::Temporary, *mail};
    }
    Result<Reply> rcpt =
        co_await command("RCPT TO:<" + address + ">", settings_.rcpt_timeout, "the reply to RCPT");
    if (!rcpt) {
        fail_io(rcpt.error(), "the reply to RCPT");
        co_return failure_;
    }
    Verdict verdict{outcome_of(*rcpt), *rcpt};
    // §4.1.1.5: the transaction ends here, without content.
    Result<Reply> reset = co_await command("RSET", settings_.command_timeout, "RSET");
    if (!reset) {
        fail_io(reset.error(), "the reply to RSET");
    }
    co_return verdict;
}

}  // namespace harbor::smtp::client
