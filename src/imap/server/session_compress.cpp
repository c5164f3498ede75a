// COMPRESS (RFC 4978 §3): "COMPRESS DEFLATE" in the authenticated and selected states turns both
// directions of the connection into raw DEFLATE streams, above TLS when TLS is on. The tagged
// OK is the last uncompressed octets the server sends; compression itself is net::Connection's.
// SECURITY: the client's compressed octets go through the same framing limits as plaintext
// (see net/connection.hpp); a corrupt stream ends the session.
#include "core/log.hpp"
#include "imap/server/session_state.hpp"

namespace harbor::imap::server {

net::Awaitable<bool> Session::on_compress(const Command& command)
{
    const auto& args = std::get<CompressArgs>(command.args);
    // RFC 4978 §3: DEFLATE is the only mechanism defined; anything else is BAD.
    if (args.algorithm != "DEFLATE") {
        refuse(command.tag, "Unknown compression mechanism");
        co_return true;
    }
    // RFC 4978 §3: compression already on answers NO with COMPRESSIONACTIVE; the connection
    // goes on compressed as it was.
    if (connection_.is_compressed()) {
        tagged(command.tag, "NO", "[COMPRESSIONACTIVE] DEFLATE is already active");
        co_return true;
    }
    // RFC 4978 §3: the server compresses from the octet after the CRLF of the tagged OK, so
    // the OK (and anything queued before it) goes out plain first. The client may send only
    // compressed octets after the command: start_compression() inflates whatever of them is
    // already buffered.
    tagged(command.tag, "OK", "DEFLATE active");
    if (!co_await flush()) {
        co_return false;
    }
    if (auto started = connection_.start_compression(); !started) {
        log::warn("imap.compress.failed",
                  {{"cid", context_.cid}, {"error", started.error().to_string()}});
        co_return false;
    }
    log::debug("imap.compress", {{"cid", context_.cid}});
    co_return true;
}

}  // namespace harbor::imap::server
