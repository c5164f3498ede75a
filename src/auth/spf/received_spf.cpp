// Received-SPF (RFC 7208 §9.1): result, a comment in the words of §9.1's examples, then
// key-value pairs whose values are dot-atoms or quoted-strings (RFC 5322 §3.2.3, §3.2.4).
#include "auth/spf/received_spf.hpp"

#include <string_view>

namespace harbor::auth::spf {

namespace {

// Control characters would end or split the field: they become '?'.
std::string printable(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            c = '?';
        }
    }
    return out;
}

// atext (RFC 5322 §3.2.3), or an octet of UTF-8 (RFC 6532 §3.2).
bool is_atext(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        byte >= 0x80) {
        return true;
    }
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_dot_atom(std::string_view text)
{
    if (text.empty() || text.front() == '.' || text.back() == '.') {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '.') {
            if (text[i - 1] == '.') {
                return false;
            }
        } else if (!is_atext(text[i])) {
            return false;
        }
    }
    return true;
}

std::string value(std::string_view text)
{
    std::string clean = printable(text);
    if (is_dot_atom(clean)) {
        return clean;
    }
    std::string out = "\"";
    for (const char c : clean) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + '"';
}

// ctext excludes '(', ')' and '\' (RFC 5322 §3.2.2): they are quoted-pairs.
std::string comment_text(std::string_view text)
{
    std::string out;
    for (const char c : printable(text)) {
        if (c == '(' || c == ')' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

std::string explanation_comment(Status status, const std::string& who, const std::string& ip)
{
    switch (status) {
        case Status::Pass:
            return "domain of " + who + " designates " + ip + " as permitted sender";
        case Status::Fail:
            return "domain of " + who + " does not designate " + ip + " as permitted sender";
        case Status::SoftFail:
            return "domain of transitioning " + who + " does not designate " + ip +
                   " as permitted sender";
        case Status::Neutral:
            return ip + " is neither permitted nor denied by domain of " + who;
        case Status::None:
            return "domain of " + who + " does not designate permitted sender hosts";
        case Status::TempError:
            return "error in processing during lookup of " + who;
        case Status::PermError:
            return "permanent error in processing domain of " + who;
    }
    return {};
}

}  // namespace

std::string received_spf_header(const Request& request, const Outcome& outcome, Identity identity)
{
    boost::asio::ip::address ip = request.ip;
    if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
        ip = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6());
    }
    const std::string client = ip.to_string();
    const std::string sender =
        request.sender.empty() ? "postmaster@" + request.helo : request.sender;
    const std::string who = identity == Identity::MailFrom ? sender : request.helo;
    std::string field = "Received-SPF: ";
    field += status_name(outcome.status);
    field += " (";
    if (!request.receiver.empty()) {
        field += comment_text(request.receiver) + ": ";
    }
    field += comment_text(explanation_comment(outcome.status, who, client)) + ")";
    field += " client-ip=" + value(client);
    field += "; envelope-from=" + value(sender);
    if (!request.helo.empty()) {
        field += "; helo=" + value(request.helo);
    }
    if (!request.receiver.empty()) {
        field += "; receiver=" + value(request.receiver);
    }
    field += "; identity=";
    field += identity == Identity::MailFrom ? "mailfrom" : "helo";
    if (!outcome.mechanism.empty()) {
        field += "; mechanism=" + value(outcome.mechanism);
    }
    if (!outcome.reason.empty()) {
        field += "; problem=" + value(outcome.reason);
    }
    return field;
}

}  // namespace harbor::auth::spf
