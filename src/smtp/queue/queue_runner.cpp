// The queue runner's scheduling: due entries become jobs (one per entry and destination
// domain), destinations get connections within their limits, and each connection takes jobs
// until none is left. Recording an attempt is in queue_attempt.cpp. See queue_runner.hpp.
#include "smtp/queue/queue_runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <ctime>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "core/thread_name.hpp"
#include "smtp/queue/dane_policy.hpp"
#include "smtp/queue/runner_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::smtp::queue {

QueueRunner::QueueRunner(store::Store& store, directory::Directory& directory,
                         dns::ResolverSettings resolver, QueueSettings settings)
    : impl_(
          std::make_unique<RunnerState>(store, directory, std::move(resolver), std::move(settings)))
{
}

QueueRunner::~QueueRunner()
{
    stop();
}

Result<void> QueueRunner::start()
{
    RunnerState& s = *impl_;
    if (s.thread.joinable()) {
        return unexpected(Errc::Invalid, "queue runner already started");
    }
    auto resolver = dns::Resolver::create(s.io.get_executor(), s.resolver_settings);
    HARBOR_TRY(resolver);
    s.resolver.emplace(std::move(*resolver));
    if (s.settings.mta_sts) {
        auto context = s.verifying_context();
        HARBOR_TRY(context);
        // Kept policies come back (RFC 8461 §5.1); new ones are written off the io thread.
        s.mta_sts.emplace(MtaStsSettings{s.settings.mta_sts_port, std::chrono::seconds(60),
                                         std::move(*context), [&s](store::StsPolicyRecord record) {
                                             s.spawn(s.keep_sts_policy(std::move(record)));
                                         }});
        Result<std::vector<store::StsPolicyRecord>> kept =
            s.store.list_sts_policies(RunnerState::unix_now());
        if (kept) {
            s.mta_sts->restore(*kept);
        } else if (kept.error().code != Errc::Unsupported) {
            log::error("queue.error", {{"error", "MTA-STS policies: " + kept.error().to_string()}});
        }
    }
    s.spawn(s.pump());
    s.thread = std::thread([&s] {
        name_this_thread("queue");
        s.io.run();
    });
    s.size_gauge.emplace(s.store);
    log::info("queue.started", {{"max_connections", s.settings.max_connections},
                                {"per_domain", s.settings.max_connections_per_domain}});
    return ok();
}

void QueueRunner::wake()
{
    RunnerState& s = *impl_;
    asio::post(s.io, [&s] {
        s.woken = true;
        s.timer.cancel();
    });
}

void QueueRunner::stop(std::chrono::milliseconds grace)
{
    RunnerState& s = *impl_;
    if (!s.thread.joinable()) {
        return;
    }
    s.size_gauge.reset();
    asio::post(s.io, [&s] {
        s.stopping = true;
        s.timer.cancel();
    });
    {
        std::unique_lock lock(s.idle_mutex);
        if (!s.idle.wait_for(lock, grace, [&s] { return s.active == 0; })) {
            log::warn("queue.stop.forced", {{"active", s.active}});
        }
    }
    s.io.stop();
    s.thread.join();
    // Store calls still running complete into the stopped context, whose destruction then
    // drops the coroutines waiting for them; nothing they did not record is lost.
    s.blocking.shutdown();
    s.resolver.reset();
    log::info("queue.stopped");
}

QueueStats QueueRunner::stats() const
{
    std::lock_guard lock(impl_->stats_mutex);
    return impl_->stats;
}

RunnerState::RunnerState(store::Store& s, directory::Directory& d, dns::ResolverSettings r,
                         QueueSettings q)
    : store(s),
      directory(d),
      resolver_settings(std::move(r)),
      settings(std::move(q)),
      random(std::random_device{}())
{
    (void)queue_metrics();  // every series scraped from the start, at 0
    settings.client.helo_name = settings.hostname;
    // RFC 5321 §5.1: an MX naming this server (and those after it) is never used.
    if (!settings.hostname.empty()) {
        settings.own_names.push_back(settings.hostname);
    }
}

std::int64_t RunnerState::unix_now()
{
    return static_cast<std::int64_t>(std::time(nullptr));
}

void RunnerState::spawn(net::Awaitable<void> task)
{
    {
        std::lock_guard lock(idle_mutex);
        ++active;
    }
    asio::co_spawn(io, std::move(task), [this](const std::exception_ptr& error) {
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                log::error("queue.error", {{"error", e.what()}});
            }
        }
        {
            std::lock_guard lock(idle_mutex);
            --active;
        }
        idle.notify_all();
        dispatch();
    });
}

net::Awaitable<void> RunnerState::pump()
{
    while (!stopping) {
        woken = false;
        co_await refill();
        if (woken || stopping) {
            continue;  // a wake() came while the store was read
        }
        timer.expires_after(settings.poll_interval);
        boost::system::error_code ignored;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
}

net::Awaitable<void> RunnerState::refill()
{
    // Enough in hand: the entries under way are read again by the query, so the limit grows
    // with them, and past a bound it is better to finish some first.
    if (in_flight.size() >= settings.batch * 4) {
        co_return;
    }
    const std::int64_t now = unix_now();
    const std::size_t limit = in_flight.size() + settings.batch;
    store::Store& s = store;
    std::function<Result<std::vector<store::QueuedMessage>>()> read = [&s, now, limit] {
        return s.due_queue_entries(now, limit);
    };
    reading = true;
    finished_while_reading.clear();
    Result<std::vector<store::QueuedMessage>> due =
        co_await store::off_io_thread(blocking, std::move(read));
    if (!due) {
        reading = false;
        log::error("queue.error", {{"error", due.error().to_string()}});
        co_return;
    }
    std::function<Result<std::vector<store::Route>>()> read_routes = [&s] {
        return s.list_routes();
    };
    Result<std::vector<store::Route>> listed =
        co_await store::off_io_thread(blocking, std::move(read_routes));
    if (listed) {
        routes.clear();
        for (store::Route& route : *listed) {
            std::string domain = route.domain;
            routes.emplace(std::move(domain), std::move(route));
        }
    } else {
        log::error("queue.error", {{"error", "routes: " + listed.error().to_string()}});
    }
    // Until here (both reads), an entry recorded meanwhile may still be in `due`.
    reading = false;
    // A full read leaves more behind: the next one comes as soon as some of these are done,
    // not at the next poll.
    more_due = due->size() >= limit;
    for (store::QueuedMessage& message : *due) {
        if (in_flight.contains(message.id) || finished_while_reading.contains(message.id)) {
            continue;
        }
        std::map<std::string, std::vector<std::size_t>> by_domain;
        for (std::size_t i = 0; i < message.recipients.size(); ++i) {
            const store::QueuedRecipient& recipient = message.recipients[i];
            if (recipient.state != store::RecipientState::Pending) {
                continue;
            }
            const std::size_t at = recipient.address.rfind('@');
            std::string domain = at == std::string::npos
                                     ? std::string()
                                     : ascii_lowercase(recipient.address.substr(at + 1));
            by_domain[std::move(domain)].push_back(i);
        }
        if (by_domain.empty()) {
            continue;
        }
        auto entry = std::make_shared<Entry>();
        entry->message = std::move(message);
        entry->jobs_left = by_domain.size();
        in_flight.insert(entry->message.id);
        for (auto& [domain, recipients] : by_domain) {
            Destination& d = destinations[domain];
            if (entry->message.retry_requested) {
                d.suspended_until = {};  // `harbor queue retry`: try it now, suspended or not
            }
            d.jobs.push_back(Job{entry, std::move(recipients)});
        }
    }
    dispatch();
}

net::Awaitable<void> RunnerState::keep_sts_policy(store::StsPolicyRecord record)
{
    store::Store& s = store;
    std::function<Result<void>()> put = [&s, &record] { return s.put_sts_policy(record); };
    Result<void> kept = co_await store::off_io_thread(blocking, std::move(put));
    if (!kept && kept.error().code != Errc::Unsupported) {
        log::error("queue.error", {{"error", "keeping the MTA-STS policy of " + record.domain +
                                                 ": " + kept.error().to_string()}});
    }
}

void RunnerState::dispatch()
{
    const auto now = std::chrono::steady_clock::now();
    for (auto it = destinations.begin(); it != destinations.end();) {
        const std::string& name = it->first;
        Destination& d = it->second;
        if (!stopping && !d.jobs.empty() && now < d.suspended_until) {
            // RFC 5321 §4.5.4.1: a destination that just failed is not tried again for each
            // message; they wait with the reason it gave.
            client::Verdict suspended = d.suspension;
            suspended.reply.text = "delivery temporarily suspended: " + suspended.reply.text;
            spawn(defer_all(name, std::move(suspended), d.suspended_remote));
        }
        while (!stopping && d.jobs.size() > d.workers && now >= d.suspended_until &&
               d.workers < settings.max_connections_per_domain &&
               workers < settings.max_connections) {
            ++d.workers;
            ++workers;
            spawn(deliver_to(name));
        }
        if (d.jobs.empty() && d.workers == 0 && now >= d.suspended_until) {
            it = destinations.erase(it);
        } else {
            ++it;
        }
    }
}

net::Awaitable<void> RunnerState::defer_all(std::string name, client::Verdict verdict,
                                            std::string remote)
{
    Destination& d = destinations[name];
    std::deque<Job> jobs = std::move(d.jobs);
    d.jobs.clear();
    if (jobs.empty()) {
        co_return;  // another task took them first
    }
    log::info("queue.deferred",
              {{"domain", name}, {"messages", jobs.size()}, {"reply", reply_line(verdict.reply)}});
    for (Job& job : jobs) {
        std::vector<Decision> decisions;
        for (std::size_t recipient : job.recipients) {
            decisions.push_back(Decision{recipient, verdict, remote, "", false});
        }
        co_await record(job, std::move(decisions), "none");
    }
}

net::Awaitable<void> RunnerState::deliver_to(std::string name)
{
    struct Release {
        RunnerState& s;
        std::string name;
        ~Release()
        {
            --s.destinations[name].workers;
            --s.workers;
        }
    };
    // On the io thread for its whole life, so it may touch the maps; runs before the spawn
    // completion's dispatch(), which then sees this worker gone.
    Release release{*this, name};
    if (name.empty()) {
        co_await fail_all(name, RouteFailure{true, "5.1.3", "recipient address has no domain"});
        co_return;
    }
    const std::optional<store::Route> route = route_for(name);
    Targets targets;
    if (route) {
        targets = co_await resolve_route_host(*resolver, route->host, route->port);
    } else {
        targets =
            co_await resolve_targets(*resolver, name, settings.port, settings.own_names, random);
    }
    if (auto* failure = std::get_if<RouteFailure>(&targets)) {
        co_await fail_all(name, std::move(*failure));
        co_return;
    }
    std::optional<StsPolicy> sts;
    if (!route && settings.mta_sts && mta_sts && name.front() != '[') {
        sts = co_await mta_sts->policy_for(*resolver, name, unix_now());
    }
    std::unique_ptr<client::ClientSession> session;
    const Target* connected = nullptr;
    client::Verdict refused;
    std::string refused_by;
    for (const Target& target : std::get<std::vector<Target>>(targets)) {
        if (stopping) {
            co_return;
        }
        Result<client::ClientSettings> client = client_settings(target, route);
        if (!client) {
            refused = client::Verdict{client::Outcome::Temporary,
                                      Reply{451, "4.7.5", client.error().detail}};
            refused_by = describe_target(target);
            break;
        }
        std::optional<client::Verdict> unreachable;
        bool has_dane = false;
        if (!route && settings.dane && target.secure) {
            unreachable = co_await apply_dane(target, *client, has_dane);
        }
        if (!unreachable && sts && !has_dane) {
            unreachable = apply_mta_sts(name, *sts, target, *client);  // DANE first (RFC 8461 §2)
        }
        if (unreachable) {
            refused = std::move(*unreachable);
            refused_by = describe_target(target);
            log::info(
                "queue.connect.failed",
                {{"domain", name}, {"remote", refused_by}, {"reply", reply_line(refused.reply)}});
            continue;
        }
        auto attempt = std::make_unique<client::ClientSession>(io.get_executor(), *client);
        if (co_await attempt->open(target.endpoint)) {
            session = std::move(attempt);
            connected = &target;
            break;
        }
        refused = attempt->failure();
        refused_by = describe_target(target);
        log::info("queue.connect.failed",
                  {{"domain", name}, {"remote", refused_by}, {"reply", reply_line(refused.reply)}});
    }
    Destination& d = destinations[name];
    if (session == nullptr) {
        if (d.connected == 0 && !stopping) {
            // Every host refused us and no other connection is open: the destination is down.
            d.suspended_until = std::chrono::steady_clock::now() + settings.destination_backoff;
            d.suspension = refused;
            d.suspended_remote = refused_by;
            co_await defer_all(name, refused, refused_by);
        }
        co_return;
    }
    const bool dane = session->record().dane;
    const bool verified = session->record().tls_verified;
    count([dane, verified](QueueStats& s) {
        ++s.connections;
        s.verified += verified ? 1 : 0;
        s.dane += dane ? 1 : 0;
    });
    ++d.connected;
    for (std::size_t sent = 0; sent < settings.max_messages_per_connection; ++sent) {
        if (stopping || d.jobs.empty() || !session->ready()) {
            break;
        }
        Job job = std::move(d.jobs.front());
        d.jobs.pop_front();
        co_await send_job(*session, *connected, job);
    }
    --d.connected;
    if (session->ready()) {
        co_await session->quit();
    }
}

net::Awaitable<std::optional<client::Verdict>> RunnerState::apply_dane(
    const Target& target, client::ClientSettings& client, bool& has_dane)
{
    const std::string name = tlsa_name(target.host, target.endpoint.port());
    Result<dns::AnswerTlsa> answer = co_await resolver->async_tlsa(name, asio::use_awaitable);
    DanePolicy policy = dane_policy_of(name, answer);
    has_dane = policy.kind != DanePolicy::Kind::None;
    switch (policy.kind) {
        case DanePolicy::Kind::None:
            break;
        case DanePolicy::Kind::Encrypt:
            client.tls = client::TlsPolicy::Required;
            break;
        case DanePolicy::Kind::Authenticate:
            client.tls = client::TlsPolicy::Dane;
            client.dane = std::move(policy.records);
            break;
        case DanePolicy::Kind::Unreachable:
            co_return client::Verdict{client::Outcome::Temporary,
                                      Reply{451, "4.7.5", std::move(policy.reason)}};
    }
    co_return std::nullopt;
}

Result<std::shared_ptr<net::ClientTlsContext>> RunnerState::verifying_context()
{
    if (verifying_tls == nullptr) {
        auto made = net::ClientTlsContext::create(
            net::ClientTlsOptions{net::TlsVerify::Peer, settings.ca_file});
        HARBOR_TRY(made);
        verifying_tls = std::move(*made);
    }
    return verifying_tls;
}

std::optional<client::Verdict> RunnerState::apply_mta_sts(const std::string& domain,
                                                          const StsPolicy& policy,
                                                          const Target& target,
                                                          client::ClientSettings& client)
{
    const bool enforce = policy.mode == StsMode::Enforce;
    if (!sts_allows_mx(policy, target.host)) {
        // §4.1: a host the policy does not name is not a mail host of the domain.
        log::info(
            "queue.mta_sts.mx_mismatch",
            {{"domain", domain}, {"host", target.host}, {"mode", sts_mode_name(policy.mode)}});
        if (enforce) {
            return client::Verdict{
                client::Outcome::Temporary,
                Reply{451, "4.7.5",
                      "MTA-STS: " + target.host + " is not a mail host the policy of " + domain +
                          " allows"}};
        }
        return std::nullopt;
    }
    if (!enforce) {
        return std::nullopt;  // testing: deliver as usual (reports are TLSRPT's, not built)
    }
    // §4.2: TLS with a certificate that verifies and names the MX host.
    auto context = verifying_context();
    if (!context) {
        return client::Verdict{client::Outcome::Temporary,
                               Reply{451, "4.7.5", context.error().detail}};
    }
    client.tls = client::TlsPolicy::Required;
    client.tls_context = std::move(*context);
    client.server_name = target.host;
    return std::nullopt;
}

std::optional<store::Route> RunnerState::route_for(const std::string& domain) const
{
    auto found = routes.find(domain);
    if (found == routes.end()) {
        found = routes.find("*");
    }
    if (found == routes.end()) {
        return std::nullopt;
    }
    return found->second;
}

Result<client::ClientSettings> RunnerState::client_settings(
    const Target& target, const std::optional<store::Route>& route)
{
    client::ClientSettings client = settings.client;
    const bool literal =
        target.host.front() == '[' || target.host == target.endpoint.address().to_string();
    if (!literal) {
        client.server_name = target.host;  // SNI and the certificate's name
    }
    if (!route) {
        return client;
    }
    if (route->tls != store::RouteTls::Opportunistic) {
        client.tls = client::TlsPolicy::Required;
    }
    if (route->tls == store::RouteTls::Verify) {
        auto context = verifying_context();
        HARBOR_TRY(context);
        client.tls_context = std::move(*context);
    }
    if (!route->auth_user.empty()) {
        client.auth = client::ClientCredentials{route->auth_user, route->auth_password};
    }
    return client;
}

}  // namespace harbor::smtp::queue
