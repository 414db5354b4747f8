/* forkexec: process creation rate from a parent holding a given amount of
 * touched anonymous memory. fork copies the parent's page tables (and
 * write-protects every PTE for copy-on-write); exec and exit tear the
 * child's copy down again, so the cost per spawn grows with the parent's
 * resident bytes divided by the page size: 16 times fewer PTEs on 64K
 * pages, and a PMD THP copies as one entry. vfork and posix_spawn share
 * the parent's memory and skip the copy. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wl.h"

/* argv[1] of the tiny mode: exit at once with the code in argv[2]. */
#define CHILD_FLAG "--forkexec-child"
#define TRUE_PATH "/bin/true"

extern char **environ;

static const struct wl_param params[] = {
	{ "count", WL_INT, "1000", "count", "processes started (and waited for)", "1.." },
	{ "rss", WL_SIZE, "64m", "bytes", "anonymous memory the parent touches first", "0.." },
	{ "mode", WL_ENUM, "fork", "", "how the child is made", "fork|vfork|posix_spawn" },
	{ "exec", WL_ENUM, "self", "",
	  "what the child runs: self = this program in a tiny exit-at-once mode, "
	  "true = " TRUE_PATH ", none = no exec, _exit at once (fork/vfork only)",
	  "self|true|none" },
	{ "pages", WL_ENUM, "default", "",
	  "the parent's memory: default = no madvise, base = MADV_NOHUGEPAGE, "
	  "thp = MADV_HUGEPAGE", "default|base|thp" },
	{ "corrupt", WL_BOOL, "0", "", "for tests: change the parent's memory before verifying",
	  NULL },
};

struct fe {
	char *mem;
	uint64_t rss, page, count, seed;
	int mode, exec;			/* enum indices */
	char self[PATH_MAX];
	uint64_t wrong_exit, first_wrong;
	int first_status;
};

enum { FORK, VFORK, SPAWN };
enum { EXEC_SELF, EXEC_TRUE, EXEC_NONE };

static int expected_code(const struct fe *f, uint64_t i)
{
	return f->exec == EXEC_TRUE ? 0 : (int)(i % 100) + 1;
}

/* The child's argv: self gets the flag and the code it must exit with. */
static void child_argv(const struct fe *f, uint64_t i, char *code, size_t len, char **argv)
{
	snprintf(code, len, "%d", expected_code(f, i));
	argv[0] = (char *)(f->exec == EXEC_TRUE ? TRUE_PATH : f->self);
	argv[1] = f->exec == EXEC_TRUE ? NULL : (char *)CHILD_FLAG;
	argv[2] = f->exec == EXEC_TRUE ? NULL : code;
	argv[3] = NULL;
}

/* In the child of fork or vfork: only execve and _exit. */
static void child(const struct fe *f, char **argv, int code)
{
	if (f->exec == EXEC_NONE)
		_exit(code);
	execve(argv[0], argv, environ);
	_exit(127);
}

static pid_t spawn_one(const struct fe *f, uint64_t i)
{
	char code[16], *argv[4];
	pid_t pid;

	child_argv(f, i, code, sizeof(code), argv);
	if (f->mode == SPAWN) {
		int err = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);

		errno = err;
		return err ? -1 : pid;
	}
	pid = f->mode == VFORK ? vfork() : fork();
	if (pid == 0)
		child(f, argv, expected_code(f, i));
	return pid;
}

static int wait_one(struct fe *f, pid_t pid, uint64_t i)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return wl_fail("waitpid: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != expected_code(f, i)) {
		if (!f->wrong_exit++) {
			f->first_wrong = i;
			f->first_status = status;
		}
	}
	return 0;
}

/* The measured loop: one child at a time, started and reaped. */
static int spawn_all(struct fe *f)
{
	for (uint64_t i = 0; i < f->count; i++) {
		pid_t pid = spawn_one(f, i);

		if (pid < 0)
			return wl_fail("%s of child %" PRIu64 ": %m",
				       f->mode == SPAWN ? "posix_spawn" : f->mode == VFORK ?
				       "vfork" : "fork", i + 1);
		if (wait_one(f, pid, i))
			return 1;
	}
	return 0;
}

static uint64_t word_of(const struct fe *f, uint64_t page)
{
	uint64_t s = f->seed ^ (page * 0x9e3779b97f4a7c15ull);

	return wl_rand_next(&s);
}

static void touch(struct fe *f)
{
	for (uint64_t pg = 0; pg < f->rss / f->page; pg++)
		*(uint64_t *)(f->mem + pg * f->page) = word_of(f, pg);
}

static void verify(struct fe *f, int corrupt)
{
	uint64_t bad = 0, pages = f->rss / f->page;

	if (corrupt && pages)
		*(uint64_t *)f->mem ^= 1;
	for (uint64_t pg = 0; pg < pages; pg++)
		bad += *(uint64_t *)(f->mem + pg * f->page) != word_of(f, pg);
	if (corrupt && !pages)
		bad = 1;	/* nothing to change: fail as asked */
	if (f->wrong_exit)
		wl_verify(0, "%" PRIu64 " of %" PRIu64 " children ended wrongly (first: child %"
			  PRIu64 ", wait status 0x%x, expected exit %d)", f->wrong_exit, f->count,
			  f->first_wrong + 1, f->first_status, expected_code(f, f->first_wrong));
	else if (bad)
		wl_verify(0, "%" PRIu64 " of the parent's %" PRIu64 " pages changed while "
			  "children were made", bad, pages);
	else
		wl_verify(1, "%" PRIu64 " children exited with their expected codes; the "
			  "parent's %" PRIu64 " pages are intact", f->count, pages);
}

static void report(const struct fe *f, uint64_t ns, int64_t pte)
{
	double per = (double)ns / (double)f->count;

	wl_metric("spawns_per_s", per > 0 ? 1e9 / per : 0, "spawns/s", "rate", "higher");
	wl_metric("us_per_spawn", per / 1e3, "us", "gauge", "lower");
	wl_metric("spawn_s", (double)ns / 1e9, "s", "gauge", "lower");
	wl_metric("spawns", (double)f->count, "count", "counter", "none");
	wl_metric("parent_rss_bytes", (double)wl_rss_bytes(), "bytes", "gauge", "none");
	wl_metric("parent_pte_bytes", (double)pte, "bytes", "gauge", "none");
	wl_metric("thp_bytes", f->rss ? (double)wl_smaps_bytes(f->mem, "AnonHugePages") : 0,
		  "bytes", "gauge", "none");
}

static int setup(struct fe *f, const struct wl_value *v, uint64_t seed)
{
	ssize_t n;

	f->rss = wl_size(v, "rss");
	f->page = (uint64_t)wl_page_size();
	f->count = (uint64_t)wl_int(v, "count");
	f->mode = (int)wl_int(v, "mode");
	f->exec = (int)wl_int(v, "exec");
	f->seed = seed;
	if (f->exec == EXEC_NONE && f->mode == SPAWN)
		return wl_param_fail("exec", "'none' needs mode=fork or vfork (posix_spawn "
				     "always runs a program)");
	if (f->exec == EXEC_TRUE && access(TRUE_PATH, X_OK))
		return wl_param_fail("exec", "'true': %s: %m", TRUE_PATH);
	if (!wl_pmd_size() && !strcmp(wl_str(v, "pages"), "thp"))
		return wl_param_fail("pages", "'thp' needs transparent hugepages");
	/* Our own path, so a later rename cannot make us run something else. */
	n = readlink("/proc/self/exe", f->self, sizeof(f->self) - 1);
	if (n < 0)
		return wl_fail("readlink /proc/self/exe: %m");
	f->self[n] = '\0';
	return 0;
}

static int map_memory(struct fe *f, const char *pages, void **map, size_t *maplen)
{
	uint64_t pmd = wl_pmd_size();

	if (!f->rss)
		return 0;
	f->mem = wl_map_aligned((size_t)f->rss, pmd ? (size_t)pmd : (size_t)f->page, map, maplen);
	if (!f->mem)
		return 1;
	if (wl_advise_pages(f->mem, (size_t)f->rss, pages))
		return wl_fail("madvise(%s): %m", pages);
	touch(f);
	return 0;
}

static int run(const struct wl_value *v, uint64_t seed)
{
	struct fe f = { 0 };
	void *map = NULL;
	size_t maplen = 0;
	uint64_t t0, ns = 0;
	int64_t pte = -1;
	int rc = setup(&f, v, seed);

	if (!rc)
		rc = map_memory(&f, wl_str(v, "pages"), &map, &maplen);
	if (!rc) {
		pte = wl_status_bytes("VmPTE");
		wl_region_begin();
		t0 = wl_now_ns();
		rc = spawn_all(&f);
		ns = wl_now_ns() - t0;
		wl_region_end();
	}
	if (!rc) {
		report(&f, ns, pte);
		verify(&f, (int)wl_int(v, "corrupt"));
	}
	if (map)
		munmap(map, maplen);
	return rc;
}

static const struct wl_spec spec = {
	.name = "forkexec",
	.summary = "fork/vfork/posix_spawn + exec + exit rate from a parent of a given RSS",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.run = run,
};

int main(int argc, char **argv)
{
	/* The tiny mode: nothing but the exit code the parent expects. */
	if (argc == 3 && !strcmp(argv[1], CHILD_FLAG))
		return atoi(argv[2]);
	return wl_main(&spec, argc, argv);
}
