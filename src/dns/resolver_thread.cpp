#include "dns/resolver_thread.hpp"

#include "core/thread_name.hpp"

namespace harbor::dns {

Result<std::unique_ptr<ResolverThread>> ResolverThread::start(ResolverSettings settings)
{
    std::unique_ptr<ResolverThread> owner(new ResolverThread);
    auto resolver = Resolver::create(owner->io_.get_executor(), std::move(settings));
    HARBOR_TRY(resolver);
    owner->resolver_.emplace(std::move(*resolver));
    owner->lookups_.emplace(*owner->resolver_);
    // The resolver's watch on its pipe is outstanding work: run() returns only at stop().
    owner->thread_ = std::thread([io = &owner->io_] {
        name_this_thread("dns");
        io->run();
    });
    return owner;
}

ResolverThread::~ResolverThread()
{
    io_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
    lookups_.reset();
    resolver_.reset();
}

}  // namespace harbor::dns
