// Autoconfig and Autodiscover documents, read back with libxml2's parser and XPath: well-formed
// XML naming exactly the TLS listeners of the Config, implicit TLS first, request text escaped.
#include "http/client_config.hpp"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <gtest/gtest.h>

#include <memory>

namespace harbor::http {
namespace {

// A parsed document; values() is the string value of each node an XPath selects.
class Xml {
public:
    explicit Xml(const std::string& text)
        : doc_(xmlReadMemory(text.data(), static_cast<int>(text.size()), "doc.xml", nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
               xmlFreeDoc)
    {
    }
    bool ok() const { return doc_ != nullptr; }

    std::vector<std::string> values(const char* xpath) const
    {
        std::vector<std::string> out;
        std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> context(
            xmlXPathNewContext(doc_.get()), xmlXPathFreeContext);
        std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> found(
            xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(xpath), context.get()),
            xmlXPathFreeObject);
        if (!found || !found->nodesetval) {
            return out;
        }
        for (int i = 0; i < found->nodesetval->nodeNr; ++i) {
            xmlChar* text = xmlNodeGetContent(found->nodesetval->nodeTab[i]);
            out.emplace_back(reinterpret_cast<const char*>(text));
            xmlFree(text);
        }
        return out;
    }

private:
    std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc_;
};

using Strings = std::vector<std::string>;

ListenerConfig listener(Protocol protocol, std::uint16_t port, TlsMode tls,
                        std::string address = "0.0.0.0")
{
    ListenerConfig out;
    out.protocol = protocol;
    out.port = port;
    out.tls = tls;
    out.address = std::move(address);
    return out;
}

// Every kind of listener, in no useful order, with ones that must not be announced.
std::vector<ListenerConfig> all_listeners()
{
    return {
        listener(Protocol::Submission, 587, TlsMode::StartTls),
        listener(Protocol::Imap, 143, TlsMode::StartTls),
        listener(Protocol::Smtp, 25, TlsMode::StartTls),  // MX, not for clients
        listener(Protocol::Imap, 1143, TlsMode::None),    // plaintext: never announced
        listener(Protocol::Pop3, 995, TlsMode::Implicit),
        listener(Protocol::Imap, 993, TlsMode::Implicit),
        listener(Protocol::Imap, 993, TlsMode::Implicit, "::"),  // the same port on IPv6
        listener(Protocol::Http, 80, TlsMode::None),
        listener(Protocol::Submission, 465, TlsMode::Implicit),
        listener(Protocol::Pop3, 110, TlsMode::StartTls),
    };
}

TEST(MailServers, TlsListenersOnceInOrder)
{
    const MailServers servers = mail_servers_of("mail.example.org", all_listeners());
    EXPECT_EQ(servers.hostname, "mail.example.org");
    const std::vector<Endpoint> want = {
        {MailService::Imap, Security::Implicit, 993},
        {MailService::Imap, Security::StartTls, 143},
        {MailService::Pop3, Security::Implicit, 995},
        {MailService::Pop3, Security::StartTls, 110},
        {MailService::Submission, Security::Implicit, 465},
        {MailService::Submission, Security::StartTls, 587},
    };
    EXPECT_EQ(servers.endpoints, want);
}

TEST(Autoconfig, NamesThePortsOfTheListeners)
{
    const MailServers servers = mail_servers_of("mail.example.org", all_listeners());
    const Xml xml(format_autoconfig(servers, "example.org"));
    ASSERT_TRUE(xml.ok());
    EXPECT_EQ(xml.values("/clientConfig/@version"), Strings{"1.1"});
    EXPECT_EQ(xml.values("/clientConfig/emailProvider/@id"), Strings{"example.org"});
    EXPECT_EQ(xml.values("/clientConfig/emailProvider/domain"), Strings{"example.org"});
    EXPECT_EQ(xml.values("//incomingServer/@type"), (Strings{"imap", "imap", "pop3", "pop3"}));
    EXPECT_EQ(xml.values("//incomingServer/port"), (Strings{"993", "143", "995", "110"}));
    EXPECT_EQ(xml.values("//incomingServer/socketType"),
              (Strings{"SSL", "STARTTLS", "SSL", "STARTTLS"}));
    EXPECT_EQ(xml.values("//outgoingServer/@type"), (Strings{"smtp", "smtp"}));
    EXPECT_EQ(xml.values("//outgoingServer/port"), (Strings{"465", "587"}));
    EXPECT_EQ(xml.values("//outgoingServer/socketType"), (Strings{"SSL", "STARTTLS"}));
    EXPECT_EQ(xml.values("//hostname"), Strings(6, "mail.example.org"));
    EXPECT_EQ(xml.values("//username"), Strings(6, "%EMAILADDRESS%"));
    EXPECT_EQ(xml.values("//authentication"), Strings(6, "password-cleartext"));
}

TEST(Autoconfig, NoTlsListenersNoServers)
{
    const MailServers servers =
        mail_servers_of("mail.example.org", {listener(Protocol::Imap, 143, TlsMode::None)});
    const Xml xml(format_autoconfig(servers, "example.org"));
    ASSERT_TRUE(xml.ok());
    EXPECT_TRUE(xml.values("//incomingServer").empty());
    EXPECT_TRUE(xml.values("//outgoingServer").empty());
}

TEST(Autoconfig, TextIsEscaped)
{
    const std::string hostile = "a\"<b>&'c</domain><x>";
    const Xml xml(format_autoconfig(mail_servers_of(hostile, all_listeners()), hostile));
    ASSERT_TRUE(xml.ok());
    EXPECT_EQ(xml.values("/clientConfig/emailProvider/@id"), Strings{hostile});
    EXPECT_EQ(xml.values("/clientConfig/emailProvider/domain"), Strings{hostile});
    EXPECT_EQ(xml.values("//x").size(), 0u);
}

TEST(Autodiscover, PrefersImplicitTlsOneProtocolEach)
{
    const MailServers servers = mail_servers_of("mail.example.org", all_listeners());
    const Xml xml(format_autodiscover(servers, "jo@example.org"));
    ASSERT_TRUE(xml.ok());
    auto all = [&](const char* element) {
        return xml.values(
            (std::string("//*[local-name()='Protocol']/*[local-name()='") + element + "']")
                .c_str());
    };
    EXPECT_EQ(xml.values("//*[local-name()='AccountType']"), Strings{"email"});
    EXPECT_EQ(xml.values("//*[local-name()='Action']"), Strings{"settings"});
    EXPECT_EQ(all("Type"), (Strings{"IMAP", "SMTP", "POP3"}));
    EXPECT_EQ(all("Port"), (Strings{"993", "465", "995"}));
    EXPECT_EQ(all("SSL"), (Strings{"on", "on", "on"}));
    EXPECT_EQ(all("Encryption"), (Strings{"SSL", "SSL", "SSL"}));
    EXPECT_EQ(all("Server"), Strings(3, "mail.example.org"));
    EXPECT_EQ(all("LoginName"), Strings(3, "jo@example.org"));
    // The response is in the outlook namespace, under the Autodiscover one.
    EXPECT_EQ(xml.values("/*[local-name()='Autodiscover']/*[local-name()='Response']/"
                         "*[local-name()='Account']/*[local-name()='AccountType']"),
              Strings{"email"});
}

TEST(Autodiscover, StartTlsWhenThatIsAllThereIs)
{
    const MailServers servers = mail_servers_of(
        "mail.example.org", {listener(Protocol::Imap, 143, TlsMode::StartTls),
                             listener(Protocol::Submission, 587, TlsMode::StartTls)});
    const Xml xml(format_autodiscover(servers, "jo@example.org"));
    ASSERT_TRUE(xml.ok());
    EXPECT_EQ(xml.values("//*[local-name()='Type']"), (Strings{"IMAP", "SMTP"}));
    EXPECT_EQ(xml.values("//*[local-name()='Port']"), (Strings{"143", "587"}));
    EXPECT_EQ(xml.values("//*[local-name()='Encryption']"), (Strings{"TLS", "TLS"}));
}

TEST(Autodiscover, ErrorDocument)
{
    const Xml xml(format_autodiscover_error(600, "Invalid <Request>"));
    ASSERT_TRUE(xml.ok());
    EXPECT_EQ(xml.values("//*[local-name()='ErrorCode']"), Strings{"600"});
    EXPECT_EQ(xml.values("//*[local-name()='Message']"), Strings{"Invalid <Request>"});
    EXPECT_TRUE(xml.values("//*[local-name()='Account']").empty());
}

TEST(XmlEscape, AllFive)
{
    EXPECT_EQ(xml_escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
    EXPECT_EQ(xml_escape("plain"), "plain");
}

}  // namespace
}  // namespace harbor::http
