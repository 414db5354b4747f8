#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fileio.h"
#include "core/signals.h"
#include "machine/knobs.h"

#define JOURNAL_NAME "knobs.journal"
#define VALUE_MAX 4096

static char knob_root[1024];

void knobs_set_root(const char *root)
{
	snprintf(knob_root, sizeof(knob_root), "%s", root ? root : "");
}

static void io_path(const char *path, char *out, size_t n)
{
	snprintf(out, n, "%s%s", knob_root, path);
}

static const char *const allowed_dirs[] = { "/sys/kernel/mm/", "/proc/sys/" };

int knob_allowed(const char *path)
{
	size_t len = strlen(path);
	int under = 0;

	for (size_t i = 0; i < sizeof(allowed_dirs) / sizeof(allowed_dirs[0]); i++) {
		size_t dl = strlen(allowed_dirs[i]);

		if (len > dl && !strncmp(path, allowed_dirs[i], dl))
			under = 1;
	}
	/* Judged as written: no way out of the directory through "..". */
	return under && len < 512 && !strstr(path, "/../") && !strstr(path, "/./") &&
	       !strstr(path, "//") && path[len - 1] != '/' &&
	       !(len >= 3 && !strcmp(path + len - 3, "/.."));
}

/* The governor files are set by the harness itself (`governor =`), never
 * named in a sweep file; a journal may hold them. */
static int governor_path(const char *path)
{
	unsigned cpu;
	char tail[64];

	return sscanf(path, "/sys/devices/system/cpu/cpu%u/cpufreq/%63s", &cpu, tail) == 2 &&
	       !strcmp(tail, "scaling_governor");
}

static void collapse(const char *in, char *out, size_t n)
{
	size_t o = 0;
	int space = 0;

	while (isspace((unsigned char)*in))
		in++;
	for (; *in && o + 1 < n; in++) {
		if (isspace((unsigned char)*in)) {
			space = 1;
			continue;
		}
		if (space && o + 2 < n)
			out[o++] = ' ';
		space = 0;
		out[o++] = *in;
	}
	out[o] = '\0';
}

static int read_raw(const char *path, char *buf, size_t n)
{
	char io[1536], *all;

	io_path(path, io, sizeof(io));
	all = file_read_all(io);
	if (!all)
		return -1;
	snprintf(buf, n, "%s", all);
	free(all);
	return 0;
}

/* "always [madvise] never" -> "madvise"; 0 when raw is not a choice file. */
static int bracketed(const char *raw, char *out, size_t n)
{
	const char *open_b = strchr(raw, '['), *close_b = open_b ? strchr(open_b, ']') : NULL;

	if (!open_b || !close_b || close_b - open_b < 2)
		return 0;
	snprintf(out, n, "%.*s", (int)(close_b - open_b - 1), open_b + 1);
	return strpbrk(out, " \t\n") == NULL;
}

int knob_read(const char *path, char *out, size_t n, struct herr *err)
{
	char raw[VALUE_MAX];

	if (read_raw(path, raw, sizeof(raw)))
		return herr_errno(err, EXIT_RUNTIME, "knob %s: cannot read", path);
	if (!bracketed(raw, out, n))
		collapse(raw, out, n);
	return 0;
}

/* One write(2), as sysfs wants, opened the way the shell's '>' does
 * (O_TRUNC: sysfs and procfs ignore it, a plain file needs it). */
int knob_write(const char *path, const char *value, struct herr *err)
{
	char io[1536];
	size_t len = strlen(value);
	ssize_t n;
	int fd;

	io_path(path, io, sizeof(io));
	fd = open(io, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return herr_errno(err, EXIT_RUNTIME, "knob %s: cannot write '%s'", path, value);
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = EIO;
		herr_errno(err, EXIT_RUNTIME, "knob %s: cannot write '%s'", path, value);
		close(fd);
		return -1;
	}
	if (close(fd))
		return herr_errno(err, EXIT_RUNTIME, "knob %s: cannot write '%s'", path, value);
	return 0;
}

/* The words of a choice file, brackets removed, for messages. */
static int is_choice(const char *raw, const char *value, char *words, size_t n)
{
	char copy[VALUE_MAX], *save = NULL;
	int found = 0;
	size_t o = 0;

	snprintf(copy, sizeof(copy), "%s", raw);
	words[0] = '\0';
	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		size_t wl = strlen(w);

		if (w[0] == '[' && wl > 2 && w[wl - 1] == ']') {
			w[wl - 1] = '\0';
			w++;
		}
		found |= !strcmp(w, value);
		o += (size_t)snprintf(words + o, o < n ? n - o : 0, "%s%s", o ? " " : "", w);
		if (o >= n)
			o = n - 1;
	}
	return found;
}

/* Ranges the kernel enforces for common numeric knobs, so a bad value is
 * refused at plan time rather than by the write in the middle of a sweep.
 * max < 0: the number of PTEs in a PMD minus one (page-size dependent). */
static const struct knob_range {
	const char *path;
	long long min, max;
} knob_ranges[] = {
	{ "/proc/sys/vm/overcommit_memory", 0, 2 },
	{ "/proc/sys/vm/swappiness", 0, 200 },
	{ "/proc/sys/vm/compaction_proactiveness", 0, 100 },
	{ "/proc/sys/vm/dirty_ratio", 0, 100 },
	{ "/proc/sys/vm/dirty_background_ratio", 0, 100 },
	{ "/proc/sys/vm/watermark_scale_factor", 1, 3000 },
	{ "/proc/sys/vm/zone_reclaim_mode", 0, 7 },
	{ "/sys/kernel/mm/transparent_hugepage/use_zero_page", 0, 1 },
	{ "/sys/kernel/mm/transparent_hugepage/khugepaged/defrag", 0, 1 },
	{ "/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan", 1, 4294967295LL },
	{ "/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs", 0, 4294967295LL },
	{ "/sys/kernel/mm/transparent_hugepage/khugepaged/alloc_sleep_millisecs", 0, 4294967295LL },
	{ "/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none", 0, -1 },
	{ "/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_swap", 0, -1 },
	{ "/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_shared", 0, -1 },
};

/* One decimal integer, nothing else; 0 when text is not one. */
static int one_int(const char *text, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(text, &end, 10);
	return !errno && end != text && !*end && !isspace((unsigned char)*text);
}

/* The number of integers in a space-separated list (-1: something else). */
static int count_ints(const char *text)
{
	char copy[VALUE_MAX], *save = NULL;
	long long v;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", text);
	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), n++)
		if (!one_int(w, &v))
			return -1;
	return n;
}

static long long ptes_per_pmd_minus_one(void)
{
	char raw[64];
	long long pmd, page = sysconf(_SC_PAGESIZE);

	if (read_raw("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", raw, sizeof(raw)) ||
	    sscanf(raw, "%lld", &pmd) != 1 || page <= 0 || pmd < page)
		return 511;
	return pmd / page - 1;
}

/* A file that holds numbers takes numbers, as many as it holds, within
 * the kernel's range where the table knows it. */
static int numeric_ok(const char *path, const char *raw, const char *value, char *why, size_t n)
{
	char cur[VALUE_MAX];
	int have, want;
	long long v;

	collapse(raw, cur, sizeof(cur));
	have = count_ints(cur);
	if (have <= 0)
		return 1;	/* not a numeric file: the kernel judges the write */
	want = count_ints(value);
	if (want != have) {
		snprintf(why, n, "'%s' is not %s for %s (it holds '%s')", value,
			 have == 1 ? "an integer" : "a list of integers like the one", path, cur);
		return 0;
	}
	if (have != 1 || !one_int(value, &v))
		return 1;
	for (size_t i = 0; i < sizeof(knob_ranges) / sizeof(knob_ranges[0]); i++) {
		const struct knob_range *r = &knob_ranges[i];
		long long max = r->max < 0 ? ptes_per_pmd_minus_one() : r->max;

		if (!strcmp(r->path, path) && (v < r->min || v > max)) {
			snprintf(why, n, "'%s' is out of range for %s (%lld to %lld)", value, path, r->min, max);
			return 0;
		}
	}
	return 1;
}

enum knob_status knob_check(const char *path, const char *value, char *why, size_t n)
{
	char io[1536], raw[VALUE_MAX], words[512], word[128];
	struct stat sb;

	if (!knob_allowed(path)) {
		snprintf(why, n, "'%s' is not allowed: knobs are files under /sys/kernel/mm/ or /proc/sys/", path);
		return KNOB_BAD;
	}
	io_path(path, io, sizeof(io));
	if (stat(io, &sb)) {
		snprintf(why, n, "this kernel has no %s (%s)", path, strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? KNOB_MISSING : KNOB_BAD;
	}
	if (!S_ISREG(sb.st_mode) || !(sb.st_mode & 0222) || !(sb.st_mode & 0444)) {
		snprintf(why, n, "%s is %s", path, !S_ISREG(sb.st_mode) ? "not a file"
			 : !(sb.st_mode & 0222) ? "read-only" : "write-only (an action, not a setting)");
		return KNOB_BAD;
	}
	if (read_raw(path, raw, sizeof(raw))) {
		snprintf(why, n, "cannot read %s: %s", path, strerror(errno));
		return KNOB_BAD;
	}
	if (bracketed(raw, word, sizeof(word)) && !is_choice(raw, value, words, sizeof(words))) {
		snprintf(why, n, "'%s' is not one of the choices of %s: %s", value, path, words);
		return KNOB_BAD;
	}
	if (!numeric_ok(path, raw, value, why, n))
		return KNOB_BAD;
	return KNOB_OK;
}

size_t knob_governor_paths(char ***paths)
{
	char cpus[1536];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	io_path("/sys/devices/system/cpu", cpus, sizeof(cpus));
	d = opendir(cpus);
	*paths = NULL;
	while (d && (e = readdir(d))) {
		char p[512], io[1536], **grown;
		unsigned cpu;
		char rest;

		if (sscanf(e->d_name, "cpu%u%c", &cpu, &rest) != 1)
			continue;
		snprintf(p, sizeof(p), "/sys/devices/system/cpu/%s/cpufreq/scaling_governor", e->d_name);
		io_path(p, io, sizeof(io));
		if (access(io, F_OK))
			continue;
		grown = realloc(*paths, (n + 1) * sizeof(*grown));
		if (!grown)
			break;
		*paths = grown;
		if ((grown[n] = strdup(p)))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

void knobs_free(struct knob *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(k[i].path);
		free(k[i].value);
		free(k[i].previous);
	}
	free(k);
}

/* ---- journal ---- */

/* Knobs are the machine's: the default journal lives in /run (cleared at
 * boot, like the knobs themselves), so the next harness finds it whatever
 * its working directory. Without root /run is not writable, and neither
 * are the knobs; results/ then keeps the journal of a dry or failed try. */
void knobs_state_dir(char *out, size_t n)
{
	const char *env = getenv("HARNESS_STATE");

	if (env && *env)
		snprintf(out, n, "%s", env);
	else if (access("/run", W_OK) == 0)
		snprintf(out, n, "/run/harness");
	else
		snprintf(out, n, "results");
}

static void journal_file(char *out, size_t n)
{
	char dir[3800];

	knobs_state_dir(dir, sizeof(dir));
	snprintf(out, n, "%s/%s", dir, JOURNAL_NAME);
}

static void boot_id(char *out, size_t n)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = '\0';
	if (f) {
		if (!fgets(out, (int)n, f))
			out[0] = '\0';
		out[strcspn(out, "\n")] = '\0';
		fclose(f);
	}
}

/* A rename is durable only once its directory is on disk. */
static void sync_dir_of(const char *file)
{
	char dir[4096];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", file);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static char *journal_json(const struct knob_journal *j)
{
	json_t *o = json_object(), *arr = json_array();
	char boot[64];
	char *s;

	boot_id(boot, sizeof(boot));
	json_object_set_new(o, "harness_knob_journal", json_integer(1));
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "boot_id", json_string(boot));
	for (size_t i = 0; i < j->n; i++) {
		json_t *k = json_object();

		json_object_set_new(k, "path", json_string(j->knobs[i].path));
		json_object_set_new(k, "previous", json_string(j->knobs[i].previous));
		json_array_append_new(arr, k);
	}
	json_object_set_new(o, "knobs", arr);
	s = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* Written whole to a temporary file, locked, synced, then renamed over:
 * the journal is either absent or complete, and locked from its first
 * instant by its owner. */
static int write_journal(struct knob_journal *j, struct herr *err)
{
	char tmp[4200];
	char *text = journal_json(j);
	size_t len = text ? strlen(text) : 0;
	int fd;

	if (!text)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", j->file, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX) || write(fd, text, len) != (ssize_t)len || fsync(fd) ||
	    rename(tmp, j->file)) {
		herr_errno(err, EXIT_RUNTIME, "cannot write the knob journal %s", j->file);
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		free(text);
		return -1;
	}
	free(text);
	sync_dir_of(j->file);
	j->fd = fd;
	return 0;
}

static int ensure_state_dir(struct herr *err)
{
	char dir[3800];
	struct stat sb;

	knobs_state_dir(dir, sizeof(dir));
	if (stat(dir, &sb) == 0)
		return S_ISDIR(sb.st_mode) ? 0
			: herr_set(err, EXIT_USAGE, "state directory %s is not a directory", dir);
	if (mkdir(dir, 0777) && errno != EEXIST)
		return herr_errno(err, EXIT_USAGE, "cannot create state directory %s (HARNESS_STATE)", dir);
	return 0;
}

/* ---- the machine's lock ----
 *
 * Knobs are the machine's, not a results directory's: whatever
 * HARNESS_STATE says, one sweep at a time may hold them. The lock file
 * lives in /run/lock (cleared at boot, like the knobs themselves) and
 * holds its owner's pid for the message of whoever has to wait. */

static int open_machine_lock(void)
{
	static const char *const places[] = { "/run/lock/harness-knobs.lock", "/tmp/harness-knobs.lock" };

	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		char io[1536];
		int fd;

		io_path(places[i], io, sizeof(io));
		fd = open(io, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

/* The holder's pid and description ("pid\ndescription" in the lock
 * file), for messages. */
static void lock_owner(int fd, char *pid, size_t np, char *who, size_t nw)
{
	char buf[300] = "";
	ssize_t got = pread(fd, buf, sizeof(buf) - 1, 0);
	char *nl;

	buf[got > 0 ? got : 0] = '\0';
	if ((nl = strchr(buf, '\n')))
		*nl++ = '\0';
	snprintf(pid, np, "%s", *buf ? buf : "?");
	snprintf(who, nw, "%.*s", nl ? (int)strcspn(nl, "\n") : 0, nl ? nl : "");
}

/* Try for wait_s seconds (< 0: as long as it takes, 0: once). A signal
 * (the sweep's handlers do not restart calls) ends the wait. */
static int wait_for_lock(int fd, long long wait_s)
{
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	long long tries = wait_s * 10;

	if (wait_s < 0)
		return flock(fd, LOCK_EX);
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (tries-- <= 0 || signals_caught())
			return -1;
		nanosleep(&nap, NULL);
	}
	return 0;
}

static int take_machine_lock(struct knob_journal *j, long long wait_s, const char *who,
			     struct herr *err)
{
	char mine[300], pid[32], holder[256];
	int fd = open_machine_lock();

	if (fd < 0)
		return herr_errno(err, EXIT_RUNTIME, "cannot open the machine's knob lock");
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		lock_owner(fd, pid, sizeof(pid), holder, sizeof(holder));
		if (wait_s)
			fprintf(stderr, "harness: another sweep (pid %s) holds this machine's knobs; waiting "
				"for it to finish (%s%s%s; Ctrl-C gives up)\n", pid, holder,
				*holder ? ", " : "", wait_s < 0 ? "no time limit" : "up to --wait seconds");
		if (wait_for_lock(fd, wait_s)) {
			close(fd);
			return herr_set(err, EXIT_RUNTIME, "another sweep (pid %s%s%s) holds this machine's "
					"knobs%s", pid, *holder ? ", " : "", holder, signals_caught()
					? "; stopped waiting" : wait_s ? "; gave up after --wait seconds"
					: " (--no-wait)");
		}
	}
	snprintf(mine, sizeof(mine), "%d\n%s\n", (int)getpid(), who && *who ? who : "");
	if (ftruncate(fd, 0) == 0 && pwrite(fd, mine, strlen(mine), 0) < 0)
		mine[0] = '\0';	/* the owner is for messages only */
	j->machine_fd = fd;
	return 0;
}

static long long journal_pid(int fd)
{
	json_t *o = json_loadfd(fd, 0, NULL);
	long long pid = json_integer_value(json_object_get(o, "pid"));

	json_decref(o);
	return pid;
}

static int replay(FILE *msg, int take_machine, struct herr *err);

/* A journal already there: a live harness (locked), or one that was
 * killed and could not be replayed at start-up. */
static int check_existing(const char *file, struct herr *err)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : herr_errno(err, EXIT_RUNTIME, "cannot read %s", file);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		long long pid = journal_pid(fd);

		close(fd);
		return herr_set(err, EXIT_RUNTIME,
				"another harness (pid %lld) is running a sweep on this machine (journal %s); "
				"sweeps would disturb each other's measurements and knobs", pid, file);
	}
	close(fd);
	return replay(stderr, 0, err);
}

static void journal_free(struct knob_journal *j)
{
	knobs_free(j->knobs, j->n);
	free(j->dirty);
	j->knobs = NULL;
	j->dirty = NULL;
	j->n = 0;
}

static int read_previous(struct knob_journal *j, const char *const *paths, size_t n,
			 struct herr *err)
{
	j->knobs = calloc(n ? n : 1, sizeof(*j->knobs));
	j->dirty = calloc(n ? n : 1, sizeof(*j->dirty));
	if (!j->knobs || !j->dirty)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < n; i++) {
		char prev[VALUE_MAX];

		if (knob_read(paths[i], prev, sizeof(prev), err))
			return -1;
		j->knobs[i].path = strdup(paths[i]);
		j->knobs[i].previous = strdup(prev);
		j->n++;
		if (!j->knobs[i].path || !j->knobs[i].previous)
			return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	return 0;
}

int journal_begin(struct knob_journal *j, const char *const *paths, size_t n,
		  long long wait_s, const char *who, struct herr *err)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->machine_fd = -1;
	journal_file(j->file, sizeof(j->file));
	if (ensure_state_dir(err) || take_machine_lock(j, wait_s, who, err))
		return -1;
	/* Under the lock: values read now are nobody else's changes. */
	if (check_existing(j->file, err) || read_previous(j, paths, n, err) || write_journal(j, err)) {
		journal_free(j);
		close(j->machine_fd);
		j->machine_fd = -1;
		return -1;
	}
	return 0;
}

static ssize_t journal_index(const struct knob_journal *j, const char *path)
{
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->knobs[i].path, path))
			return (ssize_t)i;
	return -1;
}

static int apply_one(struct knob_journal *j, const char *path, const char *value, int sticky,
		     struct knob *out, struct herr *err)
{
	ssize_t i = journal_index(j, path);
	char now[VALUE_MAX], want[VALUE_MAX];

	if (i < 0)
		return herr_set(err, EXIT_RUNTIME, "knob %s is not in the journal", path);
	j->dirty[i] = sticky ? 2 : 1;	/* before the write: a half-done write is restored too */
	if (knob_write(path, value, err) || knob_read(path, now, sizeof(now), err))
		return -1;
	collapse(value, want, sizeof(want));
	if (strcmp(now, want))
		return herr_set(err, EXIT_RUNTIME, "knob %s: wrote '%s' but it reads '%s'", path, value, now);
	out->path = strdup(path);
	out->value = strdup(now);
	out->previous = strdup(j->knobs[i].previous);
	if (!out->path || !out->value || !out->previous)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	return 0;
}

int journal_apply(struct knob_journal *j, const char *const *paths, const char *const *values,
		  size_t n, int sticky, struct knob **out, size_t *nout, struct herr *err)
{
	struct knob *k = calloc(n ? n : 1, sizeof(*k));

	*out = NULL;
	*nout = 0;
	if (!k)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (apply_one(j, paths[i], values[i], sticky, &k[i], err)) {
			knobs_free(k, n);
			return -1;
		}
	*out = k;
	*nout = n;
	return 0;
}

static int restore(struct knob_journal *j, int level, struct herr *err)
{
	int rc = 0;

	for (size_t i = 0; i < j->n; i++) {
		struct herr e;

		if (!j->dirty[i] || j->dirty[i] > level)
			continue;
		if (knob_write(j->knobs[i].path, j->knobs[i].previous, &e)) {
			if (rc == 0)
				*err = e;	/* the first failure; try the others anyway */
			rc = -1;
			continue;
		}
		j->dirty[i] = 0;
	}
	return rc;
}

int journal_restore(struct knob_journal *j, struct herr *err)
{
	return restore(j, 1, err);
}

int journal_end(struct knob_journal *j, struct herr *err)
{
	int rc = 0;

	if (j->dirty)
		rc = restore(j, 2, err);
	if (j->fd >= 0) {
		/* A journal whose knobs could not be restored stays for the
		 * next harness to try again. */
		if (rc == 0 && unlink(j->file) == 0)
			sync_dir_of(j->file);
		close(j->fd);
	}
	if (j->machine_fd >= 0)
		close(j->machine_fd);	/* after the journal is gone */
	journal_free(j);
	j->fd = -1;
	j->machine_fd = -1;
	return rc;
}

/* ---- replay after SIGKILL ---- */

static int same_file(int fd, const char *file)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(file, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static void set_aside(const char *file, FILE *msg, const char *why)
{
	char bad[4200];

	snprintf(bad, sizeof(bad), "%s.bad", file);
	rename(file, bad);
	fprintf(msg, "harness: knob journal %s is %s; moved to %s (check the knobs by hand)\n",
		file, why, bad);
}

/* Write back every previous value; the list of what was restored goes to
 * done for the message. */
static int restore_all(json_t *knobs, char *done, size_t n, struct herr *err)
{
	size_t i, o = 0;
	json_t *k;
	int rc = 0;

	done[0] = '\0';
	json_array_foreach(knobs, i, k) {
		const char *path = json_string_value(json_object_get(k, "path"));
		const char *prev = json_string_value(json_object_get(k, "previous"));
		struct herr e;

		if (!path || !prev || (!knob_allowed(path) && !governor_path(path)))
			continue;	/* never write where a sweep file could not */
		if (knob_write(path, prev, &e)) {
			if (rc == 0)
				*err = e;
			rc = -1;
			continue;
		}
		o += (size_t)snprintf(done + o, o < n ? n - o : 0, "%s%s=%s", o ? ", " : "", path, prev);
		if (o >= n)
			o = n - 1;
	}
	return rc;
}

static int replay_locked(int fd, const char *file, FILE *msg, struct herr *err)
{
	json_t *o = json_loadfd(fd, 0, NULL);
	json_t *knobs = json_object_get(o, "knobs");
	const char *their_boot = json_string_value(json_object_get(o, "boot_id"));
	long long pid = json_integer_value(json_object_get(o, "pid"));
	char boot[64], done[2048];
	int rc = 0;

	boot_id(boot, sizeof(boot));
	if (!json_is_array(knobs) || !their_boot) {
		set_aside(file, msg, "unreadable");
	} else if (*boot && strcmp(boot, their_boot)) {
		/* A reboot reset every knob; old values would be stale. */
		unlink(file);
		fprintf(msg, "harness: discarded knob journal %s of a harness (pid %lld) from before "
			"the last boot\n", file, pid);
	} else if (restore_all(knobs, done, sizeof(done), err)) {
		herr_wrap(err, "restoring knobs from %s left by a killed harness (pid %lld); "
			  "the journal is kept", file, pid);
		rc = -1;
	} else {
		unlink(file);
		sync_dir_of(file);
		if (json_array_size(knobs))
			fprintf(msg, "harness: a harness killed during a sweep (pid %lld) left knobs "
				"changed; restored from %s: %s\n", pid, file, done);
	}
	json_decref(o);
	return rc;
}

/* take_machine: also take the machine's lock (not held by the caller);
 * while another sweep holds it, writing old values would undo its knobs
 * under its runs, so the journal waits for a later command. */
static int replay(FILE *msg, int take_machine, struct herr *err)
{
	char file[4096];
	int fd, mfd = -1, rc;

	journal_file(file, sizeof(file));
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : herr_errno(err, EXIT_RUNTIME, "cannot read knob journal %s", file);
	/* Locked: its harness is alive. Replaced or gone once we hold the
	 * lock: its harness finished in between. */
	if (flock(fd, LOCK_EX | LOCK_NB) || !same_file(fd, file) ||
	    (take_machine && ((mfd = open_machine_lock()) < 0 || flock(mfd, LOCK_EX | LOCK_NB)))) {
		if (mfd >= 0)
			close(mfd);
		close(fd);
		return 0;
	}
	rc = replay_locked(fd, file, msg, err);
	close(fd);
	if (mfd >= 0)
		close(mfd);
	return rc;
}

int knobs_replay(FILE *msg, struct herr *err)
{
	return replay(msg, 1, err);
}
