// A Resolver with a thread of its own that watches its results, for callers with no io_context
// to lend it: the SMTP server's sessions run on every io thread and ask for SPF, DKIM and
// DMARC records through lookups(); each answer resumes its caller on the caller's executor.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <optional>
#include <thread>

#include "core/result.hpp"
#include "dns/lookups.hpp"
#include "dns/resolver.hpp"

namespace harbor::dns {

class ResolverThread {
public:
    static Result<std::unique_ptr<ResolverThread>> start(ResolverSettings settings);
    // Stops the thread, then closes the resolver. Lookups still waiting never complete: destroy
    // this only after the callers' executors have stopped.
    ~ResolverThread();
    ResolverThread(const ResolverThread&) = delete;
    ResolverThread& operator=(const ResolverThread&) = delete;

    Lookups& lookups() { return *lookups_; }

private:
    ResolverThread() = default;

    boost::asio::io_context io_;
    std::optional<Resolver> resolver_;
    std::optional<ResolverLookups> lookups_;
    std::thread thread_;
};

}  // namespace harbor::dns
