// The outbound envelope: queued JSON to typed MAIL/RCPT values through smtp/protocol's parsers,
// and the command lines. RFC 5321 §4.1.1.2-3, RFC 1870 §6, RFC 6152 §2, RFC 3030 §3,
// RFC 6531 §3.4, RFC 3461 §4.1-4.4, RFC 8689 §4.
// SECURITY: the queue is Harbor's own, but its values came from remote clients; they are parsed
// again with the same bounds as on reception, and written back with xtext encoding.
#include "smtp/client/envelope.hpp"

#include <nlohmann/json.hpp>

#include "smtp/protocol/xtext.hpp"

namespace harbor::smtp::client {
namespace {

Reply bad_queue_entry(std::string what)
{
    return Reply{554, "5.3.0", "Malformed queued " + std::move(what)};  // RFC 3463 §3.4
}

// Every extension on: the queue holds what a Harbor server accepted, so nothing in it is
// refused for want of an extension; only a malformed value is.
Extensions all_extensions()
{
    Extensions extensions;
    extensions.size = true;
    extensions.eightbitmime = true;
    extensions.chunking = true;
    extensions.binarymime = true;
    extensions.smtputf8 = true;
    extensions.dsn = true;
    extensions.requiretls = true;
    return extensions;
}

// The queued JSON object; empty text is an empty object.
std::optional<nlohmann::json> parse_object(std::string_view text)
{
    if (text.empty()) {
        return nlohmann::json::object();
    }
    nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) {
        return std::nullopt;
    }
    return json;
}

// A string member, absent or empty; nullopt when present with another type.
std::optional<std::string> string_member(const nlohmann::json& object, const char* key)
{
    const auto found = object.find(key);
    if (found == object.end()) {
        return std::string();
    }
    if (!found->is_string()) {
        return std::nullopt;
    }
    return found->get<std::string>();
}

std::optional<bool> bool_member(const nlohmann::json& object, const char* key)
{
    const auto found = object.find(key);
    if (found == object.end()) {
        return false;
    }
    if (!found->is_boolean()) {
        return std::nullopt;
    }
    return found->get<bool>();
}

std::string format_notify(const Notify& notify)
{
    if (notify.never) {
        return "NEVER";
    }
    std::string out;
    for (const auto& [on, name] :
         {std::pair{notify.success, "SUCCESS"}, std::pair{notify.failure, "FAILURE"},
          std::pair{notify.delay, "DELAY"}}) {
        if (on) {
            out += out.empty() ? name : std::string(",") + name;
        }
    }
    return out;
}

}  // namespace

bool needs_smtputf8(std::string_view address)
{
    return has_eight_bit(address);
}

bool has_eight_bit(std::string_view content)
{
    for (const char c : content) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return true;
        }
    }
    return false;
}

Parsed<MailFrom> parse_queued_sender(std::string_view sender, std::string_view params)
{
    const std::optional<nlohmann::json> json = parse_object(params);
    if (!json) {
        return bad_queue_entry("message parameters");
    }
    const std::optional<std::string> envid = string_member(*json, "envid");
    const std::optional<std::string> ret = string_member(*json, "ret");
    const std::optional<std::string> body = string_member(*json, "body");
    const std::optional<bool> smtputf8 = bool_member(*json, "smtputf8");
    const std::optional<bool> requiretls = bool_member(*json, "requiretls");
    if (!envid || !ret || !body || !smtputf8 || !requiretls) {
        return bad_queue_entry("message parameters");
    }
    // The same text a client would have sent, so parse_mail_from() applies every rule again.
    std::string argument = "FROM:<" + std::string(sender) + ">";
    if (!envid->empty()) {
        argument += " ENVID=" + encode_xtext(*envid);
    }
    if (!ret->empty()) {
        argument += " RET=" + *ret;
    }
    if (!body->empty()) {
        argument += " BODY=" + *body;
    }
    if (*smtputf8 || needs_smtputf8(sender)) {
        argument += " SMTPUTF8";
    }
    if (*requiretls) {
        argument += " REQUIRETLS";
    }
    return parse_mail_from(argument, all_extensions());
}

Parsed<RcptTo> parse_queued_recipient(const OutboundRecipient& recipient)
{
    const std::optional<nlohmann::json> json = parse_object(recipient.params);
    if (!json) {
        return bad_queue_entry("recipient parameters");
    }
    const std::optional<std::string> notify = string_member(*json, "notify");
    const std::optional<std::string> orcpt = string_member(*json, "orcpt");
    if (!notify || !orcpt) {
        return bad_queue_entry("recipient parameters");
    }
    std::string argument = "TO:<" + recipient.address + ">";
    if (!notify->empty()) {
        argument += " NOTIFY=" + *notify;
    }
    if (!orcpt->empty()) {
        // Queued as "type;decoded address" (session_data.cpp recipient_params); the address is
        // xtext again on the wire (RFC 3461 §4.2). An addr-type never contains ';'.
        const std::size_t semicolon = orcpt->find(';');
        if (semicolon == std::string::npos) {
            return bad_queue_entry("ORCPT");
        }
        argument += " ORCPT=" + orcpt->substr(0, semicolon) + ";" +
                    encode_xtext(std::string_view(*orcpt).substr(semicolon + 1));
    }
    return parse_rcpt_to(argument, all_extensions(), Utf8Addresses::Allowed);
}

std::string format_mail_command(const MailFrom& mail, const MailOptions& options,
                                const ServerExtensions& server)
{
    std::string line = "MAIL FROM:<" + mail.address + ">";
    if (options.size && server.size) {
        line += " SIZE=" + std::to_string(*options.size);  // RFC 1870 §6
    }
    if (options.body == Body::EightBitMime) {
        line += " BODY=8BITMIME";  // RFC 6152 §2
    } else if (options.body == Body::BinaryMime) {
        line += " BODY=BINARYMIME";  // RFC 3030 §3
    }
    if (options.smtputf8) {
        line += " SMTPUTF8";  // RFC 6531 §3.4
    }
    if (server.dsn) {
        // RFC 3461 §4.3, §4.4: only to a server that offered DSN (§5.2: "MUST NOT" otherwise).
        if (mail.ret == Ret::Full) {
            line += " RET=FULL";
        } else if (mail.ret == Ret::Headers) {
            line += " RET=HDRS";
        }
        if (!mail.envid.empty()) {
            line += " ENVID=" + encode_xtext(mail.envid);
        }
    }
    if (options.requiretls) {
        line += " REQUIRETLS";  // RFC 8689 §4.1
    }
    return line;
}

std::string format_rcpt_command(const RcptTo& rcpt, const ServerExtensions& server)
{
    std::string line = "RCPT TO:<" + rcpt.address + ">";
    if (server.dsn) {
        if (rcpt.notify.given) {
            line += " NOTIFY=" + format_notify(rcpt.notify);  // RFC 3461 §4.1
        }
        if (rcpt.orcpt) {
            // RFC 3461 §4.2; DEVIATION(RFC 6533 §3): a "utf-8" address is sent as xtext too
            // (its +XX escapes decode to the same octets), not as utf-8-addr-xtext.
            line += " ORCPT=" + rcpt.orcpt->type + ";" + encode_xtext(rcpt.orcpt->address);
        }
    }
    return line;
}

}  // namespace harbor::smtp::client
