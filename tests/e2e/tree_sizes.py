#!/usr/bin/env python3
"""What a tree's regular files should take in the page cache, computed
apart from the harness: tree_sizes.py PAGE DIR[:DIR...] prints
"files FILE_BYTES ROUNDED_BYTES" where ROUNDED_BYTES sums each file's size
rounded up to PAGE bytes (the page cache with base-page folios), then one
line "class N" per size class of filetree's histogram. Symlinks are not
followed, other file systems not entered, a hard-linked file counts once,
files that cannot be opened are left out (as filetree skips them)."""
import os
import stat
import sys

CLASSES = [("0", 0), ("4k", 4096), ("16k", 16384), ("64k", 65536),
           ("256k", 262144), ("1m", 1048576), ("inf", float("inf"))]


def files_of(root):
    dev = os.lstat(root).st_dev
    for d, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = [x for x in dirs if os.lstat(os.path.join(d, x)).st_dev == dev]
        for n in names:
            p = os.path.join(d, n)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode) and st.st_dev == dev:
                yield p, st


def main():
    page = int(sys.argv[1])
    seen, nfiles, size, rounded = set(), 0, 0, 0
    hist = {c: 0 for c, _ in CLASSES}
    for root in sys.argv[2].split(":"):
        for p, st in files_of(root):
            if (st.st_dev, st.st_ino) in seen or not os.access(p, os.R_OK):
                continue
            seen.add((st.st_dev, st.st_ino))
            nfiles += 1
            size += st.st_size
            rounded += -(-st.st_size // page) * page
            hist[next(c for c, top in CLASSES if st.st_size <= top)] += 1
    print(nfiles, size, rounded)
    for c, _ in CLASSES:
        print(c, hist[c])


main()
