// Placeholder sessions that greet and say goodbye in each protocol, so `harbor serve` and the
// demo are usable before the real protocols exist. Issues 4 (SMTP) and 5 (IMAP) replace them
// with their own net::SessionHandler. POP3 (issue 6) has none: make_protocol_handlers() gives
// its listeners pop3::Pop3Handler. A running server gives HTTP listeners http::HttpHandler
// (src/http/); the HTTP placeholder stays for the runtime tests (server_test.cpp).
#pragma once

#include "server/server.hpp"

namespace harbor::server {

// One handler per Protocol but Pop3: Smtp, Submission, Imap, Http.
HandlerMap greeting_handlers();

}  // namespace harbor::server
