// Mail from our own users and networks (submission, relay_networks): the DKIM signature of the
// From: domain's active key (`harbor dkim`; RFC 6376 §5), added above our Received field. A
// domain without a key, or a message without one From: address, leaves unsigned, as does a
// failure to sign: the message still goes, and the log says why.
#include "auth/dkim/sign.hpp"
#include "core/idna.hpp"
#include "core/log.hpp"
#include "mime/envelope.hpp"
#include "mime/header.hpp"
#include "smtp/server/session_state.hpp"

namespace harbor::smtp::server {
Result<Spooled> Session::sign_outgoing(SpoolFile& spool, Spooled spooled) const
{
    Result<SpooledBytes> view = SpooledBytes::open(spooled);
    HARBOR_TRY(view);
    const std::string_view bytes = view->bytes();
    const std::string_view message = bytes.substr(std::min(received_length_, bytes.size()));
    const mime::HeaderBlock header =
        mime::parse_header_block(message, 0, handler_.settings().message_limits);
    // One From field with one address, all of the header read: else whose domain would sign?
    const mime::Envelope envelope = mime::read_envelope(header.fields);
    if (header.truncated != mime::Limit::None || mime::count_fields(header.fields, "From") != 1 ||
        envelope.from.addresses.size() != 1 || envelope.from.addresses[0].domain.empty()) {
        return spooled;
    }
    Result<std::string> domain = idna_to_ascii(envelope.from.addresses[0].domain);
    if (!domain) {
        return spooled;
    }
    std::shared_ptr<const auth::dkim::SigningKey> key = handler_.signing_keys().active(*domain);
    if (!key) {
        return spooled;
    }
    Result<std::string> signature = auth::dkim::sign_message(message, *key);
    if (!signature) {
        log::warn(
            "smtp.dkim.not_signed",
            {{"cid", context_.cid}, {"domain", *domain}, {"error", signature.error().to_string()}});
        return spooled;
    }
    return respool(spool, {*signature, bytes});
}

}  // namespace harbor::smtp::server
