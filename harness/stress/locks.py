"""Who holds a flock on a file right now, from Linux's /proc/locks (None elsewhere).

Used to tell a kill of a writer that held `token-cache.lock` (a holder killed
mid-store) from any other kill; the answer is a snapshot taken just before the
signal, so "held" means "held a few microseconds before the kill".
"""

from __future__ import annotations

import os
from pathlib import Path

PROC_LOCKS = Path("/proc/locks")


def flock_holders(*, path: Path) -> set[int] | None:
    """Pids holding (not waiting for) a FLOCK on `path`; None when that cannot be known."""
    try:
        inode = os.stat(path).st_ino
        text = PROC_LOCKS.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    holders: set[int] = set()
    for line in text.splitlines():
        fields = line.split()
        # "<n>: FLOCK ADVISORY WRITE <pid> <maj>:<min>:<inode> 0 EOF"; waiters carry "->".
        if len(fields) < 6 or fields[1] != "FLOCK":
            continue
        dev_inode = fields[5].rsplit(":", 1)
        if len(dev_inode) == 2 and dev_inode[1] == str(inode) and fields[4].isdigit():
            holders.add(int(fields[4]))
    return holders
