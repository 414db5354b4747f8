/* harness kernel build|list|show|clean: the arm64 kernel variants of
 * kernels/variants/NAME.ini, built into a cache (harness/kernel/). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kernel/build.h"
#include "kernel/fsutil.h"
#include "kernel/kconfig.h"

/* One option table for all subcommands (cli_parse lets options follow
 * arguments, so `kernel build 4k --source X` parses at this level);
 * struct sub says which options each subcommand takes. */
struct kernel_opts {
	const char *source, *ref, *patches;
	long long jobs;		/* 0: online CPUs */
	int force, quiet, all;
};

static const struct opt_spec kernel_opts[] = {
	OPT_STR("source", 's', struct kernel_opts, source, "PKG|DIR|TARBALL", NULL,
		"build, list, show, clean: a Debian source package (linux-source-7.2), kernel git "
		"tree, directory or tarball instead of the variant's source (default: the variant's "
		"source =, else $HARNESS_KERNEL_SOURCE, else " KSOURCE_PACKAGE ")"),
	OPT_STR("ref", 0, struct kernel_opts, ref, "REF", NULL,
		"build, list, show, clean: with --source GIT-TREE, build this commit, tag or "
		"branch (archived into the cache; the tree is not checked out)"),
	OPT_STR("patches", 0, struct kernel_opts, patches, "PATH", NULL,
		"build, show: patch series (directory, quilt series file or one patch) "
		"instead of the variant's"),
	OPT_NUM("jobs", 'j', struct kernel_opts, jobs, "N", NULL, 1, 4096,
		"build: make -j N (default: online CPUs)"),
	OPT_BOOL("force", 0, struct kernel_opts, force, "build: build even when the cache has the kernel"),
	OPT_BOOL("quiet", 'q', struct kernel_opts, quiet, "build: no progress lines, even on a terminal"),
	OPT_BOOL("all", 0, struct kernel_opts, all, "clean: also remove the extracted kernel sources"),
};

static const struct kernel_opts *O(const struct cmd_ctx *ctx)
{
	return ctx->opts;
}

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

static void fmt_duration(double s, char *buf, size_t size)
{
	int t = (int)(s + 0.5);

	if (t >= 60)
		snprintf(buf, size, "%dm%02ds", t / 60, t % 60);
	else
		snprintf(buf, size, "%.1fs", s);
}

static int build_run(struct cmd_ctx *ctx, struct herr *err)
{
	struct kbuild_opts o = {
		.source = O(ctx)->source, .ref = O(ctx)->ref, .patches = O(ctx)->patches,
		.jobs = (int)O(ctx)->jobs, .force = O(ctx)->force,
		.progress = !O(ctx)->quiet && isatty(2), .install = 1,
	};
	const char *name = ctx->argv[0];
	struct kbuild b;
	char took[32], reuse[96] = "";
	int hit, rc = -1;

	if (kbuild_plan(name, &o, &b, err))
		goto out;
	hit = b.cached && !o.force;
	if (b.v->base != b.v)
		snprintf(reuse, sizeof(reuse), " (the %.64s kernel)", b.v->base->name);
	if (kbuild_run(&b, &o, err))
		goto out;
	fmt_duration(b.seconds, took, sizeof(took));
	if (hit)
		fprintf(stderr, "kernel %s%s: cached, key %s\n", b.v->name, reuse, b.key);
	else
		fprintf(stderr, "kernel %s%s: built in %s, key %s, log %s/build.log\n", b.v->name,
			reuse, took, b.key, b.entry);
	printf("%s\n", b.image);
	rc = 0;
out:
	if (rc)
		herr_wrap(err, "kernel build %s", name);
	kbuild_free(&b);
	return rc;
}

/* The base page size a variant's fragments ask for ("4K"), or "?". */
static const char *page_size(const struct kvariant *v)
{
	static const char *const sizes[][2] = {
		{ "ARM64_4K_PAGES", "4K" }, { "ARM64_16K_PAGES", "16K" }, { "ARM64_64K_PAGES", "64K" },
	};
	const struct kvariant *b = v->base;
	struct kopts o = { 0 };
	struct herr ignored;
	const char *found = "?";

	for (size_t i = 0; i < b->nfragments; i++) {
		char *p = kvariant_fragment_path(b, b->fragments[i]);

		if (p)
			kconfig_read_fragment(p, &o, &ignored);
		free(p);
	}
	for (size_t i = 0; i < o.n; i++)
		for (size_t k = 0; k < 3; k++)
			if (o.v[i].val && !strcmp(o.v[i].sym, sizes[k][0]))
				found = sizes[k][1];
	kconfig_free(&o);
	return found;
}

static void list_one(const char *name, const struct kbuild_opts *o, char **notes)
{
	struct herr err = { 0 };
	struct kvariant *v = kvariant_load(name, &err);
	struct kbuild b;
	const char *state = "invalid";

	if (v) {
		state = kbuild_plan(name, o, &b, &err) ? "unavailable" :
			b.cached ? "built" : "not built";
		kbuild_free(&b);
	}
	printf("%-16s %-8s %-5s %-12s %s\n", name, !v ? "?" : v->kernel ? v->kernel : "own",
	       v ? page_size(v) : "?", state, v && v->description ? v->description : "");
	if (err.msg[0]) {
		char *more = kfs_fmt("%s  %s: %s\n", *notes, name, err.msg);

		if (more) {
			free(*notes);
			*notes = more;
		}
	}
	if (v) {
		kvariant_free(v);
		free(v);
	}
}

static int list_run(struct cmd_ctx *ctx, struct herr *err)
{
	struct kbuild_opts o = { .source = O(ctx)->source, .ref = O(ctx)->ref };
	const char *kdir = kvariant_kdir();
	char **names, *notes = strdup(""), *cache = kbuild_cache_dir();
	size_t n;

	if (!kdir)
		return herr_set(err, EXIT_USAGE, "kernel list: no kernels directory found "
				"(run from the harness tree or set HARNESS_KERNELS=DIR)");
	if (kvariant_names(kdir, &names, &n, err))
		return herr_wrap(err, "kernel list");
	printf("%-16s %-8s %-5s %-12s %s\n", "VARIANT", "KERNEL", "PAGE", "STATUS", "DESCRIPTION");
	for (size_t i = 0; i < n; i++)
		list_one(names[i], &o, &notes);
	if (notes && *notes)
		printf("\nunavailable or invalid:\n%s", notes);
	printf("\nvariants: %s/variants; cache: %s\n", kdir, cache ? cache : "?");
	kvariant_free_names(names, n);
	free(notes);
	free(cache);
	return 0;
}

static void show_variant(const struct kvariant *v)
{
	const struct kvariant *b = v->base;
	printf("%-12s %s\n%-12s %s\n", "variant", v->name, "file", v->file);
	printf("%-12s %s\n", "description", v->description ? v->description : "");
	if (b != v)
		printf("%-12s %s (reuses its build: %s)\n", "kernel", b->name, b->file);
	else
		printf("%-12s own build\n", "kernel");
	printf("%-12s", "fragments");
	for (size_t i = 0; i < b->nfragments; i++)
		printf(" %s", b->fragments[i]);
	printf("\n%-12s %s\n", "page size", page_size(v));
	printf("%-12s %s\n", "cmdline", v->cmdline ? v->cmdline : "");
	for (size_t i = 0; i < v->nknobs; i++)
		printf("%-12s %s=%s\n", "knob", v->knobs[i].path, v->knobs[i].value);
	if (!v->nknobs)
		printf("%-12s (none)\n", "knob");
	printf("%-12s %s", "launcher", launch_kinds[v->launcher.kind].name);
	for (size_t i = 0; i < v->launcher.nargs; i++)
		printf(" %s", v->launcher.args[i]);
	putchar('\n');
	if (v->npage_sizes) {
		printf("%-12s", "page sizes");
		for (size_t i = 0; i < v->npage_sizes; i++)
			printf(" %s", v->page_sizes[i]);
		putchar('\n');
	}
}

static void show_build(const struct kbuild *b)
{
	static const char *const kinds[] = { "tarball", "git tree", "directory", "git ref" };

	for (size_t i = 0; i < b->nfrags; i++)
		printf("%-12s %s\n", "fragment", b->frags[i]);
	for (size_t i = 0; i < b->npatches; i++)
		printf("%-12s %s (-p%d)\n", "patch", b->patches[i].path, b->patches[i].strip);
	if (!b->npatches)
		printf("%-12s (none)\n", "patch");
	printf("%-12s %s (%s: %s)\n", "source", b->src.describe, kinds[b->src.kind], b->src.path);
	if (b->source_where)
		printf("%-12s %s\n", "named by", b->source_where);
	if (b->v->requires_file)
		printf("%-12s %s ('%s' in %s; checked before a build)\n", "requires",
		       b->v->requires_about ? b->v->requires_about : "", b->v->requires_text,
		       b->v->requires_file);
	printf("%-12s %s\n%-12s %s\n", "toolchain", b->toolchain, "key", b->key);
	if (b->cached)
		printf("%-12s %s\n", "image", b->image);
	else
		printf("%-12s not built ('harness kernel build %s')\n", "image", b->v->name);
}

/* Every fragment the build would merge exists and parses: a variant that
 * cannot be built because of its own file is an input error, not a note. */
static int check_fragments(const struct kvariant *v, struct herr *err)
{
	const struct kvariant *b = v->base;

	for (size_t i = 0; i < b->nfragments; i++) {
		char *p = kvariant_fragment_path(b, b->fragments[i]);
		struct kopts o = { 0 };
		int rc;

		if (!p)
			return herr_set(err, EXIT_USAGE, "%s:%d: fragment '%s': no such fragment "
					"(fragments/%s.config)", b->file, b->fragments_line,
					b->fragments[i], b->fragments[i]);
		rc = kconfig_read_fragment(p, &o, err);
		kconfig_free(&o);
		free(p);
		if (rc)
			return herr_wrap(err, "%s:%d: fragment '%s'", b->file, b->fragments_line,
					 b->fragments[i]);
	}
	return 0;
}

static int show_run(struct cmd_ctx *ctx, struct herr *err)
{
	struct kbuild_opts o = { .source = O(ctx)->source, .ref = O(ctx)->ref, .patches = O(ctx)->patches };
	struct kvariant *v = kvariant_load(ctx->argv[0], err);
	struct kbuild b;
	struct herr perr = { 0 };

	if (!v)
		return herr_wrap(err, "kernel show %s", ctx->argv[0]);
	if (check_fragments(v, err)) {
		kvariant_free(v);
		free(v);
		return herr_wrap(err, "kernel show %s", ctx->argv[0]);
	}
	show_variant(v);
	/* What the build would use: a variant whose series or source is
	 * missing still shows, with the reason it cannot be built. */
	if (kbuild_plan(ctx->argv[0], &o, &b, &perr))
		printf("%-12s cannot build: %s\n", "build", perr.msg);
	else
		show_build(&b);
	kbuild_free(&b);
	kvariant_free(v);
	free(v);
	return 0;
}

/* Remove every entry of dir not starting with '.' (temporary entries of
 * running builds do); add up what was freed. */
static int remove_entries(const char *dir, uint64_t *bytes)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = kfs_join(dir, de->d_name);
		if (p) {
			*bytes += kfs_du(p);
			n += kfs_rm_rf(p) == 0;
		}
		free(p);
	}
	closedir(d);
	return n;
}

static int clean_one(struct cmd_ctx *ctx, struct herr *err)
{
	struct kbuild_opts o = { .source = O(ctx)->source, .ref = O(ctx)->ref };
	struct kbuild b;
	int rc = -1;

	if (kbuild_plan(ctx->argv[0], &o, &b, err))
		herr_wrap(err, "kernel clean %s", ctx->argv[0]);
	else if (!kfs_is_dir(b.entry))
		rc = printf("kernel %s: not in the cache (key %s)\n", b.v->name, b.key) < 0;
	else {
		uint64_t bytes = kfs_du(b.entry);

		if (kfs_rm_rf(b.entry))
			herr_errno(err, EXIT_RUNTIME, "kernel clean: cannot remove %s", b.entry);
		else
			rc = printf("removed %s (%.1f MiB)\n", b.entry, bytes / 1048576.0) < 0;
	}
	kbuild_free(&b);
	return rc;
}

static int clean_run(struct cmd_ctx *ctx, struct herr *err)
{
	char *kc, *builds, *failed, *src;
	uint64_t bytes = 0;
	int n, nsrc = 0;

	if (ctx->argc == 1)
		return clean_one(ctx, err);
	kc = kbuild_cache_dir();
	builds = kc ? kfs_join(kc, "builds") : NULL;
	failed = kc ? kfs_join(kc, "failed") : NULL;
	src = kc ? kfs_join(kc, "src") : NULL;
	if (!src) {
		free(kc);
		free(builds);
		free(failed);
		return herr_set(err, EXIT_RUNTIME, "out of memory");
	}
	n = remove_entries(builds, &bytes);
	kfs_clean_stale(builds, ".tmp-");	/* only builds whose process died */
	kfs_rm_rf(failed);
	if (O(ctx)->all) {
		nsrc = remove_entries(src, &bytes);
		kfs_clean_stale(src, ".tmp-");
	}
	printf("removed %d build%s%s%s from %s (%.1f MiB)\n", n, n == 1 ? "" : "s",
	       O(ctx)->all ? " and " : "",
	       O(ctx)->all ? (nsrc == 1 ? "1 source" : "the sources") : "", kc,
	       bytes / 1048576.0);
	free(kc);
	free(builds);
	free(failed);
	free(src);
	return 0;
}

struct sub {
	const char *name;
	const char *usage;	/* for errors */
	int min_args, max_args;
	const char *opts;	/* options it takes, " name " separated */
	int (*run)(struct cmd_ctx *ctx, struct herr *err);
};

static const struct sub subs[] = {
	{ "build", "build VARIANT", 1, 1, " source ref patches jobs force quiet ", build_run },
	{ "list", "list", 0, 0, " source ref ", list_run },
	{ "show", "show VARIANT", 1, 1, " source ref patches ", show_run },
	{ "clean", "clean [VARIANT]", 0, 1, " source ref all ", clean_run },
};

static int check_sub(const struct sub *s, struct cmd_ctx *ctx, struct herr *err)
{
	for (size_t i = 0; i < NOPTS(kernel_opts); i++) {
		char word[40];

		snprintf(word, sizeof(word), " %s ", kernel_opts[i].name);
		if (ctx->given[i] && !strstr(s->opts, word))
			return herr_set(err, EXIT_USAGE, "kernel %s: --%s does not apply "
					"(see 'harness kernel --help')", s->name, kernel_opts[i].name);
	}
	if (ctx->argc < s->min_args || ctx->argc > s->max_args)
		return herr_set(err, EXIT_USAGE, "kernel %s: expected 'harness kernel %s'", s->name,
				s->usage);
	return 0;
}

static int kernel_run(struct cmd_ctx *ctx, struct herr *err)
{
	const char *name = ctx->argv[0];

	for (size_t i = 0; i < NOPTS(subs); i++) {
		if (strcmp(subs[i].name, name))
			continue;
		ctx->argc--;
		ctx->argv++;
		if (check_sub(&subs[i], ctx, err))
			return -1;
		return subs[i].run(ctx, err);
	}
	return herr_set(err, EXIT_USAGE, "kernel: unknown subcommand '%s' (build, list, show, clean; "
			"see 'harness kernel --help')", name);
}

const struct cmd_spec cmd_kernel = {
	.name = "kernel",
	.synopsis = "build|list|show|clean [ARG]...",
	.summary = "build arm64 kernel variants (4K, 16K, 64K, mTHP, PPS) into a build cache",
	.description =
		"harness kernel build VARIANT [--source PKG|DIR|TARBALL [--ref REF]] [--patches PATH] [-j N] [--force] [-q]\n"
		"    Build the variant's kernel (cross compiling for arm64 unless the host is\n"
		"    arm64), or find it in the cache; print the Image path on stdout.\n"
		"harness kernel list [--source ...]\n"
		"    The variants in kernels/variants/ and whether each is built.\n"
		"harness kernel show VARIANT [--source ...] [--patches PATH]\n"
		"    Fragments, patches, cmdline, knobs, launcher, cache key and Image.\n"
		"harness kernel clean [VARIANT] [--all]\n"
		"    Remove one variant's build, or all builds (and with --all the\n"
		"    extracted sources).\n"
		"\n"
		"A variant's source is its file's `source =` (a Debian package such as\n"
		"linux-source-7.2, a tarball, or a tree with `ref =`), else Debian's\n"
		"linux-source-6.12 tarball; tarballs are extracted once into the cache\n"
		"($HARNESS_CACHE/kernels, default ~/.cache/harness/kernels), where\n"
		"scripts/install-deps kernel also puts linux-source-7.N (sources/).\n"
		"docs/kernels.md describes the variants, how to add one and how to supply the\n"
		"PPS and mTHP collapse series.",
	.opts = kernel_opts,
	.nopts = NOPTS(kernel_opts),
	.opts_size = sizeof(struct kernel_opts),
	.min_args = 1,
	.max_args = -1,
	.run = kernel_run,
};
