// The HTTP session over real loopback sockets: persistent connections, pipelining, HEAD,
// 100-continue, and the ways a connection ends: Connection: close, the request limit, a bad
// frame (400/413/431, nothing after it answered), a slow request (408), an idle client.
#include "http/http_session.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "net/connection.hpp"
#include "net/test_util.hpp"

namespace harbor::http {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

Result<bool> only_example_org(std::string_view domain)
{
    return domain == "example.org";
}

HttpSettings test_settings()
{
    Config config;
    config.hostname = "mail.example.org";
    ListenerConfig imaps;
    imaps.protocol = Protocol::Imap;
    imaps.port = 993;
    imaps.tls = TlsMode::Implicit;
    config.listeners.push_back(imaps);
    Result<HttpSettings> settings = http_settings_from(config);
    EXPECT_TRUE(settings.has_value());
    return std::move(*settings);
}

// One session of `handler` on its own io thread; the test is the client.
class Served {
public:
    explicit Served(HttpHandler& handler)
        : pair_(context_), connection_(std::move(pair_.server), nullptr)
    {
        thread_ = std::thread([this, &handler] {
            net::SessionContext session;
            session.cid = "test";
            session.protocol = Protocol::Http;
            net::test::run_until_done(context_, handler.run(connection_, session));
            connection_.close();  // as the listener does when a session returns
        });
    }
    ~Served()
    {
        boost::system::error_code ignored;
        pair_.client.close(ignored);
        thread_.join();
    }

    void send(std::string_view bytes) { pair_.send(bytes); }

    // One response: status line and fields, then Content-Length octets of body (none for
    // `head`).
    struct Answer {
        int status = 0;
        std::string fields;
        std::string body;
    };
    Answer read(bool head = false)
    {
        Answer answer;
        std::string header;
        while (!header.ends_with("\r\n\r\n")) {
            char c = 0;
            boost::system::error_code ec;
            if (asio::read(pair_.client, asio::buffer(&c, 1), ec) != 1) {
                ADD_FAILURE() << "connection ended inside a response header: " << header;
                return answer;
            }
            header += c;
        }
        answer.status = std::stoi(header.substr(9, 3));
        answer.fields = header;
        const std::size_t length = header.find("Content-Length: ");
        if (length != std::string::npos && !head) {
            answer.body.resize(std::stoul(header.substr(length + 16)));
            asio::read(pair_.client, asio::buffer(answer.body));
        }
        return answer;
    }

    // True when the server closed the connection with nothing more to say. With
    // `shutdown_first` the client ends its side first (the server stops lingering at once).
    bool closed(bool shutdown_first = false)
    {
        if (shutdown_first) {
            pair_.client.shutdown(asio::ip::tcp::socket::shutdown_send);
        }
        char c = 0;
        boost::system::error_code ec;
        const std::size_t n = asio::read(pair_.client, asio::buffer(&c, 1), ec);
        return n == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
    }

private:
    asio::io_context context_;
    net::test::SocketPair pair_;
    net::Connection connection_;
    std::thread thread_;
};

constexpr std::string_view get_home = "GET / HTTP/1.1\r\nHost: mail.example.org\r\n\r\n";

TEST(HttpSession, KeepAliveServesRequestsUntilClose)
{
    HttpHandler handler(test_settings(), only_example_org);
    Served served(handler);
    served.send(get_home);
    Served::Answer first = served.read();
    EXPECT_EQ(first.status, 200);
    EXPECT_EQ(first.body, "Harbor\n");
    EXPECT_EQ(first.fields.find("Connection: close"), std::string::npos);
    EXPECT_NE(first.fields.find("\r\nDate: "), std::string::npos);
    EXPECT_NE(first.fields.find("\r\nServer: Harbor\r\n"), std::string::npos);
    served.send("GET /metrics HTTP/1.1\r\nHost: mail.example.org\r\n\r\n");
    Served::Answer second = served.read();
    EXPECT_EQ(second.status, 200);  // from 127.0.0.1
    EXPECT_NE(second.body.find("# TYPE harbor_http_requests_total counter"), std::string::npos);
    served.send("GET / HTTP/1.1\r\nHost: mail.example.org\r\nConnection: close\r\n\r\n");
    Served::Answer last = served.read();
    EXPECT_EQ(last.status, 200);
    EXPECT_NE(last.fields.find("\r\nConnection: close\r\n"), std::string::npos);
    EXPECT_TRUE(served.closed());
}

TEST(HttpSession, PipelinedRequestsAnsweredInOrder)
{
    HttpHandler handler(test_settings(), only_example_org);
    Served served(handler);
    served.send(std::string(get_home) + "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n" +
                "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n" + std::string(get_home));
    EXPECT_EQ(served.read().status, 200);
    EXPECT_EQ(served.read().status, 404);
    Served::Answer head = served.read(true);
    EXPECT_EQ(head.status, 200);
    EXPECT_NE(head.fields.find("Content-Length: 7\r\n"), std::string::npos);
    // HEAD sent no body: the next response starts right after its header.
    EXPECT_EQ(served.read().body, "Harbor\n");
}

TEST(HttpSession, OneOctetAtATime)
{
    HttpHandler handler(test_settings(), only_example_org);
    Served served(handler);
    const std::string request =
        "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: a\r\nContent-Length: 62\r\n\r\n"
        "<Request><EMailAddress>jo@example.org</EMailAddress></Request>";
    ASSERT_EQ(request.size() - request.find("\r\n\r\n") - 4, 62u);
    for (char c : request) {
        served.send(std::string_view(&c, 1));
    }
    Served::Answer answer = served.read();
    EXPECT_EQ(answer.status, 200);
    EXPECT_NE(answer.body.find("<Port>993</Port>"), std::string::npos) << answer.body;
}

TEST(HttpSession, ContinueBeforeTheBody)
{
    HttpHandler handler(test_settings(), only_example_org);
    Served served(handler);
    served.send(
        "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: a\r\nContent-Length: 62\r\n"
        "Expect: 100-continue\r\n\r\n");
    EXPECT_EQ(served.read().status, 100);
    served.send("<Request><EMailAddress>jo@example.org</EMailAddress></Request>");
    EXPECT_EQ(served.read().status, 200);
}

TEST(HttpSession, BadFramesAreAnsweredThenClosed)
{
    struct Case {
        std::string_view name;
        std::string bytes;
        int status;
    };
    const Case cases[] = {
        {"garbage", "GARBAGE\r\n\r\n", 400},
        {"no host", "GET / HTTP/1.1\r\n\r\n", 400},
        {"header too large",
         "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(20 * 1024, 'x') + "\r\n\r\n", 431},
        // Refused on its Content-Length, before the body is sent (no 100 either).
        {"body too large",
         "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: a\r\nContent-Length: 70000\r\n"
         "Expect: 100-continue\r\n\r\n",
         413},
        // The smuggling frame: the request hidden after it is never answered.
        {"length and chunked",
         "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n",
         400},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        HttpHandler handler(test_settings(), only_example_org);
        Served served(handler);
        served.send(c.bytes);
        Served::Answer answer = served.read();
        EXPECT_EQ(answer.status, c.status);
        EXPECT_NE(answer.fields.find("\r\nConnection: close\r\n"), std::string::npos);
        EXPECT_TRUE(served.closed(true));
    }
}

TEST(HttpSession, SlowRequestTimesOut)
{
    HttpSettings settings = test_settings();
    settings.request_timeout = 1s;
    HttpHandler handler(std::move(settings), only_example_org);
    Served served(handler);
    served.send("GET / HTTP/1.1\r\nHost: a\r\n");  // and never the empty line
    Served::Answer answer = served.read();
    EXPECT_EQ(answer.status, 408);
    EXPECT_TRUE(served.closed());
}

TEST(HttpSession, IdleConnectionClosedSilently)
{
    HttpSettings settings = test_settings();
    settings.idle_timeout = 1s;
    HttpHandler handler(std::move(settings), only_example_org);
    Served served(handler);
    served.send(get_home);
    EXPECT_EQ(served.read().status, 200);
    EXPECT_TRUE(served.closed());  // after a second without a request: no 408, just close
}

TEST(HttpSession, RequestLimitEndsTheConnection)
{
    HttpSettings settings = test_settings();
    settings.max_requests = 2;
    HttpHandler handler(std::move(settings), only_example_org);
    Served served(handler);
    served.send(std::string(get_home) + std::string(get_home) + std::string(get_home));
    EXPECT_EQ(served.read().fields.find("Connection: close"), std::string::npos);
    EXPECT_NE(served.read().fields.find("\r\nConnection: close\r\n"), std::string::npos);
    EXPECT_TRUE(served.closed());
}

TEST(HttpSession, Http10ClosesAfterOne)
{
    HttpHandler handler(test_settings(), only_example_org);
    Served served(handler);
    served.send("GET / HTTP/1.0\r\n\r\n");
    EXPECT_NE(served.read().fields.find("\r\nConnection: close\r\n"), std::string::npos);
    EXPECT_TRUE(served.closed());
}

}  // namespace
}  // namespace harbor::http
