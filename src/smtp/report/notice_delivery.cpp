// Where a notification goes. See notice_delivery.hpp.
#include "smtp/report/notice_delivery.hpp"

#include <string>

#include "directory/directory.hpp"

namespace harbor::smtp::report {

Result<store::DeliverRequest> notice_delivery(directory::Directory& directory,
                                              std::string_view envelope_sender, std::int64_t now)
{
    store::DeliverRequest request;
    request.internal_date = now;
    const std::size_t at = envelope_sender.rfind('@');
    Result<bool> local = at == std::string_view::npos
                             ? Result<bool>(false)
                             : directory.is_local_domain(envelope_sender.substr(at + 1));
    HARBOR_TRY(local);
    if (!*local) {
        request.outbound = store::OutboundCopy{
            "",
            "{}",
            {store::QueuedRecipient{std::string(envelope_sender), R"({"notify":"NEVER"})"}}};
        return request;
    }
    Result<directory::Resolution> resolved = directory.resolve_recipient(envelope_sender);
    HARBOR_TRY(resolved);
    for (const store::Account& account : resolved->accounts) {
        store::MailboxCopy copy;
        copy.account = account.id;
        copy.prefix = "Return-Path: <>\r\nDelivered-To: " + account.address + "\r\n";
        request.copies.push_back(std::move(copy));
    }
    if (request.copies.empty()) {
        return unexpected(Errc::NotFound, "sender has no mailbox");
    }
    return request;
}

}  // namespace harbor::smtp::report
