// The outbound queue's runner: takes the due entries from the store, splits each by the domain
// of its pending recipients, and delivers them with the SMTP client over connections it keeps
// per destination (RFC 5321 §4.5.4.1 retry strategy; §5 MX order), or to the host a route
// names (`harbor route`: an internal server, a smart host for "*"; read from the store on
// each look at the queue, so changes need no restart). Per destination domain and
// overall it opens at most so many connections, and one connection carries many messages.
// Every attempt is recorded in the store with the remote reply, its next due time and the
// notices it causes (queue_notices.hpp), in one commit; a destination whose every host refused
// the connection is suspended for a while, and what was waiting for it is deferred without a
// try. It runs on a thread of its own; blocking store and directory calls run on a small pool.
// Log events: queue.delivery (one per recipient and attempt, with remote host, reply and TLS),
// queue.deferred (a whole destination), queue.dsn, queue.error. Metrics: queue_metrics.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dns/resolver.hpp"
#include "smtp/client/client_session.hpp"
#include "smtp/queue/retry_schedule.hpp"

namespace harbor::store {
class Store;
}
namespace harbor::directory {
class Directory;
}

namespace harbor::smtp::queue {

struct RunnerState;  // runner_state.hpp

struct QueueSettings {
    std::string hostname;                // EHLO name, Reporting-MTA of notices
    std::vector<std::string> own_names;  // other names of this server, never an MX to use
    RetryPolicy retry;
    std::size_t max_connections = 100;              // overall (Postfix default_process_limit)
    std::size_t max_connections_per_domain = 20;    // default_destination_concurrency_limit
    std::size_t max_messages_per_connection = 100;  // then QUIT and a new connection
    std::uint16_t port = 25;                        // the SMTP port of every destination
    // How often the store is asked for due entries; wake() asks at once.
    std::chrono::milliseconds poll_interval{std::chrono::seconds(10)};
    // How long a destination none of whose hosts took a connection is left alone.
    std::chrono::seconds destination_backoff{std::chrono::minutes(1)};
    // Timeouts and TLS of the client; helo_name and server_name are set per connection.
    client::ClientSettings client;
    std::size_t batch = 500;  // entries read from the store at a time
    // DANE for MX delivery (RFC 7672): hosts with DNSSEC-valid TLSA records get TLS that must
    // match them. Needs a validating resolver (dns trust_anchors); routes never use it.
    bool dane = true;
    // MTA-STS for MX delivery (RFC 8461): a domain's published policy limits its MX hosts and
    // makes their certificates verify. DANE, where a host has it, comes first (§2).
    bool mta_sts = true;
    std::uint16_t mta_sts_port = 443;  // of the policy host (tests use another)
    // Trust anchors for verified TLS (routes with RouteTls::Verify, MTA-STS hosts and policy
    // fetches); empty: the system's CA store.
    std::filesystem::path ca_file;
    // Recipient verification for split domains (verify_recipient): how long an answer is
    // remembered, how long each step of a probe may take, and how many run at once.
    std::chrono::seconds verify_known_ttl{std::chrono::hours(1)};
    std::chrono::seconds verify_unknown_ttl{std::chrono::minutes(10)};
    std::chrono::seconds verify_timeout{15};
    std::size_t max_verifications = 20;
};

// What the runner has done since it started, for tests and metrics.
struct QueueStats {
    std::uint64_t attempts = 0;     // attempts recorded (one per entry and destination)
    std::uint64_t connections = 0;  // SMTP sessions opened
    std::uint64_t verified = 0;     // of them, with a certificate that verified (or DANE)
    std::uint64_t dane = 0;         // of them, authenticated by TLSA records (RFC 7672)
    std::uint64_t delivered = 0;    // recipients delivered
    std::uint64_t failed = 0;       // recipients failed for good
    std::uint64_t deferred = 0;     // recipients left for a later attempt
    std::uint64_t notices = 0;      // notifications stored
};

class QueueRunner {
public:
    QueueRunner(store::Store& store, directory::Directory& directory,
                dns::ResolverSettings resolver, QueueSettings settings);
    ~QueueRunner();  // stop()
    QueueRunner(const QueueRunner&) = delete;
    QueueRunner& operator=(const QueueRunner&) = delete;

    // Creates the resolver and starts the thread.
    Result<void> start();
    // Looks for due entries now (new mail was queued); thread-safe.
    void wake();
    // Takes no new work, lets the deliveries under way finish for at most `grace`, then stops.
    // What was not recorded stays in the store for the next start.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

    QueueStats stats() const;  // thread-safe

    // Recipient verification for a local domain split with an internal server (Postfix's
    // reject_unverified_recipient): asks the host of the domain's route whether it takes mail
    // for `address` (ClientSession::verify_recipient), so that the SMTP server can refuse at
    // RCPT whom it would otherwise accept and bounce (backscatter). Delivered and Permanent
    // answers are remembered (verify_known_ttl, verify_unknown_ttl); Temporary when it could
    // not ask. Thread-safe; `done` runs on the runner's thread.
    void verify_recipient(std::string address, std::function<void(client::Verdict)> done);

private:
    std::unique_ptr<RunnerState> impl_;
};

}  // namespace harbor::smtp::queue
