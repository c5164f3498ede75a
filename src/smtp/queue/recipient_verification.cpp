// Recipient verification for split domains: the answers of the internal server, remembered for
// a while, and the probe that asks it (one connection per question, MAIL FROM:<>, no message).
// Only Delivered and Permanent answers are remembered, so an internal server that is down is
// asked again at the next RCPT. See QueueRunner::verify_recipient.
// SECURITY: probes run at RCPT time for anyone who can connect, so they are bounded: at most
// max_verifications at once (the rest get a temporary answer), each step verify_timeout, and at
// most max_remembered answers kept.
#include <boost/asio/post.hpp>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "smtp/queue/runner_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::smtp::queue {
namespace {

constexpr std::size_t max_remembered = 100'000;

client::Verdict unverified(std::string text)
{
    // RFC 3463 §3.5 X.4.3 "directory server failure": whoever knows the recipient was not
    // reachable.
    return client::Verdict{client::Outcome::Temporary, Reply{451, "4.4.3", std::move(text)}};
}

}  // namespace

void QueueRunner::verify_recipient(std::string address, std::function<void(client::Verdict)> done)
{
    RunnerState& s = *impl_;
    asio::post(s.io, [&s, address = std::move(address), done = std::move(done)]() mutable {
        if (s.stopping) {
            done(unverified("the queue is shutting down"));
            return;
        }
        s.spawn(s.verify(std::move(address), std::move(done)));
    });
}

net::Awaitable<void> RunnerState::verify(std::string address,
                                         std::function<void(client::Verdict)> done)
{
    const std::string key = ascii_lowercase(address);
    if (auto found = verified.find(key); found != verified.end()) {
        if (found->second.expires > std::chrono::steady_clock::now()) {
            done(found->second.verdict);
            co_return;
        }
        verified.erase(found);
    }
    if (probes >= settings.max_verifications) {
        done(unverified("too many recipient verifications under way"));
        co_return;
    }
    ++probes;
    client::Verdict verdict = co_await probe_recipient(address);
    --probes;
    log::info("queue.verify", {{"rcpt", address},
                               {"result", client::outcome_name(verdict.outcome)},
                               {"reply", reply_line(verdict.reply)}});
    if (verdict.outcome != client::Outcome::Temporary) {
        const auto now = std::chrono::steady_clock::now();
        if (verified.size() >= max_remembered) {
            std::erase_if(verified,
                          [now](const auto& entry) { return entry.second.expires <= now; });
            if (verified.size() >= max_remembered) {
                verified.clear();  // a flood of distinct addresses: start over
            }
        }
        const auto ttl = verdict.outcome == client::Outcome::Delivered
                             ? settings.verify_known_ttl
                             : settings.verify_unknown_ttl;
        verified[key] = Verified{verdict, now + ttl};
    }
    done(std::move(verdict));
}

net::Awaitable<client::Verdict> RunnerState::probe_recipient(const std::string& address)
{
    const std::size_t at = address.rfind('@');
    const std::string domain =
        at == std::string::npos ? std::string() : ascii_lowercase(address.substr(at + 1));
    // Read now rather than from the last look at the queue: the SMTP server just found the
    // route in the store, and a route added a moment ago must hold here too.
    store::Store& s = store;
    std::function<Result<std::vector<store::Route>>()> read = [&s] { return s.list_routes(); };
    Result<std::vector<store::Route>> routes =
        co_await store::off_io_thread(blocking, std::move(read));
    std::optional<store::Route> route;
    if (routes) {
        for (store::Route& candidate : *routes) {
            if (candidate.domain == domain) {
                route = std::move(candidate);
            }
        }
    }
    if (!route) {
        co_return unverified("no route for " + domain);
    }
    Targets targets = co_await resolve_route_host(*resolver, route->host, route->port);
    if (auto* failure = std::get_if<RouteFailure>(&targets)) {
        co_return unverified(failure->text);
    }
    client::Verdict last = unverified("no address for " + route->host);
    for (const Target& target : std::get<std::vector<Target>>(targets)) {
        Result<client::ClientSettings> client = client_settings(target, route);
        if (!client) {
            co_return unverified(client.error().detail);
        }
        // The sender waits at RCPT: a probe gets seconds, not the minutes of a delivery.
        const std::chrono::seconds step = settings.verify_timeout;
        client->connect_timeout = client->greeting_timeout = client->command_timeout = step;
        client->tls_handshake_timeout = client->mail_timeout = client->rcpt_timeout = step;
        client->quit_timeout = step;
        client::ClientSession session(io.get_executor(), *client);
        if (!co_await session.open(target.endpoint)) {
            last = session.failure();
            continue;
        }
        client::Verdict verdict = co_await session.verify_recipient(address);
        if (session.ready()) {
            co_await session.quit();
        }
        co_return verdict;
    }
    co_return unverified(last.reply.text);
}

}  // namespace harbor::smtp::queue
