// The directory's part of a SASL exchange (sasl/server_exchange.hpp), one for SMTP AUTH, IMAP
// AUTHENTICATE and POP3 AUTH: the password check (argon2, slow on purpose) or the SCRAM
// credentials lookup the exchange asks for, run on the caller's thread pools rather than an
// io thread, and its answer fed back to the exchange. Header-only: it is a coroutine over
// Asio, compiled into the protocol modules, which link Asio's implementation (net/).
#pragma once

#include <functional>
#include <utility>

#include "directory/directory.hpp"
#include "sasl/server_exchange.hpp"
#include "store/awaitable.hpp"
#include "store/task_pool.hpp"

namespace harbor::directory {

// The exchange's next step after `step`, a NeedPasswordCheck or NeedScramCredentials step;
// any other step comes back unchanged. `passwords` runs argon2 checks, `lookups` the rest.
inline boost::asio::awaitable<sasl::Step> answer_directory_step(sasl::ServerExchange& exchange,
                                                                sasl::Step step,
                                                                Directory& directory,
                                                                store::TaskPool& passwords,
                                                                store::TaskPool& lookups)
{
    using Kind = sasl::Step::Kind;
    if (step.kind == Kind::NeedPasswordCheck) {
        std::function<Result<store::Account>()> check = [&directory, authcid = step.authcid,
                                                         password = std::move(step.password)] {
            return directory.authenticate(authcid, password);
        };
        Result<store::Account> checked = co_await store::off_io_thread(passwords, std::move(check));
        Result<void> verdict = ok();
        if (!checked) {
            verdict = unexpected(std::move(checked).error());
        }
        co_return exchange.complete_password_check(verdict);
    }
    if (step.kind == Kind::NeedScramCredentials) {
        std::function<Result<sasl::ScramCredentials>()> find = [&directory,
                                                                authcid = step.authcid] {
            return directory.scram_credentials(authcid);
        };
        Result<sasl::ScramCredentials> keys =
            co_await store::off_io_thread(lookups, std::move(find));
        co_return exchange.provide_scram_credentials(keys);
    }
    co_return step;
}

}  // namespace harbor::directory
