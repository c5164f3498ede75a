// Test-only synchronous chain validation (arc_testing.hpp).
#include "auth/arc/arc_testing.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>

namespace harbor::auth::arc {

ChainValidation validate_with_zone(dkim::StaticZone& zone, std::string_view message,
                                   const ValidateOptions& options)
{
    boost::asio::io_context io;
    std::optional<ChainValidation> out;
    std::exception_ptr failure;
    boost::asio::co_spawn(io, validate_chain(zone, message, options),
                          [&](std::exception_ptr error, ChainValidation result) {
                              failure = error;
                              out = std::move(result);
                          });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return out.value_or(ChainValidation{});
}

}  // namespace harbor::auth::arc
