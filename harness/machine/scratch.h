/* Scratch space a killed run left behind. Workloads that make files
 * (smallfiles, mmapread, sqlite) create harness-<name>-XXXXXX in their
 * dir and hold an flock on it while they run; a SIGKILL takes the lock
 * with the process, so an entry whose lock can be taken is stale. The next
 * harness command removes such entries, as it restores knobs. Workloads
 * that lock their entry mark it with the sticky bit (S_ISVTX); an entry
 * without it was made by an older build that takes no lock, and is left
 * alone, since it may well be in use. */
#ifndef HARNESS_SCRATCH_H
#define HARNESS_SCRATCH_H

#include <stdio.h>

/* Where the workloads put scratch space unless told otherwise. */
#define SCRATCH_DEFAULT_DIR "/var/tmp"

/* Remove stale harness-{smallfiles,mmapread,sqlite}-* entries in dir
 * owned by this user; say so on msg (NULL: quietly). Returns how many were
 * removed; never fails (a missing dir has none). */
int scratch_clean(const char *dir, FILE *msg);

#endif
