// The real protocol sessions of a running server and what they share: the store, opened once
// for all of them. SMTP and submission get the SMTP session (issue 4), imap and imaps the IMAP
// session (issue 5), pop3 the POP3 session, http the HTTP pages (src/http/).
#pragma once

#include <memory>

#include "core/config.hpp"
#include "core/result.hpp"
#include "directory/directory.hpp"
#include "dns/resolver_thread.hpp"
#include "filter/mail_auth.hpp"
#include "server/server.hpp"
#include "smtp/queue/queue_metrics.hpp"
#include "smtp/queue/queue_runner.hpp"
#include "store/change_feed.hpp"
#include "store/store.hpp"
#include "store/text/text_index.hpp"
#include "store/text/text_indexer.hpp"

namespace harbor::server {

struct ProtocolHandlers {
    std::unique_ptr<store::Store> store;  // outlives the handlers: declared first
    // The queue-size gauge when there is no runner to keep it (its queue still fills).
    std::unique_ptr<smtp::queue::QueueSizeGauge> queue_size;
    // The store's changes, for the sessions that announce them (IMAP; later POP3, JMAP).
    std::unique_ptr<store::ChangeFeed> changes;
    // The full-text index for IMAP SEARCH BODY/TEXT and the thread that keeps it current from
    // `changes` (both null when the index cannot be opened: searches then read every message).
    std::unique_ptr<store::text::TextIndex> text_index;
    std::unique_ptr<store::text::TextIndexer> indexer;
    // The outbound queue's runner ([queue] deliver; null when off) and the directory it routes
    // notices with. The SMTP handler wakes it when mail is queued.
    std::unique_ptr<directory::Directory> directory;
    std::unique_ptr<smtp::queue::QueueRunner> queue;
    // The checks of mail from outside ([auth] inbound_checks) and the resolver they ask; null
    // when off. Declared before the handlers that point at them.
    std::unique_ptr<dns::ResolverThread> auth_dns;
    std::unique_ptr<filter::MailAuth> mail_auth;
    HandlerMap handlers;

    // Call once the server's io threads have stopped and before its io_contexts go: the
    // resolver thread may still be letting go of their executors after a last answer.
    void stop_lookups()
    {
        mail_auth.reset();
        auth_dns.reset();
    }
};

// Opens the store under config.data_dir, builds one handler per protocol and starts the queue
// runner.
Result<ProtocolHandlers> make_protocol_handlers(const Config& config);

}  // namespace harbor::server
