// DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030): the content streams into a spool file behind
// our Received field, then one store request delivers it to every recipient and queues what
// leaves; the 250 is sent only once that request is durable (DESIGN.md "flow of a message").
#include <nlohmann/json.hpp>

#include <ctime>
#include <set>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "smtp/server/dmarc_report_row.hpp"
#include "smtp/server/received.hpp"
#include "smtp/server/session_state.hpp"
#include "smtp/server/smtp_metrics.hpp"
#include "store/awaitable.hpp"

namespace harbor::smtp::server {
namespace {

using net::Awaitable;
using net::deadline_after;

// The RFC 3461/6531/8689 transaction parameters the outbound queue needs for relaying and DSNs.
std::string outbound_params(const MailFrom& mail)
{
    nlohmann::json params = nlohmann::json::object();
    if (!mail.envid.empty()) {
        params["envid"] = mail.envid;
    }
    if (mail.ret != Ret::Unspecified) {
        params["ret"] = mail.ret == Ret::Full ? "FULL" : "HDRS";
    }
    if (mail.body == Body::EightBitMime) {
        params["body"] = "8BITMIME";
    } else if (mail.body == Body::BinaryMime) {
        params["body"] = "BINARYMIME";
    }
    if (mail.smtputf8) {
        params["smtputf8"] = true;
    }
    if (mail.requiretls) {
        params["requiretls"] = true;
    }
    return params.dump();
}

std::string recipient_params(const RcptTo& rcpt)
{
    nlohmann::json params = nlohmann::json::object();
    if (rcpt.notify.given) {
        std::string notify;
        for (const auto& [on, name] :
             {std::pair{rcpt.notify.never, "NEVER"}, std::pair{rcpt.notify.success, "SUCCESS"},
              std::pair{rcpt.notify.failure, "FAILURE"}, std::pair{rcpt.notify.delay, "DELAY"}}) {
            if (on) {
                notify += notify.empty() ? name : std::string(",") + name;
            }
        }
        params["notify"] = notify;
    }
    if (rcpt.orcpt) {
        params["orcpt"] = rcpt.orcpt->type + ";" + rcpt.orcpt->address;
    }
    return params.dump();
}

}  // namespace

struct Session::Chunking {
    SpoolFile spool;
    std::unique_ptr<BdatReader> reader;
    std::string id;
};

Result<SpoolFile> Session::open_spool(const std::string& id)
{
    // A large message goes to a file of the store's, where its body stays once delivered.
    Result<SpoolFile> spool(
        SpoolFile([&store = handler_.store()] { return store.create_blob_file(); }));
    ReceivedInfo info;
    info.helo = helo_ ? helo_->name : "unknown";
    info.peer_ip = connection_.peer_ip();
    info.hostname = context_.hostname;
    info.id = id;
    info.esmtp = esmtp_;
    info.smtputf8 = transaction_->mail.smtputf8;
    info.tls = connection_.tls_description();
    info.authenticated = authenticated_ ? authenticated_->address : "";
    if (transaction_->recipients.size() == 1) {
        info.recipient = transaction_->recipients.front().rcpt.address;
    }
    info.unix_seconds = static_cast<std::int64_t>(std::time(nullptr));
    const std::string received = received_field(info);
    HARBOR_TRY(spool->write(received));
    received_length_ = received.size();
    return spool;
}

Awaitable<bool> Session::on_data()
{
    if (!transaction_ || chunking_) {
        reply(sequence_error(chunking_ ? "DATA during BDAT" : "Need MAIL command"));
        co_return count_error();
    }
    if (transaction_->recipients.empty()) {
        // RFC 5321 §3.3 allows 503 or 554 here; docs/smtp.md says 503 (out of sequence).
        reply(sequence_error("No valid recipients"));
        co_return count_error();
    }
    context_.status->set_state(net::SessionState::InData);
    if (connection_.has_pending_input()) {
        // RFC 2920 §3.1: DATA ends a pipelined group; content may only follow the 354. A client
        // that sends it at once is not an MTA (SECURITY-CASES A.6, Postfix
        // smtpd_forbid_unauth_pipelining): nothing it sent is taken as a message.
        log::info("smtp.improper_pipelining", {{"cid", context_.cid}, {"peer", context_.peer}});
        reply(Reply{554, "5.5.0", "Improper use of SMTP command pipelining"});
        count_refusal(Refusal::Pipelining);
        co_await close_pending();
        co_return false;
    }
    const std::string id = new_id();
    Result<SpoolFile> spool = open_spool(id);
    if (!spool) {
        log::error("smtp.spool.failed",
                   {{"cid", context_.cid}, {"error", spool.error().to_string()}});
        reset_transaction();
        reply(storage_failure());
        count_refusal(Refusal::TemporaryFailure);
        co_return true;
    }
    reply(Reply{354, "", "End data with <CR><LF>.<CR><LF>"});
    if (!co_await flush()) {
        co_return false;
    }
    DataLimits limits;
    limits.max_size = handler_.settings().max_message_size;
    SpoolFile* file = &*spool;
    DataReader reader([file](std::string_view chunk) { return file->write(chunk); }, limits);
    while (!reader.done()) {
        auto bytes = co_await connection_.read_stream(deadline_after(policy_.data_timeout));
        if (!bytes) {
            if (bytes.error().code == Errc::Timeout) {
                reply(Reply{421, "4.4.2", context_.hostname + " Timeout"});
                co_await close_pending();
            }
            co_return false;
        }
        connection_.consume(reader.feed(*bytes));
    }
    co_return co_await finish_message(std::move(*spool), reader.result(), id);
}

Awaitable<bool> Session::on_bdat(const Command& command)
{
    Parsed<Bdat> bdat = parse_bdat(command.argument, extensions());
    if (!bdat) {
        // The chunk's length is unknown (or refused outright): the stream cannot be followed.
        reply(bdat.error());
        count_refusal(Refusal::Syntax);
        co_await close_pending();
        co_return false;
    }
    context_.status->set_state(net::SessionState::InData);
    const std::chrono::seconds timeout = policy_.data_timeout;
    const bool usable = transaction_ && !transaction_->recipients.empty();
    if (!usable) {
        // RFC 3030 §2: a refused BDAT's chunk is still read, and thrown away.
        std::uint64_t left = bdat->size;
        while (left > 0) {
            auto bytes = co_await connection_.read_stream(deadline_after(timeout));
            if (!bytes) {
                co_return false;
            }
            const std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(left, bytes->size()));
            connection_.consume(take);
            left -= take;
        }
        reply(sequence_error(transaction_ ? "No valid recipients" : "Need MAIL command"));
        co_return count_error();
    }
    if (!chunking_) {
        const std::string id = new_id();
        Result<SpoolFile> spool = open_spool(id);
        if (!spool) {
            log::error("smtp.spool.failed",
                       {{"cid", context_.cid}, {"error", spool.error().to_string()}});
            reply(storage_failure());  // the chunk cannot be skipped cleanly
            count_refusal(Refusal::TemporaryFailure);
            co_await close_pending();
            co_return false;
        }
        chunking_ = std::make_shared<Chunking>(Chunking{std::move(*spool), nullptr, id});
        DataLimits limits;
        limits.max_size = handler_.settings().max_message_size;
        SpoolFile* file = &chunking_->spool;
        chunking_->reader = std::make_unique<BdatReader>(
            [file](std::string_view chunk) { return file->write(chunk); }, limits,
            transaction_->mail.body == Body::BinaryMime ? BdatReader::Body::BinaryMime
                                                        : BdatReader::Body::Text);
    }
    std::shared_ptr<Chunking> chunking = chunking_;
    chunking->reader->begin_chunk(bdat->size, bdat->last);
    while (!chunking->reader->chunk_done()) {
        auto bytes = co_await connection_.read_stream(deadline_after(timeout));
        if (!bytes) {
            if (bytes.error().code == Errc::Timeout) {
                reply(Reply{421, "4.4.2", context_.hostname + " Timeout"});
                co_await close_pending();
            }
            co_return false;
        }
        connection_.consume(chunking->reader->feed(*bytes));
    }
    if (!bdat->last) {
        reply(Reply{250, "2.0.0", std::to_string(bdat->size) + " octets received"});
        co_return true;
    }
    chunking_.reset();
    co_return co_await finish_message(std::move(chunking->spool), chunking->reader->result(),
                                      chunking->id);
}

Awaitable<bool> Session::finish_message(SpoolFile spool, const DataResult& result,
                                        const std::string& id)
{
    if (const DataError error = result.error(); error != DataError::None) {
        const DataErrorReply refusal = data_error_reply(error);
        log::info(
            "smtp.data.refused",
            {{"cid", context_.cid}, {"id", id}, {"error", std::string(data_error_name(error))}});
        reset_transaction();
        reply(Reply{refusal.code, std::string(refusal.enhanced), std::string(refusal.text)});
        count_refusal(refusal_for(error));
        co_return count_error();
    }
    Result<Spooled> message = spool.finish();
    if (!message) {
        log::error("smtp.spool.failed",
                   {{"cid", context_.cid}, {"error", message.error().to_string()}});
        reset_transaction();
        reply(storage_failure());
        count_refusal(Refusal::TemporaryFailure);
        co_return true;
    }
    // Plain mail from outside with no checks configured and no Authentication-Results field
    // needs nothing more: no thread hop.
    const bool results_arrived = result.authentication_results;
    if (submission() || transaction_->auth.checked() || may_relay() || results_arrived) {
        std::function<Result<Parsed<Spooled>>()> prepare = [this, &spool, results_arrived,
                                                            spooled = std::move(*message)] {
            return Result<Parsed<Spooled>>(prepare_message(spool, spooled, results_arrived));
        };
        Result<Parsed<Spooled>> result_of_prepare =
            co_await store::off_io_thread(handler_.blocking().lookups, std::move(prepare));
        Parsed<Spooled>& prepared = *result_of_prepare;  // prepare_message reports failures
        if (!prepared) {
            reset_transaction();
            reply(prepared.error());
            // prepare_message refuses with 553 (submission identity) or a storage failure.
            count_refusal(prepared.error().code == 553 ? Refusal::SenderNotOwned
                                                       : Refusal::TemporaryFailure);
            if (prepared.error().code >= 500) {
                co_return count_error();
            }
            co_return true;
        }
        message = std::move(*prepared);
    }
    if (transaction_->auth.checked()) {
        std::optional<Reply> refusal = co_await check_message(*message);
        if (refusal) {
            log::info("smtp.data.refused",
                      {{"cid", context_.cid}, {"id", id}, {"reply", refusal->enhanced}});
            reset_transaction();
            reply(*refusal);
            count_refusal(refusal->code >= 500 ? Refusal::Dmarc : Refusal::TemporaryFailure);
            if (refusal->code >= 500) {
                co_return count_error();
            }
            co_return true;
        }
    }
    const Reply outcome = co_await deliver(std::move(*message), id);
    if (outcome.code == 250) {
        spool.released();  // the store took the file
        count_received(context_.protocol);
    } else {
        count_refusal(refusal_for_recipient(outcome));  // 452 4.2.2 mailbox full, or 451
    }
    reset_transaction();
    reply(outcome);
    co_return true;
}

Parsed<Spooled> Session::prepare_message(SpoolFile& spool, Spooled spooled,
                                         bool results_arrived) const
{
    // Each step rewrites the spool file only when it changes something.
    Result<Spooled> message = std::move(spooled);
    if (submission()) {
        Parsed<Spooled> checked = check_submission(spool, std::move(*message));
        if (!checked) {
            return checked;
        }
        message = std::move(*checked);
    } else if (results_arrived && !may_relay()) {
        message = strip_forged_results(spool, std::move(*message));
    }
    if (message && (submission() || may_relay())) {
        message = sign_outgoing(spool, std::move(*message));
    }
    if (!message) {
        log::error("smtp.spool.failed",
                   {{"cid", context_.cid}, {"error", message.error().to_string()}});
        return storage_failure();
    }
    return std::move(*message);
}

store::DeliverRequest Session::delivery_request(const Spooled& message) const
{
    store::DeliverRequest request;
    if (message.file) {
        request.spooled = *message.file;
    } else {
        request.bytes = message.memory;
    }
    request.internal_date = static_cast<std::int64_t>(std::time(nullptr));
    // Kept in the delivery's own commit for the domain's aggregate report (RFC 7489 §7.2).
    request.dmarc_result = dmarc_report_row(transaction_->auth, request.internal_date);
    const std::string return_path = "Return-Path: <" + transaction_->mail.address + ">\r\n";
    // RFC 8601 §5: at the top, above our Received; only for mail from outside that was checked.
    std::string results;
    if (const filter::MailAuth* checks = handler_.settings().mail_auth;
        checks != nullptr && transaction_->auth.checked()) {
        results = checks->results_field(transaction_->auth, transaction_->mail.address);
    }
    const bool quarantined =
        transaction_->auth.message &&
        transaction_->auth.message->disposition() == auth::dmarc::Policy::Quarantine;
    std::set<std::int64_t> accounts_seen;  // one copy per mailbox, however it was addressed
    std::set<std::string> external_seen;
    store::OutboundCopy outbound{
        transaction_->mail.address, outbound_params(transaction_->mail), {}};
    for (const Recipient& recipient : transaction_->recipients) {
        for (const store::Account& account : recipient.accounts) {
            if (!accounts_seen.insert(account.id.value).second) {
                continue;
            }
            store::MailboxCopy copy;
            copy.account = account.id;
            // RFC 5321 §4.4: the final delivery adds Return-Path; Delivered-To marks loops.
            copy.prefix = return_path + "Delivered-To: " + account.address + "\r\n" + results;
            if (quarantined) {
                copy.mailbox = "Junk";  // RFC 7489 §6.3 p=quarantine: "suspicious"
            }
            request.copies.push_back(std::move(copy));
        }
        for (const std::string& address : recipient.external) {
            if (external_seen.insert(address).second) {
                outbound.recipients.push_back(
                    store::QueuedRecipient{address, recipient_params(recipient.rcpt)});
            }
        }
    }
    if (!outbound.recipients.empty()) {
        // RFC 8601 §5: what we found goes on with the copy we relay (a gateway's inner server,
        // an alias's destination), under the ARC set that vouches for it when we forward.
        outbound.prefix = transaction_->arc_set + results;
        request.outbound = std::move(outbound);
    }
    return request;
}

Awaitable<Reply> Session::deliver(Spooled message, const std::string& id)
{
    store::DeliverRequest request = delivery_request(message);
    const std::size_t copies = request.copies.size();
    const std::int64_t arrival = request.internal_date;
    std::vector<std::int64_t> copy_accounts;  // the account of each copy, in request order
    for (const store::MailboxCopy& copy : request.copies) {
        copy_accounts.push_back(copy.account.value);
    }
    Result<store::DeliverResult> result =
        co_await store::async_deliver(handler_.store(), std::move(request), asio::use_awaitable);
    if (!result) {
        log::error("smtp.deliver.failed",
                   {{"cid", context_.cid}, {"id", id}, {"error", result.error().to_string()}});
        co_return storage_failure();
    }
    std::size_t delivered = 0;
    bool over_quota = false;
    for (const Result<store::MessageRecord>& copy : result->copies) {
        if (copy) {
            ++delivered;
        } else {
            over_quota = over_quota || copy.error().code == Errc::Quota;
            log::warn("smtp.deliver.copy_failed",
                      {{"cid", context_.cid}, {"id", id}, {"error", copy.error().to_string()}});
        }
    }
    if (delivered == 0 && !result->queue_id) {
        co_return over_quota ? Reply{452, "4.2.2", "Mailbox full"} : storage_failure();
    }
    count_local_deliveries(delivered);
    log::info("smtp.accepted", {{"cid", context_.cid},
                                {"id", id},
                                {"from", transaction_->mail.address},
                                {"recipients", transaction_->recipients.size()},
                                {"copies", copies},
                                {"size", message.size}});
    if (result->queue_id && handler_.settings().on_queued) {
        handler_.settings().on_queued();
    }
    if (!transaction_->mail.address.empty()) {
        std::vector<RecipientOutcome> due = delivery_outcomes(copy_accounts, *result);
        if (!due.empty()) {
            co_await report_delivery(std::move(due), message, result->blob, arrival, id);
        }
    }
    co_return Reply{250, "2.0.0", "Ok: queued as " + id};
}

}  // namespace harbor::smtp::server
