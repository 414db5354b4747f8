/* The host directories a boot's cells read, shipped as tree disks
 * (treedisk.h). A workload parameter that names host directories is
 * listed in tree_params; its value is one directory or several separated
 * by ':', and "{kernel_source}" in it is the source tree of the kernel
 * this boot runs. Each directory becomes a read-only disk mounted at the
 * same path in the guest, so the parameter means the same files on every
 * target. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fsutil.h"
#include "targets/qemu/qemu_run.h"
#include "targets/qemu/treedisk.h"

#define KSRC "{kernel_source}"

static const struct { const char *workload, *param; } tree_params[] = {
	{ "filetree", "tree" },
};

static const char *tree_param(const char *workload)
{
	for (size_t i = 0; i < sizeof(tree_params) / sizeof(tree_params[0]); i++)
		if (!strcmp(tree_params[i].workload, workload))
			return tree_params[i].param;
	return NULL;
}

/* The kernel's source tree, extracted once into the cache if needed. */
static int kernel_source(struct qemu_session *s, const char **out, struct herr *err)
{
	struct ksource *src = &s->kb.src;

	if (!src->tree && ksource_prepare(src, s->kb.kcache, NULL, err))
		return herr_wrap(err, KSRC);
	*out = src->tree ? src->tree : src->path;
	return 0;
}

/* value with every {kernel_source} replaced (allocated). */
static int expand(struct qemu_session *s, const char *value, char **out, struct herr *err)
{
	const char *ks = NULL, *at;
	size_t n = 0;

	*out = NULL;
	for (at = strstr(value, KSRC); at; at = strstr(at + 1, KSRC))
		n++;
	if (n && kernel_source(s, &ks, err))
		return -1;
	*out = malloc(strlen(value) + n * (ks ? strlen(ks) : 0) + 1);
	if (!*out)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	**out = '\0';
	for (const char *p = value; *p;) {
		at = strstr(p, KSRC);
		if (!at) {
			strcat(*out, p);
			break;
		}
		strncat(*out, p, (size_t)(at - p));
		strcat(*out, ks);
		p = at + strlen(KSRC);
	}
	return 0;
}

/* The disks made or found by this process, by the directory as named:
 * every later boot of a sweep gets the same image, so a tree that changes
 * meanwhile (/etc does) is still the same files in every variant. */
static struct treedisk *known;
static size_t nknown;

static int tree_once(const char *dir, uint64_t max, struct treedisk *t, struct herr *err)
{
	struct treedisk *g;

	for (size_t i = 0; i < nknown; i++)
		if (!strcmp(known[i].named, dir)) {
			*t = known[i];
			t->cached = 1;
			return 0;
		}
	if (treedisk_ensure(dir, max, t, err)) {
		treedisk_free(t);
		return -1;
	}
	g = realloc(known, (nknown + 1) * sizeof(*g));
	if (!g)
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	known = g;
	known[nknown++] = *t;	/* kept for the process: t's strings are shared */
	return 0;
}

/* The disk of dir in the plan (once per boot); its real path, where the
 * guest mounts it, appended to *roots. */
static int add_tree(struct qemu_session *s, struct boot_plan *p, const char *dir, char **roots,
		    struct herr *err)
{
	char *joined;
	struct treedisk t;
	uint64_t max = qemu_size_bytes(s->opts.tree_max && *s->opts.tree_max ? s->opts.tree_max
				  : TREEDISK_MAX_DEFAULT);
	int rc = tree_once(dir, max, &t, err);

	joined = rc ? NULL : kfs_fmt("%s%s%s", *roots ? *roots : "", *roots ? ":" : "", t.root);
	if (!rc && !joined)
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	if (!rc) {
		free(*roots);
		*roots = joined;
	}
	for (size_t i = 0; !rc && i < p->ntrees; i++)
		if (!strcmp(p->tree_dirs[i], t.root))
			return 0;
	if (!rc && s->opts.progress)
		fprintf(s->opts.progress, "harness: qemu: tree %s: %s disk %s (%llu files, %llu bytes, "
			"%.2f s)\n", t.root, t.cached ? "cached" : "built", t.key,
			(unsigned long long)t.files, (unsigned long long)t.file_bytes, t.seconds);
	if (!rc && bootplan_add_tree(p, t.root, t.image))
		rc = herr_set(err, EXIT_RUNTIME, "out of memory");
	return rc;
}

/* The expanded value in the cell's key=value list and its parameters. */
static int rewrite(struct boot_cell *c, const char *param, const char *value, json_t *params,
		   struct herr *err)
{
	size_t n = strlen(param);
	char *kv = kfs_fmt("%s=%s", param, value), *text;

	json_object_set_new(params, param, json_string(value));
	text = json_dumps(params, JSON_COMPACT);
	if (!kv || !text) {
		free(kv);
		free(text);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	free(c->params_json);
	c->params_json = text;
	for (size_t i = 0; i < c->nparams; i++)
		if (!strncmp(c->params[i], param, n) && c->params[i][n] == '=') {
			free(c->params[i]);
			c->params[i] = kv;
			return 0;
		}
	char **g = realloc(c->params, (c->nparams + 2) * sizeof(*g));

	if (!g) {
		free(kv);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	c->params = g;
	g[c->nparams++] = kv;
	g[c->nparams] = NULL;
	return 0;
}

static int cell_trees(struct qemu_session *s, struct boot_plan *p, struct boot_cell *c,
		      struct herr *err)
{
	const char *param = tree_param(c->workload), *value;
	json_t *params = param && c->params_json ? json_loads(c->params_json, 0, NULL) : NULL;
	char *full = NULL, *roots = NULL;
	int rc = 0;

	if (!params)
		return 0;
	value = json_string_value(json_object_get(params, param));
	if (value)
		rc = expand(s, value, &full, err);
	for (const char *d = full; !rc && d && *d; d += strcspn(d, ":"), d += *d == ':') {
		char *dir = kfs_fmt("%.*s", (int)strcspn(d, ":"), d);

		rc = dir ? add_tree(s, p, dir, &roots, err) : herr_set(err, EXIT_RUNTIME, "out of memory");
		free(dir);
	}
	/* Expanded and resolved: the guest has the disks at their real paths only. */
	if (!rc && roots && strcmp(roots, value))
		rc = rewrite(c, param, roots, params, err);
	free(full);
	free(roots);
	json_decref(params);
	return rc ? herr_wrap(err, "%s %s", c->workload, param) : 0;
}

int qemu_plan_trees(struct qemu_session *s, struct boot_plan *p, struct herr *err)
{
	for (size_t i = 0; i < p->ncells; i++)
		if (cell_trees(s, p, &p->cells[i], err))
			return -1;
	return 0;
}
