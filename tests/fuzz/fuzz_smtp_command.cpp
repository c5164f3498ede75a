// Fuzzes the SMTP command grammar (src/smtp/protocol): each input line goes through
// parse_command with no extensions and with all of them; EHLO/HELO, BDAT and AUTH arguments
// through their parsers; MAIL and RCPT arguments through parse_mail_from and parse_rcpt_to with
// SMTPUTF8 off and on. Checks: every refusal is 4xx/5xx with a well-formed enhanced code of the
// same class; formatted replies are CRLF-terminated lines of at most 512 octets with no other
// CR or LF; parsed addresses respect RFC 5321 §4.5.3.1 (local part <= 64, path <= 256) and are
// ASCII unless SMTPUTF8 was in effect and parse again to themselves; xtext round-trips.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/protocol/command.hpp"
#include "smtp/protocol/path.hpp"
#include "smtp/protocol/xtext.hpp"

namespace {

using namespace harbor::smtp;

void check(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

void check_refusal(const Reply& reply)
{
    check(is_error_reply(reply));
    const std::string wire = format_reply(reply);
    check(wire.size() >= 2 && wire.substr(wire.size() - 2) == "\r\n");
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < wire.size(); ++i) {
        if (wire[i] == '\r' || wire[i] == '\n') {
            // Only as the CRLF that ends a line.
            check(wire[i] == '\r' && i + 1 < wire.size() && wire[i + 1] == '\n');
            check(i + 2 - line_start <= max_reply_line);
            line_start = i + 2;
            ++i;
        }
    }
}

bool is_ascii(std::string_view text)
{
    for (const char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return false;
        }
    }
    return true;
}

void check_mailbox(const std::string& address,
                   const std::optional<harbor::directory::Address>& mailbox, bool utf8_allowed)
{
    check(mailbox.has_value());
    check(address.size() + 2 <= harbor::directory::max_path_octets);
    check(mailbox->local_part.size() <= harbor::directory::max_local_part_octets);
    check(mailbox->domain.size() <= harbor::directory::max_domain_octets);
    check(address == mailbox->format());
    check(utf8_allowed || is_ascii(address));
    check(is_ascii(mailbox->domain));  // domains are A-labels or literals
}

void fuzz_mail_rcpt(const Command& command, const Extensions& extensions)
{
    if (command.verb == Verb::Mail) {
        const Parsed<MailFrom> mail = parse_mail_from(command.argument, extensions);
        if (!mail) {
            check_refusal(mail.error());
            return;
        }
        check(!mail->smtputf8 || extensions.smtputf8);
        if (!mail->address.empty()) {
            check_mailbox(mail->address, mail->mailbox, mail->smtputf8);
            // Round trip: the normalised address parses to itself.
            const std::string again =
                "FROM:<" + mail->address + ">" + (mail->smtputf8 ? " SMTPUTF8" : "");
            const Parsed<MailFrom> reparsed = parse_mail_from(again, extensions);
            check(reparsed && reparsed->address == mail->address);
        }
        check(mail->envid.size() <= max_envid);
        return;
    }
    for (const Utf8Addresses utf8 : {Utf8Addresses::Refused, Utf8Addresses::Allowed}) {
        const Parsed<RcptTo> rcpt = parse_rcpt_to(command.argument, extensions, utf8);
        if (!rcpt) {
            check_refusal(rcpt.error());
            continue;
        }
        if (rcpt->postmaster) {
            check(!rcpt->mailbox.has_value());
        } else {
            check_mailbox(rcpt->address, rcpt->mailbox, utf8 == Utf8Addresses::Allowed);
            const Parsed<RcptTo> reparsed =
                parse_rcpt_to("TO:<" + rcpt->address + ">", extensions, utf8);
            check(reparsed && reparsed->address == rcpt->address);
        }
        if (rcpt->orcpt) {
            check(rcpt->orcpt->address.size() <= max_orcpt);
        }
    }
}

void fuzz_line(std::string_view line, const Extensions& extensions)
{
    const Parsed<Command> command = parse_command(line, extensions);
    if (!command) {
        check_refusal(command.error());
        return;
    }
    check(command->argument.size() + 2 <= command_line_limit(command->verb, extensions) ||
          command->verb == Verb::Forbidden);
    switch (command->verb) {
        case Verb::Mail:
        case Verb::Rcpt:
            fuzz_mail_rcpt(*command, extensions);
            break;
        case Verb::Ehlo:
        case Verb::Helo: {
            const Parsed<Helo> helo = parse_helo(command->argument);
            if (!helo) {
                check_refusal(helo.error());
            } else {
                check(!helo->name.empty());
                check((helo->form == HeloForm::Other) == helo->domain.empty());
            }
            break;
        }
        case Verb::Bdat: {
            const Parsed<Bdat> bdat = parse_bdat(command->argument, extensions);
            if (!bdat) {
                check_refusal(bdat.error());
            } else {
                check(extensions.max_message_size == 0 ||
                      bdat->size <= extensions.max_message_size);
            }
            break;
        }
        case Verb::Auth: {
            const Parsed<AuthCommand> auth = parse_auth(command->argument);
            if (!auth) {
                check_refusal(auth.error());
            } else {
                check(!auth->mechanism.empty() && auth->mechanism.size() <= max_sasl_mechanism);
            }
            break;
        }
        case Verb::Forbidden:
            check(command->argument.empty());
            break;
        default:
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    Extensions none;
    Extensions all;
    all.size = all.eightbitmime = all.chunking = all.binarymime = true;
    all.smtputf8 = all.dsn = all.auth = all.requiretls = true;
    all.max_message_size = 50 * 1024 * 1024;

    // Each CRLF-separated line is one command, as the session would frame it; a bare LF or CR
    // stays inside its line.
    std::size_t start = 0;
    while (start <= input.size()) {
        const std::size_t crlf = input.find("\r\n", start);
        const std::size_t end = crlf == std::string_view::npos ? input.size() : crlf;
        const std::string_view line = input.substr(start, end - start);
        fuzz_line(line, none);
        fuzz_line(line, all);
        if (crlf == std::string_view::npos) {
            break;
        }
        start = crlf + 2;
    }

    const std::optional<std::string> decoded = decode_xtext(input);
    if (decoded) {
        check(decoded->size() <= input.size());
        check(encode_xtext(*decoded) == input || decode_xtext(encode_xtext(*decoded)) == decoded);
    }
    check(decode_xtext(encode_xtext(input)) == std::string(input));
    return 0;
}
