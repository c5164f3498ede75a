// MAIL and RCPT (RFC 5321 §4.1.1.2, §4.1.1.3): the envelope, relay control (no open relay:
// other domains only for authenticated clients and relay networks) and the recipient check
// against the directory at RCPT time (aliases, groups, catch-alls, sub-addresses); a local domain
// with a route (`harbor route`) relays the recipients the directory does not know to its host.
#include <algorithm>

#include "core/log.hpp"
#include "smtp/server/session_state.hpp"
#include "smtp/server/smtp_metrics.hpp"
#include "store/awaitable.hpp"

namespace harbor::smtp::server {

net::Awaitable<void> Session::on_mail(const Command& command)
{
    if (!helo_) {
        reply(sequence_error("Send EHLO or HELO first"));
        (void)count_error();
        co_return;
    }
    if (transaction_ || chunking_) {
        reply(sequence_error("Nested MAIL command"));
        (void)count_error();
        co_return;
    }
    if (submission() && !authenticated_) {
        reply(Reply{530, "5.7.0", "Authentication required"});  // RFC 4954 §6
        count_refusal(Refusal::AuthRequired);
        (void)count_error();
        co_return;
    }
    Parsed<MailFrom> mail = parse_mail_from(command.argument, extensions());
    if (!mail) {
        reply(mail.error());
        count_refusal(Refusal::Syntax);
        (void)count_error();
        co_return;
    }
    if (submission() && !mail->address.empty()) {
        std::function<Result<bool>()> check = [this, address = mail->address] {
            return Result<bool>(owns_address(address));
        };
        const Result<bool> owned =
            co_await store::off_io_thread(handler_.blocking().lookups, std::move(check));
        if (!owned || !*owned) {
            reply(Reply{553, "5.7.1", "Sender address not owned by the authenticated user"});
            count_refusal(Refusal::SenderNotOwned);
            (void)count_error();
            co_return;
        }
    }
    filter::MailAuthFindings findings;
    std::optional<Reply> refused = co_await check_sender(*mail, findings);
    if (refused) {
        reply(*refused);
        count_refusal(Refusal::Spf);  // check_sender refuses for SPF alone
        (void)count_error();
        co_return;
    }
    transaction_ = Transaction{std::move(*mail), {}, std::move(findings)};
    reply(Reply{250, "2.1.0", "Ok"});
}

bool Session::may_relay() const
{
    return authenticated_.has_value() ||
           policy_.relay_networks.contains(connection_.peer().address());
}

net::Awaitable<void> Session::on_rcpt(const Command& command)
{
    if (!transaction_) {
        reply(sequence_error("Need MAIL before RCPT"));
        (void)count_error();
        co_return;
    }
    if (transaction_->recipients.size() >= handler_.settings().max_recipients) {
        reply(Reply{452, "4.5.3", "Too many recipients"});  // RFC 5321 §4.5.3.1.10
        count_refusal(Refusal::TooManyRecipients);
        co_return;
    }
    const Utf8Addresses utf8 =
        transaction_->mail.smtputf8 ? Utf8Addresses::Allowed : Utf8Addresses::Refused;
    Parsed<RcptTo> rcpt = parse_rcpt_to(command.argument, extensions(), utf8);
    if (!rcpt) {
        reply(rcpt.error());
        count_refusal(Refusal::Syntax);
        (void)count_error();
        co_return;
    }
    const auto now = RecipientCache::Clock::now();
    std::optional<LocalRecipient> known;
    if (!rcpt->postmaster) {
        known = handler_.recipients().find(rcpt->address, now);
    }
    if (known) {
        transaction_->recipients.push_back(Recipient{std::move(*rcpt), std::move(known->accounts),
                                                     std::move(known->external), true});
        reply(Reply{250, "2.1.5", "Ok"});
        co_return;
    }
    std::function<Result<Parsed<Recipient>>()> check = [this, rcpt = std::move(*rcpt)] {
        return Result<Parsed<Recipient>>(accept_recipient(rcpt));
    };
    Result<Parsed<Recipient>> checked =
        co_await store::off_io_thread(handler_.blocking().lookups, std::move(check));
    Parsed<Recipient>& recipient = *checked;  // accept_recipient reports its own failures
    if (!recipient) {
        reply(recipient.error());
        count_refusal(refusal_for_recipient(recipient.error()));
        (void)count_error();
        co_return;
    }
    if (recipient->routed && handler_.settings().verify_routed) {
        std::optional<Reply> refused = co_await verify_routed(recipient->rcpt.address);
        if (refused) {
            reply(*refused);
            count_refusal(refusal_for_recipient(*refused));
            (void)count_error();
            co_return;
        }
    }
    if (recipient->local_domain && !recipient->rcpt.postmaster) {
        handler_.recipients().remember(
            recipient->rcpt.address, LocalRecipient{recipient->accounts, recipient->external}, now);
    }
    transaction_->recipients.push_back(std::move(*recipient));
    reply(Reply{250, "2.1.5", "Ok"});
}

// Runs on the lookups pool: it reads the directory and the store.
Parsed<Recipient> Session::accept_recipient(const RcptTo& rcpt) const
{
    directory::Directory& directory = handler_.directory();
    std::vector<std::string> candidates;
    if (rcpt.postmaster) {
        // RFC 5321 §4.5.1: "<Postmaster>" reaches the postmaster of some local domain.
        Result<std::vector<store::Domain>> domains = directory.list_domains();
        if (!domains) {
            return temporary_failure("Temporary lookup failure");
        }
        for (const store::Domain& domain : *domains) {
            candidates.push_back("postmaster@" + domain.name);
        }
    } else {
        const directory::Address& mailbox = *rcpt.mailbox;
        Result<bool> local =
            mailbox.is_literal ? Result<bool>(false) : directory.is_local_domain(mailbox.domain);
        if (!local) {
            return temporary_failure("Temporary lookup failure");
        }
        if (!*local) {
            if (!may_relay()) {
                log::info("smtp.relay_denied",
                          {{"cid", context_.cid}, {"peer", context_.peer}, {"rcpt", rcpt.address}});
                return Reply{554, "5.7.1", "Relay access denied"};
            }
            Recipient recipient{rcpt, {}, {}};
            recipient.external.push_back(recipient.rcpt.address);
            return recipient;
        }
        candidates.push_back(rcpt.address);
    }
    for (const std::string& candidate : candidates) {
        Result<directory::Resolution> resolved = directory.resolve_recipient(candidate);
        if (!resolved) {
            if (resolved.error().code == Errc::NotFound) {
                continue;
            }
            if (resolved.error().code == Errc::TempFail) {
                return temporary_failure("Temporary lookup failure");
            }
            return Reply{550, "5.1.1", "User unknown"};
        }
        Recipient recipient{rcpt, {}, std::move(resolved->external), true};
        bool over_quota = false;
        for (store::Account& account : resolved->accounts) {
            if (account.disabled) {
                continue;
            }
            if (account.quota_bytes > 0) {
                Result<std::uint64_t> used = handler_.store().used_bytes(account.id);
                if (used && *used >= account.quota_bytes) {
                    over_quota = true;  // a group still reaches its other members
                    continue;
                }
            }
            recipient.accounts.push_back(std::move(account));
        }
        if (over_quota && recipient.accounts.empty() && recipient.external.empty()) {
            return Reply{452, "4.2.2", "Mailbox full"};  // RFC 3463 §3.3 X.2.2
        }
        if (recipient.accounts.empty() && recipient.external.empty()) {
            // Only disabled accounts: RFC 3463 §3.3 X.2.1 "mailbox disabled".
            return Reply{550, "5.2.1", "Mailbox disabled"};
        }
        return recipient;
    }
    if (!rcpt.postmaster && routed_elsewhere(rcpt.mailbox->domain)) {
        // A domain split with an internal server (`harbor route add DOMAIN HOST`): whom the
        // directory does not know lives there, and the queue takes the message to it.
        Recipient recipient{rcpt, {}, {}};
        recipient.external.push_back(recipient.rcpt.address);
        recipient.routed = true;
        return recipient;
    }
    return Reply{550, "5.1.1", "User unknown"};  // RFC 3463 §3.2 X.1.1
}

net::Awaitable<std::optional<Reply>> Session::verify_routed(std::string address)
{
    // Accepting whom the internal server then refuses would bounce to a sender that is often
    // forged (backscatter); asking first lets the refusal happen here, at RCPT.
    const auto& verify = handler_.settings().verify_routed;
    std::function<void(store::Done<RoutedRecipient>)> ask =
        [&verify, address](store::Done<RoutedRecipient> done) { verify(address, std::move(done)); };
    Result<RoutedRecipient> answer = co_await store::await_done<RoutedRecipient>(std::move(ask));
    if (answer && *answer == RoutedRecipient::Exists) {
        co_return std::nullopt;
    }
    const bool unknown = answer && *answer == RoutedRecipient::Unknown;
    log::info(
        "smtp.rcpt_unverified",
        {{"cid", context_.cid}, {"rcpt", address}, {"result", unknown ? "unknown" : "unverified"}});
    if (unknown) {
        co_return Reply{550, "5.1.1", "User unknown"};  // RFC 3463 §3.2 X.1.1
    }
    // RFC 3463 §3.5 X.4.3: the server that knows the recipient could not be asked.
    co_return Reply{450, "4.4.3", "Recipient address not verified, try again later"};
}

bool Session::routed_elsewhere(std::string_view domain) const
{
    Result<std::vector<store::Route>> routes = handler_.store().list_routes();
    if (!routes) {
        return false;  // Unsupported (a store without routes) or a failed read: not routed
    }
    return std::any_of(routes->begin(), routes->end(),
                       [&](const store::Route& route) { return route.domain == domain; });
}

}  // namespace harbor::smtp::server
