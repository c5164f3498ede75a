// The one translation unit that compiles Asio's implementation (BOOST_ASIO_SEPARATE_COMPILATION),
// so no other file pays for it.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
