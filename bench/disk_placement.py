"""Where a benchmark puts its servers' files on disk, so that back-to-back runs measure the
servers and not the file system's memory of the last run (bench/smtp_accept, bench/imap_load,
bench/pop3_retr)."""
import os
import subprocess
import tempfile


def make_workdir(prefix, parent):
    """A new directory under parent to hold one directory per server (see server_dir). ext4
    without a journal (as here) skips every inode freed in the last 60 to 360 seconds when it
    allocates one, a buffer lookup each: a file created beside the 20,000 files that the
    previous run removed, or that Postfix's queue removed in the cell before, cost 0.3 ms of
    CPU, and back-to-back runs were 10-35% slower than the first. So the directory is marked
    a top directory (chattr +T): ext4 places each directory made in it in a block group of its
    own choosing (ignored where the attribute is unknown). Remove it when done."""
    outer = tempfile.mkdtemp(prefix=prefix, dir=parent)
    os.chmod(outer, 0o755)  # Postfix's processes, running as postfix, pass through it
    subprocess.run(["chattr", "+T", outer], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return outer


def server_dir(workdir, name):
    """A directory of workdir for one server. Its name is random because ext4 picks a top
    directory's block group starting from a hash of its name: a fixed name would put every
    run beside the previous one's removed files. A server's own removals still cost it."""
    return tempfile.mkdtemp(prefix=f"{name}-", dir=workdir)
