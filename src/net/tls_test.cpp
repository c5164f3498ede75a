// TLS over loopback with an OpenSSL client: self-signed certificate generation and hostname
// verification, TLS 1.2/1.3 accepted and 1.1 refused, reload, and the RFC 3207 §6 rule that
// plaintext pipelined after STARTTLS is discarded.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <thread>

#include "core/metrics.hpp"
#include "net/connection.hpp"
#include "net/self_signed.hpp"
#include "net/test_util.hpp"
#include "net/tls_context.hpp"

namespace harbor::net {
namespace {

using namespace std::chrono_literals;
using test::run_until_done;
using test::SocketPair;

// A series' value in the metrics text; 0 before its first event (not yet registered).
std::uint64_t scraped(const std::string& series)
{
    const std::string text = metrics::render_text();
    const std::size_t at = text.find("\n" + series + " ");
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + series.size() + 2));
}

std::string handshakes(const std::string& version, const std::string& side)
{
    return "harbor_tls_handshakes_total{version=\"" + version + "\",side=\"" + side + "\"}";
}

const std::string server_failures = "harbor_tls_handshake_failures_total{side=\"server\"}";

// A blocking OpenSSL client on the test's client socket.
class TlsClient {
public:
    TlsClient(int min_version, int max_version, const std::filesystem::path& trust = {},
              const std::string& host = {})
        : ctx_(SSL_CTX_new(TLS_client_method()))
    {
        SSL_CTX_set_min_proto_version(ctx_, min_version);
        SSL_CTX_set_max_proto_version(ctx_, max_version);
        // Level 0 lets the client really offer TLS 1.1, so a refusal is the server's doing.
        SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
        if (!trust.empty()) {
            SSL_CTX_load_verify_locations(ctx_, trust.c_str(), nullptr);
            SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
        }
        ssl_ = SSL_new(ctx_);
        if (!host.empty()) {
            SSL_set1_host(ssl_, host.c_str());
        }
    }
    ~TlsClient()
    {
        SSL_free(ssl_);
        SSL_CTX_free(ctx_);
    }
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    bool connect(int fd)
    {
        SSL_set_fd(ssl_, fd);
        bool connected = SSL_connect(ssl_) == 1;
        ERR_clear_error();
        return connected;
    }
    void write(std::string_view bytes)
    {
        SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
    }
    std::string version() const { return SSL_get_version(ssl_); }
    long verify_result() const { return SSL_get_verify_result(ssl_); }
    std::string peer_common_name() const
    {
        X509* cert = SSL_get1_peer_certificate(ssl_);
        if (cert == nullptr) {
            return {};
        }
        char buf[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
        X509_free(cert);
        return buf;
    }

private:
    SSL_CTX* ctx_;
    SSL* ssl_;
};

class Tls : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        dir_ = new test::TempDir();
        auto made = generate_self_signed("mail.example.test", cert(), key());
        ASSERT_TRUE(made.has_value()) << made.error().to_string();
    }
    static void TearDownTestSuite()
    {
        delete dir_;
        dir_ = nullptr;
    }
    static std::filesystem::path cert() { return dir_->path / "cert.pem"; }
    static std::filesystem::path key() { return dir_->path / "key.pem"; }

    std::shared_ptr<TlsContext> load()
    {
        auto loaded = TlsContext::load(cert(), key());
        EXPECT_TRUE(loaded.has_value()) << loaded.error().to_string();
        return loaded ? *loaded : nullptr;
    }

    // Server handshake on one side, `client_side` on the other; returns the server's result.
    Result<void> handshake(const std::shared_ptr<TlsContext>& tls,
                           const std::function<void(int fd)>& client_side)
    {
        asio::io_context context;
        SocketPair pair(context);
        Connection connection(std::move(pair.server), tls);
        std::thread client([&] {
            client_side(pair.client.native_handle());
            pair.client.close();
        });
        auto result = run_until_done(context, connection.start_tls(deadline_after(2s)));
        client.join();
        return result;
    }

    static test::TempDir* dir_;
};

test::TempDir* Tls::dir_ = nullptr;

TEST_F(Tls, SelfSignedKeyIsPrivateAndCertificateVerifiesHostname)
{
    struct stat st {};
    ASSERT_EQ(::stat(key().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto tls = load();
    ASSERT_TRUE(tls);
    for (std::string host : {"mail.example.test", "localhost"}) {
        long verify = -1;
        bool connected = false;
        auto result = handshake(tls, [&](int fd) {
            TlsClient client(TLS1_2_VERSION, TLS1_3_VERSION, cert(), host);
            connected = client.connect(fd);
            verify = client.verify_result();
        });
        EXPECT_TRUE(result.has_value()) << host;
        EXPECT_TRUE(connected) << host;
        EXPECT_EQ(verify, X509_V_OK) << host << ": " << X509_verify_cert_error_string(verify);
    }
}

TEST_F(Tls, WrongHostnameFailsVerification)
{
    auto tls = load();
    bool connected = true;
    auto result = handshake(tls, [&](int fd) {
        TlsClient client(TLS1_2_VERSION, TLS1_3_VERSION, cert(), "other.example");
        connected = client.connect(fd);
    });
    EXPECT_FALSE(connected);
    EXPECT_FALSE(result.has_value()) << "the client aborts the handshake";
}

TEST_F(Tls, Tls12AndTls13AreAccepted)
{
    auto tls = load();
    for (auto [version_binding, name] :
         {std::pair{TLS1_2_VERSION, "TLSv1.2"}, {TLS1_3_VERSION, "TLSv1.3"}}) {
        const int version = version_binding;  // clang 14 cannot capture structured bindings
        const std::uint64_t counted = scraped(handshakes(name, "server"));
        std::string negotiated;
        auto result = handshake(tls, [&](int fd) {
            TlsClient client(version, version);
            if (client.connect(fd)) {
                negotiated = client.version();
            }
        });
        EXPECT_TRUE(result.has_value()) << name << ": " << result.error().to_string();
        EXPECT_EQ(negotiated, name);
        EXPECT_EQ(scraped(handshakes(name, "server")), counted + 1) << name;
    }
}

TEST_F(Tls, Tls11IsRefused)
{
    auto tls = load();
    const std::uint64_t failures = scraped(server_failures);
    const std::uint64_t other = scraped(handshakes("other", "server"));
    bool connected = true;
    auto result = handshake(tls, [&](int fd) {
        TlsClient client(TLS1_1_VERSION, TLS1_1_VERSION);
        connected = client.connect(fd);
    });
    EXPECT_FALSE(connected);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(scraped(server_failures), failures + 1);
    EXPECT_EQ(scraped(handshakes("other", "server")), other);
}

TEST_F(Tls, StartTlsDiscardsPipelinedPlaintext)
{
    auto tls = load();
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), tls);
    // The attacker's injection: a command pipelined behind STARTTLS in the same segment.
    pair.send("STARTTLS\r\nNOOP\r\n");
    auto first = run_until_done(context, connection.read_line(512, deadline_after(1s)));
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->text, "STARTTLS");
    EXPECT_EQ(connection.buffered_bytes(), 6u) << "the injected NOOP should be buffered here";
    ASSERT_TRUE(run_until_done(context, connection.write("220 2.0.0 go ahead\r\n")).has_value());
    EXPECT_EQ(test::read_client_line(pair.client), "220 2.0.0 go ahead\r\n");

    std::thread client([&] {
        TlsClient tls_client(TLS1_2_VERSION, TLS1_3_VERSION);
        if (tls_client.connect(pair.client.native_handle())) {
            tls_client.write("EHLO after\r\n");
        }
    });
    auto upgraded = run_until_done(context, connection.start_tls(deadline_after(2s)));
    ASSERT_TRUE(upgraded.has_value()) << upgraded.error().to_string();
    EXPECT_TRUE(connection.is_tls());
    EXPECT_EQ(connection.buffered_bytes(), 0u);
    auto next = run_until_done(context, connection.read_line(512, deadline_after(2s)));
    client.join();
    ASSERT_TRUE(next.has_value()) << next.error().to_string();
    EXPECT_EQ(next->text, "EHLO after");
}

TEST_F(Tls, HandshakeTimesOut)
{
    auto tls = load();
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), tls);
    auto result = run_until_done(context, connection.start_tls(deadline_after(50ms)));
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, Errc::Timeout);
}

TEST_F(Tls, LoadErrorsNameTheFile)
{
    auto missing = TlsContext::load(dir_->path / "nope.pem", key());
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, Errc::NotFound);
    EXPECT_NE(missing.error().detail.find("nope.pem"), std::string::npos);

    test::TempDir other;
    ASSERT_TRUE(generate_self_signed("other.test", other.path / "c.pem", other.path / "k.pem"));
    auto mismatch = TlsContext::load(cert(), other.path / "k.pem");
    ASSERT_FALSE(mismatch.has_value());
    EXPECT_NE(mismatch.error().detail.find("k.pem"), std::string::npos);

    auto bad_host = generate_self_signed("bad host,IP:1.2.3.4", other.path / "x", other.path / "y");
    ASSERT_FALSE(bad_host.has_value());
    EXPECT_EQ(bad_host.error().code, Errc::Invalid);
}

TEST_F(Tls, ReloadServesTheNewCertificateToNewConnections)
{
    test::TempDir own;
    auto c = own.path / "c.pem";
    auto k = own.path / "k.pem";
    ASSERT_TRUE(generate_self_signed("first.test", c, k));
    auto loaded = TlsContext::load(c, k);
    ASSERT_TRUE(loaded.has_value());
    auto tls = *loaded;
    auto common_name = [&] {
        std::string cn;
        auto result = handshake(tls, [&](int fd) {
            TlsClient client(TLS1_2_VERSION, TLS1_3_VERSION);
            if (client.connect(fd)) {
                cn = client.peer_common_name();
            }
        });
        EXPECT_TRUE(result.has_value());
        return cn;
    };
    EXPECT_EQ(common_name(), "first.test");
    ASSERT_TRUE(generate_self_signed("second.test", c, k));
    ASSERT_TRUE(tls->reload().has_value());
    EXPECT_EQ(common_name(), "second.test");
    std::filesystem::remove(k);
    EXPECT_FALSE(tls->reload().has_value());
    EXPECT_EQ(common_name(), "second.test") << "a failed reload keeps the current context";
}

}  // namespace
}  // namespace harbor::net
