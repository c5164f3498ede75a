// Names the calling thread (pthread_setname_np), so that `top -H`, perf, gdb and
// /proc/PID/task/TID/comm show which of Harbor's threads does what (io, writer, blob, …).
// Linux keeps at most 15 bytes; a longer name is cut there.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace harbor {

inline void name_this_thread(std::string_view name)
{
    const std::string cut(name.substr(0, 15));
    (void)::pthread_setname_np(::pthread_self(), cut.c_str());
}

}  // namespace harbor
