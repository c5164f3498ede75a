// Test peers for the SMTP client: a private smtp-sink and a recording relay. See the header.
#include "smtp/client/smtp_sink_for_test.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

extern char** environ;

namespace harbor::smtp::client::test {
namespace {

constexpr const char* sink_binary = "/usr/sbin/smtp-sink";

int bind_loopback(std::uint16_t port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
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

int connect_loopback(std::uint16_t port, const char* ip = "127.0.0.1")
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, ip, &address.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

std::string read_file(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

SinkDump parse_dump(const std::string& text)
{
    SinkDump dump;
    std::size_t position = 0;
    while (position < text.size()) {
        std::size_t end = text.find('\n', position);
        if (end == std::string::npos) {
            end = text.size();
        }
        const std::string line = text.substr(position, end - position);
        position = end + 1;
        auto value = [&](std::string_view label) { return line.substr(label.size()); };
        if (line.starts_with("X-Helo-Args: ")) {
            dump.helo = value("X-Helo-Args: ");
        } else if (line.starts_with("X-Mail-Args: ")) {
            dump.mail = value("X-Mail-Args: ");
        } else if (line.starts_with("X-Rcpt-Args: ")) {
            dump.rcpts.push_back(value("X-Rcpt-Args: "));
        } else if (line.starts_with("Received: ")) {
            // Three lines: this one and two that start with a tab; then the message.
            while (position < text.size() && text[position] == '\t') {
                const std::size_t next = text.find('\n', position);
                position = next == std::string::npos ? text.size() : next + 1;
            }
            dump.content = text.substr(std::min(position, text.size()));
            // smtp-sink ends each dump with an empty line of its own.
            if (dump.content.ends_with("\n\n")) {
                dump.content.pop_back();
            }
            break;
        }
    }
    return dump;
}

}  // namespace

TempDir::TempDir()
{
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("harbor-smtp-client-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::uint16_t free_port()
{
    for (int attempt = 0; attempt < 50; ++attempt) {
        const int fd = bind_loopback(0);
        if (fd < 0) {
            continue;
        }
        const std::uint16_t port = port_of(fd);
        ::close(fd);
        if (port >= 1024) {
            return port;
        }
    }
    return 0;
}

std::string process_loopback(int host)
{
    const auto pid = static_cast<unsigned>(::getpid());
    // 127.0.x.x is left to fixed addresses; A is 1..254.
    return "127." + std::to_string(1 + (pid >> 8) % 254) + "." + std::to_string(pid & 0xff) + "." +
           std::to_string(host);
}

Result<std::unique_ptr<SmtpSink>> SmtpSink::start(const std::filesystem::path& dir,
                                                  std::vector<std::string> options,
                                                  std::string address, std::uint16_t port)
{
    if (address.empty()) {
        address = process_loopback(1);
    }
    if (::access(sink_binary, X_OK) != 0) {
        return unexpected(Errc::NotFound, "/usr/sbin/smtp-sink is missing (Debian postfix)");
    }
    if (port == 0) {
        port = free_port();
    }
    if (port == 0) {
        return unexpected(Errc::Io, "no free loopback port");
    }
    const std::filesystem::path dumps = dir / "dumps";
    std::filesystem::create_directories(dumps);
    // smtp-sink run by root must drop to another user (-u), who then writes the dumps.
    std::filesystem::permissions(dumps, std::filesystem::perms::all);

    std::vector<std::string> args = {sink_binary};
    if (::geteuid() == 0) {
        args.insert(args.end(), {"-u", "postfix"});
    }
    args.insert(args.end(), {"-h", "sink.test", "-d", (dumps / "m.").string()});
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {address + ":" + std::to_string(port), "16"});
    std::vector<char*> argv;
    for (std::string& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (dir / "smtp-sink.log").string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    const int err = ::posix_spawn(&pid, sink_binary, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) {
        return unexpected(Errc::Io, std::string("posix_spawn smtp-sink: ") + std::strerror(err));
    }
    std::unique_ptr<SmtpSink> sink(new SmtpSink(dumps, address, port, pid));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            sink->pid_ = -1;
            return unexpected(Errc::Io,
                              "smtp-sink exited at once; see " + log + ": " + read_file(log));
        }
        const int probe = connect_loopback(port, sink->address_.c_str());
        if (probe >= 0) {
            ::close(probe);
            return sink;
        }
        ::usleep(20'000);
    }
    return unexpected(Errc::Timeout, "smtp-sink did not listen on port " + std::to_string(port));
}

SmtpSink::~SmtpSink()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

boost::asio::ip::tcp::endpoint SmtpSink::endpoint() const
{
    return {boost::asio::ip::make_address(address_), port_};
}

std::vector<SinkDump> SmtpSink::dumps() const
{
    std::vector<SinkDump> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dumps_, ec)) {
        out.push_back(parse_dump(read_file(entry.path())));
    }
    return out;
}

RecordingProxy::RecordingProxy(boost::asio::ip::tcp::endpoint upstream, Fault fault)
    : upstream_(upstream), fault_(fault)
{
    listen_fd_ = bind_loopback(0);
    if (listen_fd_ >= 0 && ::listen(listen_fd_, 4) == 0) {
        port_ = port_of(listen_fd_);
    }
    thread_ = std::thread([this] { serve(); });
}

RecordingProxy::~RecordingProxy()
{
    stop_ = true;
    thread_.join();
    if (listen_fd_ >= 0) {
        ::close(listen_fd_);
    }
}

boost::asio::ip::tcp::endpoint RecordingProxy::endpoint() const
{
    return {boost::asio::ip::make_address("127.0.0.1"), port_};
}

std::vector<std::string> RecordingProxy::client_reads() const
{
    std::lock_guard lock(mutex_);
    return reads_;
}

void RecordingProxy::serve()
{
    while (!stop_) {
        pollfd waiting{listen_fd_, POLLIN, 0};
        if (::poll(&waiting, 1, 50) <= 0) {
            continue;
        }
        const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            continue;
        }
        ++connections_;
        const int one = 1;
        ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const int server =
            connect_loopback(upstream_.port(), upstream_.address().to_string().c_str());
        if (server < 0) {
            ::close(client);
            continue;
        }
        char buffer[65536];
        bool open = true;
        bool starttls_sent = false;
        const bool break_tls = fault_ == Fault::BreakFirstTlsHandshake && connections_ == 1;
        while (open && !stop_) {
            pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
            if (::poll(fds, 2, 50) <= 0) {
                continue;
            }
            for (int i = 0; i < 2 && open; ++i) {
                if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
                    continue;
                }
                const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
                if (n <= 0) {
                    open = false;
                    break;
                }
                if (i == 0) {
                    std::lock_guard lock(mutex_);
                    reads_.emplace_back(buffer, static_cast<std::size_t>(n));
                    if (break_tls && starttls_sent) {
                        open = false;
                        break;
                    }
                    starttls_sent = reads_.back().find("STARTTLS\r\n") != std::string::npos;
                }
                const int to = i == 0 ? server : client;
                ssize_t sent = 0;
                while (sent < n) {
                    const ssize_t w =
                        ::write(to, buffer + sent, static_cast<std::size_t>(n - sent));
                    if (w <= 0) {
                        open = false;
                        break;
                    }
                    sent += w;
                }
            }
        }
        ::close(client);
        ::close(server);
    }
}

}  // namespace harbor::smtp::client::test
