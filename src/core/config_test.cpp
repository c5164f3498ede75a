#include "core/config.hpp"

#include <gtest/gtest.h>

namespace harbor {
namespace {

constexpr std::string_view full_config = R"(
data_dir = "/var/lib/harbor"
hostname = "mx.example.org"

[store]
backend = "sqlite"

[log]
level = "debug"
format = "json"

[tls]
certificate = "/etc/harbor/cert.pem"
key = "/etc/harbor/key.pem"

[[listener]]
protocol = "smtp"
address = "::"
port = 25
tls = "starttls"

[[listener]]
name = "submissions"
protocol = "submission"
port = 465
tls = "implicit"
max_connections_per_ip = 5

relay_networks = ["10.0.0.0/8", "2001:db8::/32"]
allowed_networks = ["192.0.2.0/24"]
greet_pause_ms = 0
data_timeout_s = 600

[smtp]
max_message_size = 10485760
max_recipients = 500
recipient_cache_ms = 0

[imap]
max_append_size = 2097152
idle_timeout_s = 3600

[pop3]
idle_timeout_s = 900
max_errors = 5

[mime]
max_depth = 20
max_decoded_part = 10485760
)";

TEST(Config, ParsesEverySection)
{
    auto config = parse_config(full_config, "harbor.toml");
    ASSERT_TRUE(config) << config.error().to_string();
    EXPECT_EQ(config->data_dir, "/var/lib/harbor");
    EXPECT_EQ(config->hostname, "mx.example.org");
    EXPECT_EQ(config->log_level, log::Level::Debug);
    EXPECT_EQ(config->log_format, log::Format::Json);
    ASSERT_TRUE(config->tls);
    EXPECT_EQ(config->tls->key, "/etc/harbor/key.pem");
    ASSERT_EQ(config->listeners.size(), 2u);
    EXPECT_EQ(config->listeners[0].name, "smtp");
    EXPECT_EQ(config->listeners[0].address, "::");
    EXPECT_EQ(config->listeners[0].tls, TlsMode::StartTls);
    EXPECT_EQ(config->listeners[1].name, "submissions");
    EXPECT_EQ(config->listeners[1].protocol, Protocol::Submission);
    EXPECT_EQ(config->listeners[1].port, 465);
    EXPECT_EQ(config->listeners[1].max_connections_per_ip, 5u);
    EXPECT_EQ(config->listeners[1].relay_networks,
              (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));
    EXPECT_EQ(config->listeners[1].allowed_networks, std::vector<std::string>{"192.0.2.0/24"});
    EXPECT_EQ(config->listeners[1].greet_pause_ms, 0u);
    EXPECT_EQ(config->listeners[1].data_timeout_s, 600u);
    EXPECT_EQ(config->listeners[1].command_timeout_s, 300u);
    EXPECT_FALSE(config->listeners[0].greet_pause_ms.has_value());
    EXPECT_EQ(config->smtp.max_message_size, 10485760u);
    EXPECT_EQ(config->smtp.max_recipients, 500u);
    EXPECT_EQ(config->smtp.max_errors, 20u);
    EXPECT_EQ(config->smtp.recipient_cache_ms, 0u);
    EXPECT_EQ(SmtpConfig{}.recipient_cache_ms, 2000u);
    EXPECT_EQ(config->imap.max_append_size, 2097152u);
    EXPECT_EQ(config->imap.idle_timeout_s, 3600u);
    EXPECT_EQ(config->imap.max_errors, 10u);
    EXPECT_EQ(config->pop3.idle_timeout_s, 900u);
    EXPECT_EQ(config->pop3.max_errors, 5u);
    EXPECT_EQ(config->mime.max_depth, 20u);
    EXPECT_EQ(config->mime.max_decoded_part, 10485760u);
    EXPECT_FALSE(config->mime.max_parts.has_value());  // left out: the parser's default
}

TEST(Config, Pop3DefaultsAndLimits)
{
    auto defaults = parse_config("data_dir = \"/x\"\n", "harbor.toml");
    ASSERT_TRUE(defaults) << defaults.error().to_string();
    EXPECT_EQ(defaults->pop3.idle_timeout_s, 600u);
    EXPECT_EQ(defaults->pop3.max_errors, 10u);

    auto empty = parse_config("data_dir = \"/x\"\n[pop3]\n", "harbor.toml");
    ASSERT_TRUE(empty) << empty.error().to_string();
    EXPECT_EQ(empty->pop3.idle_timeout_s, 600u);
    EXPECT_EQ(empty->pop3.max_errors, 10u);

    // RFC 1939 §3: the autologout timer is "at least 10 minutes"; exactly 600 s is allowed.
    auto lowest = parse_config("data_dir = \"/x\"\n[pop3]\nidle_timeout_s = 600\nmax_errors = 1\n",
                               "harbor.toml");
    ASSERT_TRUE(lowest) << lowest.error().to_string();
    EXPECT_EQ(lowest->pop3.idle_timeout_s, 600u);
    EXPECT_EQ(lowest->pop3.max_errors, 1u);

    auto highest = parse_config(
        "data_dir = \"/x\"\n[pop3]\nidle_timeout_s = 86400\nmax_errors = 10000\n", "harbor.toml");
    ASSERT_TRUE(highest) << highest.error().to_string();
    EXPECT_EQ(highest->pop3.idle_timeout_s, 86400u);
    EXPECT_EQ(highest->pop3.max_errors, 10000u);
    EXPECT_EQ(highest->imap.idle_timeout_s, 30u * 60) << "[pop3] leaves [imap] alone";
}

TEST(Config, LoginSection)
{
    auto defaults = parse_config("data_dir = \"/x\"\n", "harbor.toml");
    ASSERT_TRUE(defaults) << defaults.error().to_string();
    EXPECT_EQ(defaults->login.password_cache_s, 900u);
    auto off = parse_config("data_dir = \"/x\"\n[login]\npassword_cache_s = 0\n", "harbor.toml");
    ASSERT_TRUE(off) << off.error().to_string();
    EXPECT_EQ(off->login.password_cache_s, 0u);
}

TEST(Config, AuthSection)
{
    auto defaults = parse_config("data_dir = \"/x\"\n", "harbor.toml");
    ASSERT_TRUE(defaults) << defaults.error().to_string();
    EXPECT_TRUE(defaults->auth.inbound_checks);
    EXPECT_FALSE(defaults->auth.spf_reject_fail);
    auto on =
        parse_config("data_dir = \"/x\"\n[auth]\ninbound_checks = true\nspf_reject_fail = true\n",
                     "harbor.toml");
    ASSERT_TRUE(on) << on.error().to_string();
    EXPECT_TRUE(on->auth.inbound_checks);
    EXPECT_TRUE(on->auth.spf_reject_fail);
    auto bad = parse_config("data_dir = \"/x\"\n[auth]\nspf_reject = true\n", "harbor.toml");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().detail.find("auth.spf_reject: unknown key"), std::string::npos)
        << bad.error().detail;
}

TEST(Config, QueueAndDnsSections)
{
    auto defaults = parse_config("data_dir = \"/x\"\n", "harbor.toml");
    ASSERT_TRUE(defaults) << defaults.error().to_string();
    EXPECT_TRUE(defaults->queue.deliver);
    EXPECT_EQ(defaults->queue.lifetime_s, 5u * 24 * 3600);
    EXPECT_EQ(defaults->queue.delay_warning_s, 4u * 3600);
    EXPECT_EQ(defaults->queue.retry_s.front(), 60u);
    EXPECT_EQ(defaults->queue.port, 25);
    EXPECT_TRUE(defaults->dns.forwarders.empty());

    auto set = parse_config(
        "data_dir = \"/x\"\n[queue]\ndeliver = false\nretry_s = [5, 10]\n"
        "lifetime_s = 3600\ndelay_warning_s = 0\nport = 2525\n"
        "max_connections_per_domain = 3\ndestination_backoff_s = 5\n"
        "verify_recipients = false\nverify_known_ttl_s = 86400\nverify_unknown_ttl_s = 0\n"
        "[dns]\nforwarders = [\"127.0.0.1@5353\"]\ntimeout_ms = 500\n",
        "harbor.toml");
    ASSERT_TRUE(set) << set.error().to_string();
    EXPECT_FALSE(set->queue.deliver);
    EXPECT_EQ(set->queue.retry_s, (std::vector<std::uint32_t>{5, 10}));
    EXPECT_EQ(set->queue.lifetime_s, 3600u);
    EXPECT_EQ(set->queue.delay_warning_s, 0u);
    EXPECT_EQ(set->queue.port, 2525);
    EXPECT_EQ(set->queue.max_connections_per_domain, 3u);
    EXPECT_EQ(set->queue.destination_backoff_s, 5u);
    EXPECT_EQ(defaults->queue.destination_backoff_s, 60u);
    EXPECT_FALSE(set->queue.verify_recipients);
    EXPECT_TRUE(defaults->queue.verify_recipients);
    EXPECT_EQ(set->queue.verify_known_ttl_s, 86400u);
    EXPECT_EQ(defaults->queue.verify_known_ttl_s, 3600u);
    EXPECT_EQ(set->queue.verify_unknown_ttl_s, 0u);
    EXPECT_EQ(defaults->queue.verify_unknown_ttl_s, 600u);
    EXPECT_EQ(set->dns.forwarders, (std::vector<std::string>{"127.0.0.1@5353"}));
    EXPECT_EQ(set->dns.timeout_ms, 500u);
}

struct BadConfigCase {
    const char* name;
    std::string_view text;
    const char* want;  // substring of the error
};

TEST(Config, BadInputNamesFileLineAndKey)
{
    const BadConfigCase cases[] = {
        {"unknown top key", "data_dir = \"/x\"\ncolour = 1\n",
         "harbor.toml:2: colour: unknown key"},
        {"missing data_dir", "hostname = \"a\"\n", "data_dir: missing"},
        {"port out of range", "data_dir=\"/x\"\n[[listener]]\nprotocol=\"smtp\"\nport=70000\n",
         "harbor.toml:4: listener[0].port: must be between 0 and 65535"},
        {"port not a number", "data_dir=\"/x\"\n[[listener]]\nprotocol=\"smtp\"\nport=\"25\"\n",
         "listener[0].port: must be an integer"},
        {"unknown protocol", "data_dir=\"/x\"\n[[listener]]\nprotocol=\"gopher\"\nport=70\n",
         "harbor.toml:3: listener[0].protocol: must be one of"},
        {"unknown listener key",
         "data_dir=\"/x\"\n[[listener]]\nprotocol=\"smtp\"\nport=25\nbacklog=5\n",
         "harbor.toml:5: listener[0].backlog: unknown key"},
        {"tls without certificate",
         "data_dir=\"/x\"\n[[listener]]\nprotocol=\"imap\"\nport=993\ntls=\"implicit\"\n",
         "listener[0].tls: needs a [tls] certificate and key"},
        {"bad tls mode",
         "data_dir=\"/x\"\n[[listener]]\nprotocol=\"imap\"\nport=1\ntls=\"maybe\"\n",
         "harbor.toml:5: listener[0].tls: must be one of none, starttls, implicit"},
        {"duplicate names",
         "data_dir=\"/"
         "x\"\n[[listener]]\nprotocol=\"smtp\"\nport=1\n[[listener]]\nprotocol=\"smtp\"\nport=2\n",
         "listener[1].name: duplicate listener name"},
        {"bad log level", "data_dir=\"/x\"\n[log]\nlevel=\"loud\"\n", "harbor.toml:3: log.level"},
        {"bad backend", "data_dir=\"/x\"\n[store]\nbackend=\"mysql\"\n",
         "store.backend: unsupported"},
        {"toml syntax", "data_dir = \n", "harbor.toml:1: "},
        {"mime limit zero", "data_dir=\"/x\"\n[mime]\nmax_parts=0\n",
         "harbor.toml:3: mime.max_parts: must be between 1 and"},
        {"imap idle below RFC 9051 5.4", "data_dir=\"/x\"\n[imap]\nidle_timeout_s=60\n",
         "harbor.toml:3: imap.idle_timeout_s: must be between 1800 and"},
        {"unknown imap key", "data_dir=\"/x\"\n[imap]\nidle=1\n",
         "harbor.toml:3: imap.idle: unknown key"},
        {"pop3 idle below RFC 1939 3", "data_dir=\"/x\"\n[pop3]\nidle_timeout_s=599\n",
         "harbor.toml:3: pop3.idle_timeout_s: must be between 600 and 86400"},
        {"pop3 idle above a day", "data_dir=\"/x\"\n[pop3]\nidle_timeout_s=86401\n",
         "harbor.toml:3: pop3.idle_timeout_s: must be between 600 and 86400"},
        {"pop3 idle not a number", "data_dir=\"/x\"\n[pop3]\nidle_timeout_s=\"600\"\n",
         "harbor.toml:3: pop3.idle_timeout_s: must be an integer"},
        {"pop3 idle a float", "data_dir=\"/x\"\n[pop3]\nidle_timeout_s=600.0\n",
         "harbor.toml:3: pop3.idle_timeout_s: must be an integer"},
        {"pop3 max_errors zero", "data_dir=\"/x\"\n[pop3]\nmax_errors=0\n",
         "harbor.toml:3: pop3.max_errors: must be between 1 and 10000"},
        {"pop3 max_errors a bool", "data_dir=\"/x\"\n[pop3]\nmax_errors=true\n",
         "harbor.toml:3: pop3.max_errors: must be an integer"},
        {"unknown pop3 key", "data_dir=\"/x\"\n[pop3]\nidle=1\n",
         "harbor.toml:3: pop3.idle: unknown key"},
        {"pop3 not a table", "data_dir=\"/x\"\npop3 = 1\n", "harbor.toml:2: pop3: must be a table"},
        {"relay networks not a list",
         "data_dir=\"/x\"\n[[listener]]\nprotocol=\"smtp\"\nport=25\nrelay_networks=\"10.0.0.0/"
         "8\"\n",
         "harbor.toml:5: listener[0].relay_networks: must be an array of strings"},
        {"recipients below the RFC minimum", "data_dir=\"/x\"\n[smtp]\nmax_recipients=5\n",
         "harbor.toml:3: smtp.max_recipients: must be between 100 and"},
        {"queue not a table", "data_dir=\"/x\"\nqueue = 1\n",
         "harbor.toml:2: queue: must be a table"},
        {"unknown queue key", "data_dir=\"/x\"\n[queue]\nretries=1\n",
         "harbor.toml:3: queue.retries: unknown key"},
        {"empty retry list", "data_dir=\"/x\"\n[queue]\nretry_s=[]\n",
         "harbor.toml:3: queue.retry_s: must be a non-empty array"},
        {"retry of zero", "data_dir=\"/x\"\n[queue]\nretry_s=[60, 0]\n",
         "queue.retry_s: each must be 1..604800 seconds"},
        {"queue port zero", "data_dir=\"/x\"\n[queue]\nport=0\n",
         "harbor.toml:3: queue.port: must be between 1 and 65535"},
        {"dns forwarders not a list", "data_dir=\"/x\"\n[dns]\nforwarders=\"127.0.0.1\"\n",
         "harbor.toml:3: dns.forwarders: must be an array of strings"},
        {"dns timeout too short", "data_dir=\"/x\"\n[dns]\ntimeout_ms=1\n",
         "harbor.toml:3: dns.timeout_ms: must be between 100 and"},
        {"login cache too long", "data_dir=\"/x\"\n[login]\npassword_cache_s=86401\n",
         "harbor.toml:3: login.password_cache_s: must be between 0 and 86400"},
        {"unknown login key", "data_dir=\"/x\"\n[login]\nthrottle=1\n",
         "harbor.toml:3: login.throttle: unknown key"},
        {"unknown mime key", "data_dir=\"/x\"\n[mime]\nmax_boundaries=3\n",
         "harbor.toml:3: mime.max_boundaries: unknown key"},
    };
    for (const BadConfigCase& c : cases) {
        auto config = parse_config(c.text, "harbor.toml");
        ASSERT_FALSE(config) << c.name;
        EXPECT_EQ(config.error().code, Errc::Invalid) << c.name;
        EXPECT_NE(config.error().detail.find(c.want), std::string::npos)
            << c.name << ": got " << config.error().detail;
    }
}

TEST(Config, MissingFileIsNotFound)
{
    auto config = load_config("/nonexistent/harbor.toml");
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().code, Errc::NotFound);
}

}  // namespace
}  // namespace harbor
