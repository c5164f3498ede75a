// Mail from outside (clients that neither authenticated nor are in relay_networks): SPF at MAIL
// (RFC 7208 through filter::MailAuth); after DATA, the Authentication-Results fields that claim
// our authserv-id removed, so that only ours is believed (RFC 8601 §5), then DKIM and DMARC,
// whose policy may refuse the message (RFC 7489 §6.6.4); and the ARC set that seals what an
// alias of ours forwards to another domain (RFC 8617 §5.1).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auth/arc/seal.hpp"

#include "core/log.hpp"
#include "smtp/server/dmarc_report_row.hpp"
#include "smtp/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::smtp::server {
namespace {

// Who seals the copy an alias of ours forwards: the alias's domain, with its DKIM key.
struct Sealer {
    SigningKeys* keys = nullptr;
    std::string domain;  // empty: nothing is forwarded
    std::string mail_from;
};

struct Checked {
    filter::MessageFindings findings;
    std::string arc_set;  // the three ARC fields for the forwarded copy, or empty
};

// The ARC set over the message as it leaves (our Received included), the chain as it arrived
// and what we found (RFC 8617 §5.1). None when the domain has no key, or the chain already
// failed at an earlier hop (§5.1 step 2: "no need to proceed").
std::string seal(const filter::MailAuth& checks, const Sealer& sealer, std::string_view bytes,
                 filter::MailAuthFindings found)
{
    std::shared_ptr<const auth::dkim::SigningKey> key = sealer.keys->active(sealer.domain);
    if (!key) {
        return {};
    }
    const std::string results = checks.results_text(found, sealer.mail_from);
    Result<auth::arc::ArcSet> set = auth::arc::seal_message(
        bytes, *key, checks.settings().authserv_id, results, found.message->arc);
    if (!set) {
        log::info("smtp.arc.not_sealed",
                  {{"domain", sealer.domain}, {"error", set.error().to_string()}});
        return {};
    }
    return set->fields();
}

// On the checks' own threads (MailAuth::executor): the spool file is read there too.
asio::awaitable<Result<Checked>> check_spooled(const filter::MailAuth& checks, Spooled spooled,
                                               std::size_t skip, filter::MailAuthFindings found,
                                               filter::LocalDomainTest is_local, Sealer sealer)
{
    Result<SpooledBytes> view = SpooledBytes::open(spooled);
    if (!view) {
        co_return unexpected(std::move(view).error());
    }
    const std::string_view bytes = view->bytes();
    const std::string_view message = bytes.substr(std::min(skip, bytes.size()));
    Checked checked;
    checked.findings = co_await checks.check_message(message, found, std::move(is_local));
    if (!sealer.domain.empty()) {
        found.message = checked.findings;
        checked.arc_set = seal(checks, sealer, bytes, std::move(found));
    }
    co_return checked;
}

// The domain of the first local address whose copies leave through the queue (an alias to
// another domain); a split domain's routed addresses are relayed, not forwarded.
std::string forwarding_domain(const Transaction& transaction)
{
    for (const Recipient& recipient : transaction.recipients) {
        if (recipient.local_domain && !recipient.routed && !recipient.external.empty() &&
            recipient.rcpt.mailbox) {
            return recipient.rcpt.mailbox->domain;
        }
    }
    return {};
}

void log_spf(const std::string& cid, const char* identity, const auth::spf::Outcome& spf)
{
    log::info("smtp.spf", {{"cid", cid},
                           {"identity", identity},
                           {"result", std::string(auth::spf::status_name(spf.status))},
                           {"domain", spf.domain},
                           {"mechanism", spf.mechanism},
                           {"reason", spf.reason}});
}

// RFC 7372 §3.2; the explanation is the domain's own words (RFC 7208 §6.2), on one line.
Reply spf_refusal(const auth::spf::Outcome& spf)
{
    std::string text = "SPF validation failed: " + spf.explanation;
    for (char& c : text) {
        if (c == '\r' || c == '\n') {
            c = ' ';
        }
    }
    return Reply{550, "5.7.23", text};
}

}  // namespace

net::Awaitable<std::optional<Reply>> Session::check_sender(const MailFrom& mail,
                                                           filter::MailAuthFindings& findings)
{
    const filter::MailAuth* checks = handler_.settings().mail_auth;
    if (checks == nullptr || submission() || may_relay()) {
        co_return std::nullopt;
    }
    const boost::asio::ip::address client = connection_.peer().address();
    const bool reject = checks->settings().reject_spf_fail;
    const std::string& helo_name = helo_->name;
    // RFC 7208 §2.3: the HELO identity is checked on its own as well, first: a fail there
    // settles the matter without the MAIL FROM lookups. With <> it is the identity (§2.4).
    if (!mail.address.empty() && !helo_name.empty() && helo_name.front() != '[') {
        std::string helo = helo_name;
        auth::spf::Outcome helo_spf = co_await checks->check_sender(client, std::move(helo), "");
        log_spf(context_.cid, "helo", helo_spf);
        if (helo_spf.status == auth::spf::Status::Fail && reject) {
            co_return spf_refusal(helo_spf);
        }
        findings.helo_spf = std::move(helo_spf);
    }
    std::string helo = helo_name;
    std::string sender = mail.address;
    auth::spf::Outcome spf =
        co_await checks->check_sender(client, std::move(helo), std::move(sender));
    log_spf(context_.cid, mail.address.empty() ? "helo" : "mailfrom", spf);
    if (spf.status == auth::spf::Status::Fail && reject) {
        co_return spf_refusal(spf);
    }
    findings.spf_for_helo = mail.address.empty();
    findings.client_ip = client.to_string();
    findings.spf = std::move(spf);
    co_return std::nullopt;
}

net::Awaitable<std::optional<Reply>> Session::check_message(const Spooled& message)
{
    const filter::MailAuth& checks = *handler_.settings().mail_auth;
    directory::Directory& directory = handler_.directory();
    filter::LocalDomainTest is_local = [&directory](const std::string& domain) {
        Result<bool> local = directory.is_local_domain(domain);
        return local && *local;
    };
    Sealer sealer{&handler_.signing_keys(), forwarding_domain(*transaction_),
                  transaction_->mail.address};
    Result<Checked> checked =
        co_await asio::co_spawn(checks.executor(),
                                check_spooled(checks, message, received_length_, transaction_->auth,
                                              std::move(is_local), std::move(sealer)),
                                asio::use_awaitable);
    if (!checked) {
        log::error("smtp.spool.failed",
                   {{"cid", context_.cid}, {"error", checked.error().to_string()}});
        co_return storage_failure();
    }
    transaction_->arc_set = std::move(checked->arc_set);
    const filter::MessageFindings& found =
        transaction_->auth.message.emplace(std::move(checked->findings));
    log_message_findings(found);
    if (!checks.settings().reject_dmarc) {
        co_return std::nullopt;
    }
    // RFC 7489 §6.6.1: several From fields are a way around DMARC; RFC 5322 §3.6 allows one.
    if (found.author.status == auth::dmarc::AuthorStatus::MultipleFromFields) {
        co_return Reply{550, "5.7.1", "Message has more than one From: field"};
    }
    if (found.disposition() == auth::dmarc::Policy::Reject) {
        // A refused message is reported too (RFC 7489 §7.2: every message evaluated).
        std::optional<store::DmarcResultRecord> row =
            dmarc_report_row(transaction_->auth, static_cast<std::int64_t>(std::time(nullptr)));
        if (row) {
            Result<void> kept = co_await store::async_record_dmarc_result(
                handler_.store(), std::move(*row), asio::use_awaitable);
            if (!kept) {
                log::warn("smtp.dmarc.not_recorded",
                          {{"cid", context_.cid}, {"error", kept.error().to_string()}});
            }
        }
        // RFC 7372 §3.3: "multiple authentication checks failed", SPF and DKIM alike.
        co_return Reply{550, "5.7.26",
                        "Unauthenticated mail from " + found.dmarc->from_domain +
                            " is refused by its DMARC policy"};
    }
    co_return std::nullopt;
}

void Session::log_message_findings(const filter::MessageFindings& found) const
{
    std::string dkim;
    for (const auth::dkim::SignatureResult& signature : found.dkim) {
        dkim += (dkim.empty() ? "" : " ") +
                std::string(auth::dkim::outcome_name(signature.result)) + ":" + signature.domain;
    }
    log::info("smtp.message_auth",
              {{"cid", context_.cid},
               {"dkim", dkim.empty() ? std::string("none") : dkim},
               {"arc", std::string(auth::arc::chain_status_name(found.arc.status))},
               {"arc_sets", found.arc.sets},
               {"author", std::string(auth::dmarc::author_status_name(found.author.status))},
               {"from_domain", found.author.domain},
               {"dmarc", found.dmarc ? std::string(auth::dmarc::outcome_name(found.dmarc->outcome))
                                     : std::string("not evaluated")},
               {"disposition", std::string(auth::dmarc::policy_name(found.disposition()))}});
    if (found.spoofs_local_domain) {
        // The mark for the filter's anti-spoofing rule (issue 8).
        log::warn("smtp.spoofed_local_domain",
                  {{"cid", context_.cid}, {"from_domain", found.author.domain}});
    }
}

Result<Spooled> Session::strip_forged_results(SpoolFile& spool, Spooled spooled) const
{
    Result<SpooledBytes> view = SpooledBytes::open(spooled);
    HARBOR_TRY(view);
    const std::string_view bytes = view->bytes();
    const std::size_t start = std::min(received_length_, bytes.size());
    const std::string_view message = bytes.substr(start);
    // Our authserv-id is our hostname (MailAuthSettings), whether or not the checks run: a
    // forged field would mislead whoever trusts our name downstream (RFC 8601 §5).
    const std::vector<auth::FieldSpan> forged =
        auth::results_claiming(message, handler_.settings().hostname);
    if (forged.empty()) {
        return spooled;
    }
    log::info("smtp.forged_results_removed", {{"cid", context_.cid}, {"fields", forged.size()}});
    // What lies between the fields that go, in order (spans are relative to `message`).
    std::string kept(bytes.substr(0, start));
    std::size_t at = start;
    for (const auth::FieldSpan& field : forged) {
        kept.append(bytes.substr(at, start + field.offset - at));
        at = start + field.offset + field.length;
    }
    return respool(spool, {kept, bytes.substr(at)});
}

}  // namespace harbor::smtp::server
