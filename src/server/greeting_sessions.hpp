// Placeholder sessions that greet and say goodbye in each protocol, so `harbor serve` and the
// demo are usable before the real protocols exist. Issues 4 (SMTP), 5 (IMAP) and 6 (POP3)
// replace them with their own net::SessionHandler; HTTP gets the admin API later.
#pragma once

#include "server/server.hpp"

namespace harbor::server {

// One handler per Protocol: Smtp, Submission, Imap, Pop3, Http.
HandlerMap greeting_handlers();

}  // namespace harbor::server
