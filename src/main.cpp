// harbor: the daemon (`harbor serve`) and its command line, one binary.
#include <malloc.h>

#include "cli/cli.hpp"

int main(int argc, char** argv)
{
    // A fixed mmap threshold: blocks of 1 MiB and more (argon2's 19 MiB per password check at
    // the default cost, SQLite's and MIME's large buffers) are mapped and unmapped each time.
    // glibc's default raises the threshold to the largest such block freed, after which blocks
    // up to that size come from the arenas and their pages stay resident: measured, 88 MB of
    // arena growth over 1,000 IMAP logins with SELECT, 8.6 MB with this (docs/benchmarks.md).
    mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
    return harbor::cli::run(argc, argv);
}
