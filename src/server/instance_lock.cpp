// InstanceLock: flock(2) on harbor.pid. flock, unlike fcntl locks, belongs to the open file
// description, so no other descriptor of this process can release it by closing.
#include "server/instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace harbor::server {

Result<InstanceLock> InstanceLock::acquire(const std::filesystem::path& data_dir)
{
    const std::filesystem::path file = data_dir / "harbor.pid";
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        return unexpected(Errc::Io, file.string() + ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        char text[32] = {};
        const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
        ::close(fd);
        if (error != EWOULDBLOCK) {
            return unexpected(Errc::Io, file.string() + ": " + std::strerror(error));
        }
        std::string pid = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : "?";
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
            pid.pop_back();
        }
        return unexpected(Errc::Exists,
                          "another harbor (pid " + pid + ") is running on " + data_dir.string());
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        const int error = errno;
        ::close(fd);
        return unexpected(Errc::Io, file.string() + ": " + std::strerror(error));
    }
    return InstanceLock(fd);
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_)
{
    other.fd_ = -1;
}

InstanceLock::~InstanceLock()
{
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

Result<void> InstanceLock::give_to(unsigned uid, unsigned gid)
{
    if (::fchown(fd_, uid, gid) != 0) {
        return unexpected(Errc::Io, std::string("harbor.pid: ") + std::strerror(errno));
    }
    return ok();
}

}  // namespace harbor::server
