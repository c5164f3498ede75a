// One daemon per data directory: `harbor serve` holds an exclusive lock on
// <data_dir>/harbor.pid (flock), which also names its process id. A second instance is
// refused before it binds a port; the lock goes with the process, however it ends.
#pragma once

#include <filesystem>

#include "core/result.hpp"

namespace harbor::server {

class InstanceLock {
public:
    // Errc::Exists "another harbor (pid 1234) is running on /var/lib/harbor".
    static Result<InstanceLock> acquire(const std::filesystem::path& data_dir);

    InstanceLock(InstanceLock&& other) noexcept;
    InstanceLock& operator=(InstanceLock&&) = delete;
    InstanceLock(const InstanceLock&) = delete;
    ~InstanceLock();

    // Gives the file to the user the daemon becomes, so a restart as that user can lock it.
    Result<void> give_to(unsigned uid, unsigned gid);

private:
    explicit InstanceLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace harbor::server
