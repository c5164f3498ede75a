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
    // Setting the threshold also fixes the trim threshold at 128 KiB, so freeing a message's
    // 100 KiB buffers shrank the thread's heap (madvise) and the next message faulted the pages
    // in again: 28% of the text indexer's time after another process had freed much memory.
    mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);
    return harbor::cli::run(argc, argv);
}
