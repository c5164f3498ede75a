// Mail from outside (clients that neither authenticated nor are in relay_networks): SPF at MAIL
// (RFC 7208 through filter::MailAuth) and, after DATA, the Authentication-Results fields that
// claim our authserv-id removed, so that only ours is believed (RFC 8601 §5).
#include "core/log.hpp"
#include "smtp/server/session_state.hpp"

namespace harbor::smtp::server {

net::Awaitable<std::optional<Reply>> Session::check_sender(const MailFrom& mail,
                                                           filter::MailAuthFindings& findings)
{
    const filter::MailAuth* checks = handler_.settings().mail_auth;
    if (checks == nullptr || submission() || may_relay()) {
        co_return std::nullopt;
    }
    const boost::asio::ip::address client = connection_.peer().address();
    std::string helo = helo_->name;
    std::string sender = mail.address;
    auth::spf::Outcome spf =
        co_await checks->check_sender(client, std::move(helo), std::move(sender));
    log::info("smtp.spf", {{"cid", context_.cid},
                           {"result", std::string(auth::spf::status_name(spf.status))},
                           {"domain", spf.domain},
                           {"mechanism", spf.mechanism},
                           {"reason", spf.reason}});
    if (spf.status == auth::spf::Status::Fail && checks->settings().reject_spf_fail) {
        // RFC 7372 §3.2; the explanation is the domain's own words (RFC 7208 §6.2), on one line.
        std::string text = "SPF validation failed: " + spf.explanation;
        for (char& c : text) {
            if (c == '\r' || c == '\n') {
                c = ' ';
            }
        }
        co_return Reply{550, "5.7.23", text};
    }
    findings.spf_for_helo = mail.address.empty();
    findings.spf = std::move(spf);
    co_return std::nullopt;
}

Result<Spooled> Session::strip_forged_results(SpoolFile& spool, Spooled spooled) const
{
    Result<SpooledBytes> view = SpooledBytes::open(spooled);
    HARBOR_TRY(view);
    const std::string_view bytes = view->bytes();
    const std::size_t start = std::min(received_length_, bytes.size());
    const std::string_view message = bytes.substr(start);
    const std::vector<auth::FieldSpan> forged =
        auth::results_claiming(message, handler_.settings().mail_auth->settings().authserv_id);
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
    return respool(spool, handler_.settings().spool_dir, {kept, bytes.substr(at)});
}

}  // namespace harbor::smtp::server
