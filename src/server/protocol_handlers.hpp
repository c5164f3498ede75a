// The real protocol sessions of a running server and what they share: the store, opened once
// for all of them. SMTP and submission get the SMTP session (issue 4), imap and imaps the IMAP
// session (issue 5); the protocols not written yet keep their greeting placeholders.
#pragma once

#include <memory>

#include "core/config.hpp"
#include "core/result.hpp"
#include "server/server.hpp"
#include "store/change_feed.hpp"
#include "store/store.hpp"

namespace harbor::server {

struct ProtocolHandlers {
    std::unique_ptr<store::Store> store;  // outlives the handlers: declared first
    // The store's changes, for the sessions that announce them (IMAP; later POP3, JMAP).
    std::unique_ptr<store::ChangeFeed> changes;
    HandlerMap handlers;
};

// Opens the store under config.data_dir and builds one handler per protocol.
Result<ProtocolHandlers> make_protocol_handlers(const Config& config);

}  // namespace harbor::server
