// Autoconfig and Autodiscover documents. See client_config.hpp.
// Formats: Mozilla's "Autoconfig file format" (clientConfig version 1.1: emailProvider,
// incomingServer/outgoingServer with hostname, port, socketType SSL|STARTTLS, authentication,
// username); Microsoft's "POX Autodiscover XML elements" (Autodiscover/Response/Account/Protocol
// with Type, Server, Port, LoginName, SPA, SSL, Encryption, AuthRequired; Error/ErrorCode).
#include "http/client_config.hpp"

#include <algorithm>
#include <tuple>

namespace harbor::http {
namespace {

constexpr std::string_view xml_declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::string_view autodiscover_namespace =
    "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
constexpr std::string_view outlook_namespace =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

std::optional<MailService> service_of(Protocol protocol)
{
    switch (protocol) {
        case Protocol::Imap:
            return MailService::Imap;
        case Protocol::Pop3:
            return MailService::Pop3;
        case Protocol::Submission:
            return MailService::Submission;
        case Protocol::Smtp:  // port 25 is for other servers, not for clients (RFC 6409 §1)
        case Protocol::Http:
            break;
    }
    return std::nullopt;
}

std::string_view socket_type(Security security)
{
    return security == Security::Implicit ? "SSL" : "STARTTLS";
}

std::string autoconfig_server(std::string_view element, std::string_view type,
                              const std::string& hostname, const Endpoint& endpoint)
{
    std::string out = "    <" + std::string(element) + " type=\"" + std::string(type) + "\">\n";
    out += "      <hostname>" + xml_escape(hostname) + "</hostname>\n";
    out += "      <port>" + std::to_string(endpoint.port) + "</port>\n";
    out += "      <socketType>" + std::string(socket_type(endpoint.security)) + "</socketType>\n";
    out += "      <authentication>password-cleartext</authentication>\n";
    out += "      <username>%EMAILADDRESS%</username>\n";
    out += "    </" + std::string(element) + ">\n";
    return out;
}

// The first endpoint of `service`: implicit TLS when there is one (the order of MailServers).
const Endpoint* preferred(const MailServers& servers, MailService service)
{
    for (const Endpoint& endpoint : servers.endpoints) {
        if (endpoint.service == service) {
            return &endpoint;
        }
    }
    return nullptr;
}

std::string autodiscover_protocol(std::string_view type, const std::string& hostname,
                                  const Endpoint& endpoint, std::string_view address)
{
    const bool implicit = endpoint.security == Security::Implicit;
    std::string out = "      <Protocol>\n";
    out += "        <Type>" + std::string(type) + "</Type>\n";
    out += "        <Server>" + xml_escape(hostname) + "</Server>\n";
    out += "        <Port>" + std::to_string(endpoint.port) + "</Port>\n";
    out += "        <LoginName>" + xml_escape(address) + "</LoginName>\n";
    out += "        <DomainRequired>off</DomainRequired>\n";
    out += "        <SPA>off</SPA>\n";
    // SSL "on" asks for a secure logon; Encryption (which overrides SSL in the Outlook versions
    // that know it) says which: SSL is TLS from the first byte, TLS is STARTTLS.
    out += "        <SSL>on</SSL>\n";
    out += "        <Encryption>" + std::string(implicit ? "SSL" : "TLS") + "</Encryption>\n";
    out += "        <AuthRequired>on</AuthRequired>\n";
    if (type == "SMTP") {
        out += "        <UsePOPAuth>off</UsePOPAuth>\n";
        out += "        <SMTPLast>off</SMTPLast>\n";
    }
    out += "      </Protocol>\n";
    return out;
}

}  // namespace

MailServers mail_servers_of(std::string hostname, const std::vector<ListenerConfig>& listeners)
{
    MailServers servers;
    servers.hostname = std::move(hostname);
    for (const ListenerConfig& listener : listeners) {
        const std::optional<MailService> service = service_of(listener.protocol);
        if (!service || listener.tls == TlsMode::None) {
            continue;
        }
        const Endpoint endpoint{
            *service, listener.tls == TlsMode::Implicit ? Security::Implicit : Security::StartTls,
            listener.port};
        if (std::find(servers.endpoints.begin(), servers.endpoints.end(), endpoint) ==
            servers.endpoints.end()) {
            servers.endpoints.push_back(endpoint);
        }
    }
    std::stable_sort(servers.endpoints.begin(), servers.endpoints.end(),
                     [](const Endpoint& a, const Endpoint& b) {
                         return std::tie(a.service, a.security, a.port) <
                                std::tie(b.service, b.security, b.port);
                     });
    return servers;
}

std::string xml_escape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string format_autoconfig(const MailServers& servers, std::string_view domain)
{
    const std::string name = xml_escape(domain);
    std::string out(xml_declaration);
    out += "<clientConfig version=\"1.1\">\n";
    out += "  <emailProvider id=\"" + name + "\">\n";
    out += "    <domain>" + name + "</domain>\n";
    out += "    <displayName>" + name + "</displayName>\n";
    out += "    <displayShortName>" + name + "</displayShortName>\n";
    for (const Endpoint& endpoint : servers.endpoints) {
        switch (endpoint.service) {
            case MailService::Imap:
                out += autoconfig_server("incomingServer", "imap", servers.hostname, endpoint);
                break;
            case MailService::Pop3:
                out += autoconfig_server("incomingServer", "pop3", servers.hostname, endpoint);
                break;
            case MailService::Submission:
                out += autoconfig_server("outgoingServer", "smtp", servers.hostname, endpoint);
                break;
        }
    }
    out += "  </emailProvider>\n";
    out += "</clientConfig>\n";
    return out;
}

std::string format_autodiscover(const MailServers& servers, std::string_view address)
{
    std::string out(xml_declaration);
    out += "<Autodiscover xmlns=\"" + std::string(autodiscover_namespace) + "\">\n";
    out += "  <Response xmlns=\"" + std::string(outlook_namespace) + "\">\n";
    out += "    <Account>\n";
    out += "      <AccountType>email</AccountType>\n";
    out += "      <Action>settings</Action>\n";
    // IMAP before POP3: the one we want clients to pick (mailboxes stay on the server).
    const std::pair<MailService, std::string_view> order[] = {{MailService::Imap, "IMAP"},
                                                              {MailService::Submission, "SMTP"},
                                                              {MailService::Pop3, "POP3"}};
    for (const auto& [service, type] : order) {
        if (const Endpoint* endpoint = preferred(servers, service)) {
            out += autodiscover_protocol(type, servers.hostname, *endpoint, address);
        }
    }
    out += "    </Account>\n";
    out += "  </Response>\n";
    out += "</Autodiscover>\n";
    return out;
}

std::string format_autodiscover_error(int code, std::string_view message)
{
    std::string out(xml_declaration);
    out += "<Autodiscover xmlns=\"" + std::string(autodiscover_namespace) + "\">\n";
    out += "  <Response>\n";
    out += "    <Error>\n";
    out += "      <ErrorCode>" + std::to_string(code) + "</ErrorCode>\n";
    out += "      <Message>" + xml_escape(message) + "</Message>\n";
    out += "      <DebugData />\n";
    out += "    </Error>\n";
    out += "  </Response>\n";
    out += "</Autodiscover>\n";
    return out;
}

}  // namespace harbor::http
