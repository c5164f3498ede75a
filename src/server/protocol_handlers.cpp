// Handler construction for `harbor serve` and the demo. See protocol_handlers.hpp.
#include "server/protocol_handlers.hpp"

#include "server/greeting_sessions.hpp"
#include "smtp/server/session.hpp"

namespace harbor::server {

Result<ProtocolHandlers> make_protocol_handlers(const Config& config)
{
    ProtocolHandlers result;
    auto store = store::open_store(store::StoreOptions{.data_dir = config.data_dir});
    HARBOR_TRY(store);
    result.store = std::move(*store);
    result.handlers = greeting_handlers();

    smtp::server::SmtpSettings smtp;
    smtp.hostname = config.hostname;
    smtp.spool_dir = config.data_dir / "spool";
    auto handler = std::make_shared<smtp::server::SmtpHandler>(*result.store, std::move(smtp));
    result.handlers[Protocol::Smtp] = handler;
    result.handlers[Protocol::Submission] = handler;
    return result;
}

}  // namespace harbor::server
