// A private unbound server for the resolver tests: its own config, zone data and log in a
// temporary directory, listening on 127.0.0.1 at a free high port, started with posix_spawn
// and killed by its PID. Never the system service, never a non-loopback address. Test-only.
#pragma once

#include <sys/types.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor::dns::test {

// A scratch directory, removed with its contents.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Runs `coro` on `io` in this thread until it finishes. A Resolver's watch on libunbound's pipe
// keeps io busy, so run() is stopped rather than left to run out of work.
template <typename T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> coro)
{
    std::optional<T> out;
    boost::asio::co_spawn(io, std::move(coro), [&](std::exception_ptr error, T value) {
        if (error) {
            std::rethrow_exception(error);
        }
        out = std::move(value);
        io.stop();
    });
    io.restart();
    io.run();
    return std::move(*out);
}

// Runs a shell command line (the test's own, in its own temporary directory); its exit status.
int run_shell(const std::string& command);

class UnboundServer {
public:
    // server_config: clauses added to the "server:" section (local-zone, local-data, ...);
    // extra_config: whole sections after it (auth-zone: ...). Fails with a clear message when
    // the unbound binary is missing (scripts/deps installs it) or it does not start.
    static Result<std::unique_ptr<UnboundServer>> start(const std::filesystem::path& dir,
                                                        std::string_view server_config,
                                                        std::string_view extra_config = {});
    ~UnboundServer();

    std::uint16_t port() const { return port_; }
    std::string forwarder() const { return "127.0.0.1@" + std::to_string(port_); }
    // How many queries for exactly this name and type reached the server (log-queries lines
    // "info: 127.0.0.1 NAME. TYPE IN").
    int queries_for(std::string_view name, std::string_view type) const;

private:
    UnboundServer(std::filesystem::path dir, std::uint16_t port, pid_t pid)
        : dir_(std::move(dir)), port_(port), pid_(pid)
    {
    }

    std::filesystem::path dir_;
    std::uint16_t port_;
    pid_t pid_;
};

// A loopback port that is free for both UDP and TCP right now.
std::uint16_t free_port();

// Writes `zone` (SOA, NS, an A for its name server, then `records`, zone-file lines relative to
// the origin) in dir and signs it with ldns-keygen / ldns-signzone (Debian ldnsutils) into
// <zone>.zone.signed; returns its DS record text, a trust anchor for ResolverSettings.
Result<std::string> sign_zone(const std::filesystem::path& dir, const std::string& zone,
                              const std::string& records);

// The auth-zone clause that serves dir/<zone>.zone.signed, for UnboundServer's extra_config.
std::string auth_zone(const std::filesystem::path& dir, const std::string& zone);

// The whole text of a file ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path);

// A UDP socket bound on 127.0.0.1 that never answers: a resolver that forwards to it times out.
class SilentServer {
public:
    SilentServer();
    ~SilentServer();
    std::string forwarder() const { return "127.0.0.1@" + std::to_string(port_); }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
    int tcp_fd_ = -1;
};

}  // namespace harbor::dns::test
