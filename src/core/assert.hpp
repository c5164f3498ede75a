// Assertions for Harbor bugs only, never for conditions that depend on input (STYLE.md §10.4).
#pragma once

#include <cstdio>
#include <cstdlib>

#define HARBOR_CHECK(cond)                                                                  \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            std::fprintf(stderr, "harbor: check failed: %s at %s:%d\n", #cond, __FILE__,    \
                         __LINE__);                                                         \
            std::abort();                                                                   \
        }                                                                                   \
    } while (false)

#ifdef NDEBUG
#define HARBOR_ASSERT(cond) ((void)0)
#else
#define HARBOR_ASSERT(cond) HARBOR_CHECK(cond)
#endif

#define HARBOR_UNREACHABLE() HARBOR_CHECK(!"unreachable")
