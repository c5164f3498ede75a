// The identity rules of submission (RFC 6409 §4.3, §6.1): the envelope sender and the From:
// addresses must be the authenticated account's own; and the fields a submission server adds
// when the client left them out (RFC 6409 §8.2 Date, §8.3 Message-ID).
#include <ctime>

#include "mime/builder/header_encoding.hpp"
#include "mime/envelope.hpp"
#include "mime/message.hpp"
#include "smtp/server/session_state.hpp"

namespace harbor::smtp::server {
namespace {

Reply not_owned(std::string text)
{
    return Reply{553, "5.7.1", std::move(text)};  // Postfix reject_sender_login_mismatch
}

// The domain part of our hostname for Message-IDs ("mail.example.test" as it is).
std::string id_domain(const std::string& hostname)
{
    return hostname.empty() ? std::string("localhost") : hostname;
}

}  // namespace

bool Session::owns_address(std::string_view address) const
{
    if (!authenticated_) {
        return false;
    }
    Result<directory::Resolution> resolved = handler_.directory().resolve_recipient(address);
    if (!resolved) {
        return false;
    }
    for (const store::Account& account : resolved->accounts) {
        if (account.id == authenticated_->id) {
            return true;
        }
    }
    return false;
}

Parsed<Spooled> Session::check_submission(SpoolFile& spool, Spooled spooled) const
{
    Result<SpooledBytes> view = SpooledBytes::open(spooled);
    if (!view) {
        return storage_failure();
    }
    const std::string_view bytes = view->bytes();
    const std::string_view message = bytes.substr(std::min(received_length_, bytes.size()));
    const mime::Message parsed =
        mime::parse_message(message, handler_.settings().message_limits);
    const mime::Envelope envelope = mime::read_envelope(parsed.root.fields);
    // RFC 5322 §3.6: exactly one From field. A second one would not be checked below, yet be
    // covered by our DKIM signature (RFC 7489 §6.6.1).
    if (mime::count_fields(parsed.root.fields, "From") > 1) {
        return not_owned("Message has more than one From: field");
    }
    if (envelope.from.addresses.empty()) {
        return not_owned("Message has no From: address");
    }
    for (const mime::Address& from : envelope.from.addresses) {
        if (!owns_address(mime::address_spec(from))) {
            return not_owned("From: address not owned by the authenticated user");
        }
    }
    const bool add_date = mime::find_field(parsed.root.fields, "Date") == nullptr;
    const bool add_id = mime::find_field(parsed.root.fields, "Message-ID") == nullptr;
    if (!add_date && !add_id) {
        return spooled;
    }
    // Our Received field stays first (RFC 5321 §4.4: trace fields lead), the added ones follow.
    std::string added;
    if (add_date) {
        added += "Date: " + mime::format_date(static_cast<std::int64_t>(std::time(nullptr)), 0) +
                 "\r\n";
    }
    if (add_id) {
        added += "Message-ID: " + mime::new_message_id(id_domain(context_.hostname)) + "\r\n";
    }
    Result<Spooled> finished =
        respool(spool, {bytes.substr(0, bytes.size() - message.size()), added, message});
    if (!finished) {
        return storage_failure();
    }
    return std::move(*finished);
}

}  // namespace harbor::smtp::server
