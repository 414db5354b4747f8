/* What one boot of a guest runs: the cells (workload, parameters, seed,
 * repetition, sampling, timeout, counters, noise controls), the variant's
 * knobs and launcher, and the settings every run records. The controller
 * writes it as /plan.json into a small cpio appended to the bundle; the
 * agent in the guest reads it (harness agent --plan for other targets). */
#ifndef HARNESS_TARGET_BOOTPLAN_H
#define HARNESS_TARGET_BOOTPLAN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define BOOTPLAN_PROTOCOL 1

struct boot_cell {
	char id[37];		/* the run's id, chosen by the controller */
	char *workload;		/* name, as stored */
	char *program;		/* path of the program where the agent runs */
	char **params;		/* key=value */
	size_t nparams;
	char *params_json;	/* every effective parameter (checked on the controller) */
	uint64_t seed;
	int rep, warmup;
	unsigned sample_ms, timeout_s;
	char **events;		/* portable counter names; none: all */
	size_t nevents;
	int use_cgroup, aslr_off, drop_caches;
	char *settings_json;	/* merged over the plan's settings for this run; NULL: none */
};

/* Faults the agent makes on purpose, for the tests of the controller's
 * failure handling (HARNESS_QEMU_TEST). -1: none. */
struct boot_test {
	int panic_at;		/* PID 1 exits at this cell: the kernel panics */
	int cut_at;		/* half of this cell's run line, then power off */
	int hang_at;		/* sleep forever at this cell */
	int hang_hello;		/* 1: sleep forever before the hello */
};

struct boot_plan {
	char variant[64];
	char target[16];
	char sweep_id[37];
	char hostname[64];	/* the guest's hostname (and so its machine id) */
	char boot_id[37];	/* the boot's id, echoed in the hello ("" none: the
				 * qemu controller keeps its own) */
	int console;		/* 1: the stream goes to the console (fd 1), not to
				 * the virtio port: a LAVA job's log keeps it */
	int lava;		/* 1: each metric also as a lava-test-case line */
	char *sweep_json;	/* the sweep's row (id, name, file, hash, text...),
				 * echoed in the hello so that `harness ingest`
				 * can store it where it is missing; NULL none */
	char *scratch_fs;	/* file system on the scratch disk; NULL: no disk */
	char *scratch_dir;	/* where the agent mounts it */
	/* Tree disks (targets/qemu/treedisk.h): disk i has the serial
	 * "tree<i>" and is mounted read-only at tree_dirs[i], the host path
	 * it was made from. tree_images are the host's files (not sent). */
	char **tree_dirs, **tree_images;
	size_t ntrees;
	char **knob_paths, **knob_values;
	size_t nknobs;
	char **launcher;	/* launcher words, the kind first (core/launcher.h); the runner fills {page_size} */
	size_t nlauncher;
	char *settings_json;	/* object merged into every run's settings */
	struct boot_test test;
	struct boot_cell *cells;
	size_t ncells;
};

void bootplan_init(struct boot_plan *p);
void bootplan_free(struct boot_plan *p);
/* A new zeroed cell at the end (NULL when out of memory). */
struct boot_cell *bootplan_add_cell(struct boot_plan *p);
json_t *bootplan_to_json(const struct boot_plan *p);
/* EXIT_RUNTIME naming the bad field; p must be bootplan_init'ed. */
int bootplan_from_json(const json_t *j, struct boot_plan *p, struct herr *err);
int bootplan_load(const char *path, struct boot_plan *p, struct herr *err);
/* Add a tree disk (both strings copied); -1 when out of memory. */
int bootplan_add_tree(struct boot_plan *p, const char *dir, const char *image);
/* Duplicate n strings (NULL-safe); NULL when out of memory. */
char **bootplan_strv(const char *const *v, size_t n);

#endif
