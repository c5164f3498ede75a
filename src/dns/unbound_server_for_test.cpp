// The private unbound server of the resolver tests (unbound_server_for_test.hpp).
#include "dns/unbound_server_for_test.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace harbor::dns::test {
namespace {

constexpr const char* unbound_binary = "/usr/sbin/unbound";

// Binds a socket of `type` on 127.0.0.1:port (0: any) and returns it, or -1.
int bind_loopback(int type, std::uint16_t port)
{
    int fd = ::socket(AF_INET, type, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        return -1;
    }
    return fd;
}

std::uint16_t port_of(int fd)
{
    sockaddr_in address{};
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
}

}  // namespace

TempDir::TempDir()
{
    std::string pattern = (std::filesystem::temp_directory_path() / "harbor-dns-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) {
        path_ = pattern;
    }
}

TempDir::~TempDir()
{
    if (!path_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
}

int run_shell(const std::string& command)
{
    return std::system(command.c_str());
}

std::uint16_t free_port()
{
    for (int attempt = 0; attempt < 20; ++attempt) {
        int udp = bind_loopback(SOCK_DGRAM, 0);
        std::uint16_t port = port_of(udp);
        int tcp = bind_loopback(SOCK_STREAM, port);
        ::close(udp);
        if (tcp >= 0) {
            ::close(tcp);
            if (port >= 1024) {
                return port;
            }
        }
    }
    return 0;
}

Result<std::unique_ptr<UnboundServer>> UnboundServer::start(const std::filesystem::path& dir,
                                                            std::string_view server_config,
                                                            std::string_view extra_config)
{
    if (::access(unbound_binary, X_OK) != 0) {
        return unexpected(Errc::NotFound,
                          "/usr/sbin/unbound is missing: install Debian's unbound package "
                          "(scripts/deps)");
    }
    std::uint16_t port = free_port();
    if (port == 0) {
        return unexpected(Errc::Io, "no free loopback port");
    }
    std::filesystem::path conf = dir / "unbound.conf";
    std::filesystem::path log = dir / "unbound.log";
    {
        std::ofstream out(conf);
        out << "server:\n"
            << "    interface: 127.0.0.1@" << port << "\n"
            << "    port: " << port << "\n"
            << "    do-ip6: no\n"
            << "    num-threads: 1\n"
            << "    do-daemonize: no\n"
            << "    chroot: \"\"\n"
            << "    username: \"\"\n"
            << "    directory: \"" << dir.string() << "\"\n"
            << "    pidfile: \"" << (dir / "unbound.pid").string() << "\"\n"
            << "    use-syslog: no\n"
            << "    logfile: \"" << log.string() << "\"\n"
            << "    verbosity: 1\n"
            << "    log-queries: yes\n"
            << "    access-control: 127.0.0.0/8 allow\n"
            << "    do-not-query-localhost: no\n"
            << "    module-config: \"iterator\"\n"
            << server_config << "\n"
            << "remote-control:\n"
            << "    control-enable: no\n"
            << extra_config << "\n";
    }
    std::vector<std::string> args = {unbound_binary, "-d", "-c", conf.string()};
    std::vector<char*> argv;
    for (std::string& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (int err = ::posix_spawn(&pid, unbound_binary, nullptr, nullptr, argv.data(), environ);
        err != 0) {
        return unexpected(Errc::Io, std::string("posix_spawn unbound: ") + std::strerror(err));
    }
    std::unique_ptr<UnboundServer> server(new UnboundServer(dir, port, pid));
    // Ready once it logs "start of service"; a bad config makes it exit instead.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (read_text(log).find("start of service") != std::string::npos) {
            return server;
        }
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            server->pid_ = -1;
            return unexpected(Errc::Io, "unbound exited at start; log:\n" + read_text(log));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return unexpected(Errc::Timeout, "unbound did not start within 10 s; log:\n" + read_text(log));
}

UnboundServer::~UnboundServer()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

int UnboundServer::queries_for(std::string_view name, std::string_view type) const
{
    std::string needle = " " + std::string(name) + ". " + std::string(type) + " IN";
    std::istringstream lines(read_text(dir_ / "unbound.log"));
    int count = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.find("info: 127.0.0.1") != std::string::npos && line.ends_with(needle)) {
            ++count;
        }
    }
    return count;
}

// TCP too, listening but never accepting: a resolver that falls back to TCP waits as well.
SilentServer::SilentServer() : fd_(bind_loopback(SOCK_DGRAM, 0)), port_(port_of(fd_))
{
    tcp_fd_ = bind_loopback(SOCK_STREAM, port_);
    if (tcp_fd_ >= 0) {
        ::listen(tcp_fd_, 1);
    }
}

SilentServer::~SilentServer()
{
    for (int fd : {fd_, tcp_fd_}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

std::string read_text(const std::filesystem::path& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Result<std::string> sign_zone(const std::filesystem::path& dir, const std::string& zone,
                              const std::string& records)
{
    std::ofstream(dir / (zone + ".zone"))
        << "$ORIGIN " << zone << ".\n$TTL 300\n"
        << "@ IN SOA ns." << zone << ". hostmaster." << zone << ". 1 3600 600 86400 300\n"
        << "@ IN NS ns." << zone << ".\n"
        << "ns IN A 10.0.0.53\n"
        << records;
    const std::string cd = "cd '" + dir.string() + "' && ";
    if (run_shell(cd + "ldns-keygen -a ECDSAP256SHA256 -k " + zone + " > " + zone + ".key-name") !=
        0) {
        return unexpected(Errc::NotFound,
                          "ldns-keygen failed: install Debian's ldnsutils (scripts/deps)");
    }
    std::string key = read_text(dir / (zone + ".key-name"));
    key.erase(key.find_last_not_of("\r\n") + 1);
    if (run_shell(cd + "ldns-signzone " + zone + ".zone " + key) != 0) {
        return unexpected(Errc::NotFound, "ldns-signzone failed for " + zone);
    }
    std::string ds = read_text(dir / (key + ".ds"));
    ds.erase(ds.find_last_not_of("\r\n") + 1);
    return ds;
}

std::string auth_zone(const std::filesystem::path& dir, const std::string& zone)
{
    return "auth-zone:\n    name: \"" + zone + ".\"\n    zonefile: \"" +
           (dir / (zone + ".zone.signed")).string() +
           "\"\n    for-downstream: yes\n    for-upstream: no\n";
}

}  // namespace harbor::dns::test
