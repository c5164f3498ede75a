// The queue runner's inner state, shared by its scheduling (queue_runner.cpp) and its recording
// of attempts (queue_attempt.cpp). Everything but the stats and the idle count is touched on
// the runner's io thread only, so it needs no lock.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "smtp/queue/destination.hpp"
#include "smtp/queue/mta_sts_cache.hpp"
#include "smtp/queue/queue_metrics.hpp"
#include "smtp/queue/queue_runner.hpp"
#include "store/store.hpp"
#include "store/task_pool.hpp"

namespace harbor::smtp::queue {

// A queue entry under way: the jobs of its destinations share it (and its content, read once).
struct Entry {
    store::QueuedMessage message;
    std::shared_ptr<const std::string> content;  // read on first need
    std::size_t jobs_left = 0;                   // it leaves in_flight when they are recorded
    bool warned = false;                         // a delay notice went out in this round
    bool counted = false;  // a job of this round recorded the attempt (QueueAttempt::counts)
};

// The pending recipients of one entry at one destination domain.
struct Job {
    std::shared_ptr<Entry> entry;
    std::vector<std::size_t> recipients;  // indices into QueuedMessage::recipients
};

struct Destination {
    std::deque<Job> jobs;  // not yet taken by a connection
    std::size_t workers = 0;
    std::size_t connected = 0;  // workers holding an open session
    std::chrono::steady_clock::time_point suspended_until{};
    client::Verdict suspension;    // why, for the jobs deferred meanwhile
    std::string suspended_remote;  // the last host that refused
};

// What became of one recipient in one attempt.
struct Decision {
    std::size_t recipient = 0;
    client::Verdict verdict;
    std::string remote;           // "mx.example.com [192.0.2.1]", or empty
    std::string remote_mta;       // "mx.example.com", or empty
    bool server_has_dsn = false;  // the remote takes over notifications (RFC 3461 §5.2.2)
};

struct RunnerState {
    RunnerState(store::Store& store, directory::Directory& directory,
                dns::ResolverSettings resolver, QueueSettings settings);

    static std::int64_t unix_now();
    // Runs `task` on the io thread, counted as active until it ends; then dispatch().
    void spawn(net::Awaitable<void> task);
    net::Awaitable<void> pump();
    net::Awaitable<void> refill();
    void dispatch();
    // Writes a fetched MTA-STS policy to the store (MtaStsSettings::keep).
    net::Awaitable<void> keep_sts_policy(store::StsPolicyRecord record);
    net::Awaitable<void> deliver_to(std::string name);
    // The route for a domain: its own, else the smart host "*", else none (MX delivery).
    std::optional<store::Route> route_for(const std::string& domain) const;
    // The client's settings for one connection to `target`, by way of `route` if any.
    Result<client::ClientSettings> client_settings(const Target& target,
                                                   const std::optional<store::Route>& route);
    net::Awaitable<void> defer_all(std::string name, client::Verdict verdict, std::string remote);
    net::Awaitable<void> fail_all(std::string name, RouteFailure failure);
    net::Awaitable<void> send_job(client::ClientSession& session, const Target& target, Job& job);
    // tls: the session's protocol and cipher, or "none"; tls_auth: how the server's certificate
    // was checked ("dane", "verified" against the CA store, or "none").
    net::Awaitable<void> record(Job& job, std::vector<Decision> decisions, std::string tls,
                                std::string tls_auth = "none");
    // RFC 7672: the TLSA lookup for `target` and what it asks of `client`; a Verdict when the
    // host must not be tried at all.
    // has_dane: the host has DNSSEC-valid TLSA records (or its lookup failed), so MTA-STS
    // stands aside (RFC 8461 §2).
    net::Awaitable<std::optional<client::Verdict>> apply_dane(const Target& target,
                                                              client::ClientSettings& client,
                                                              bool& has_dane);
    // RFC 8461 §4: what the domain's MTA-STS policy asks of the connection to `target`
    // (unless DANE already decided, §2); a Verdict when enforce mode rules the host out.
    std::optional<client::Verdict> apply_mta_sts(const std::string& domain, const StsPolicy& policy,
                                                 const Target& target,
                                                 client::ClientSettings& client);
    // Recipient verification (recipient_verification.cpp): the remembered answer or a probe.
    net::Awaitable<void> verify(std::string address, std::function<void(client::Verdict)> done);
    net::Awaitable<client::Verdict> probe_recipient(const std::string& address);
    // The context that verifies certificates against settings.ca_file, made on first use.
    Result<std::shared_ptr<net::ClientTlsContext>> verifying_context();
    net::Awaitable<std::shared_ptr<const std::string>> load_content(Entry& entry);
    template <typename F>
    void count(F&& change)
    {
        std::lock_guard lock(stats_mutex);
        change(stats);
    }

    store::Store& store;
    directory::Directory& directory;
    dns::ResolverSettings resolver_settings;
    QueueSettings settings;
    std::mt19937_64 random;

    std::map<std::string, Destination> destinations;
    std::map<std::string, store::Route> routes;  // by domain, "*" too; read on each refill
    std::shared_ptr<net::ClientTlsContext> verifying_tls;  // verifying_context()
    std::optional<MtaStsCache> mta_sts;                    // when settings.mta_sts
    struct Verified {
        client::Verdict verdict;
        std::chrono::steady_clock::time_point expires;
    };
    std::map<std::string, Verified> verified;  // by lower-case address
    std::size_t probes = 0;                    // verifications under way
    std::set<std::int64_t> in_flight;  // entry ids with jobs not yet recorded
    // Entries that left in_flight while refill() was reading: the read may predate their
    // record, and must not hand them out again.
    std::set<std::int64_t> finished_while_reading;
    bool reading = false;
    bool more_due = false;  // the last read was full: read again as entries finish
    std::size_t workers = 0;
    bool stopping = false;
    bool woken = false;

    mutable std::mutex stats_mutex;
    QueueStats stats;
    std::optional<QueueSizeGauge> size_gauge;  // from start() to stop()
    std::mutex idle_mutex;
    std::condition_variable idle;
    std::size_t active = 0;  // spawned tasks not yet ended

    // Shut down by stop() before the context goes.
    store::TaskPool blocking{2, "queue-store"};
    // After the state above: coroutines destroyed with the context still find it.
    asio::io_context io;
    asio::steady_timer timer{io};
    std::optional<dns::Resolver> resolver;
    std::thread thread;
};

}  // namespace harbor::smtp::queue
