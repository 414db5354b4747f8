/* Variant files: parsing, validation, reuse chains, series resolution. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "core/fileio.h"
#include "core/launcher.h"
#include "fsutil.h"
#include "core/names.h"
#include "variant.h"

/* Parser state. inih does not tell the handler the line number, so lines
 * are fed through our own reader, which counts them. */
struct pstate {
	FILE *f;
	const char *file;
	int line;
	struct kvariant *v;
	struct herr *err;
	int failed;
	int seen_line[16];	/* line where each single-valued key was set */
};

static int fail(struct pstate *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* inih reports a malformed line only by number, after the fact: catch it
 * here to quote it. A line starting with a blank is a continuation. */
static void check_syntax(struct pstate *ps, const char *line)
{
	size_t n = strcspn(line, "\r\n");

	if (!n || strchr(" \t;#", line[0]))
		return;
	if (line[0] == '[' ? line[n - 1] != ']' : !memchr(line, '=', n) && !memchr(line, ':', n))
		fail(ps, "'%.*s': not 'key = value' or '[section]'", (int)(n > 200 ? 200 : n), line);
}

static char *reader(char *str, int num, void *stream)
{
	struct pstate *ps = stream;
	size_t n;

	if (!fgets(str, num, ps->f))
		return NULL;
	ps->line++;
	n = strlen(str);
	if (n && str[n - 1] != '\n' && !feof(ps->f)) {
		int c;

		/* Swallow the rest so the next call starts on the next line. */
		while ((c = fgetc(ps->f)) != EOF && c != '\n')
			;
		fail(ps, "line longer than %d characters", num - 2);
	}
	check_syntax(ps, str);
	return str;
}

static int fail(struct pstate *ps, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (ps->failed)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	herr_set(ps->err, EXIT_USAGE, "%s:%d: %s", ps->file, ps->line, msg);
	ps->failed = 1;
	return 0;
}

/* Split on blanks into a fresh NULL-terminated array. */
static char **split_words(const char *s, size_t *n)
{
	char **out = NULL;
	size_t k = 0;

	for (;;) {
		s += strspn(s, " \t");
		if (!*s)
			break;
		size_t len = strcspn(s, " \t");
		char **grown = realloc(out, (k + 2) * sizeof(*out));

		if (!grown)
			break;
		out = grown;
		out[k++] = strndup(s, len);
		s += len;
	}
	if (out)
		out[k] = NULL;
	*n = k;
	return out;
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

static ssize_t knob_index(const struct kvariant *v, const char *path)
{
	for (size_t i = 0; i < v->nknobs; i++)
		if (!strcmp(v->knobs[i].path, path))
			return (ssize_t)i;
	return -1;
}

static int parse_knob(struct pstate *ps, const char *value)
{
	const char *eq = strchr(value, '=');
	struct kvariant *v = ps->v;

	if (!eq || eq == value || !eq[1])
		return fail(ps, "knob '%s': expected PATH=VALUE", value);
	char *path = strndup(value, (size_t)(eq - value));

	if (strncmp(path, "/sys/", 5) && strncmp(path, "/proc/sys/", 10)) {
		fail(ps, "knob '%s': path must be under /sys/ or /proc/sys/", value);
	} else if (strstr(path, "/../") || strpbrk(path, " \t")) {
		fail(ps, "knob '%s': path must not contain '..' or blanks", value);
	} else if (knob_index(v, path) >= 0) {
		/* Which of two values would win is no one's guess to make. */
		fail(ps, "knob '%s': %s is already set in this file (to '%s')", value, path,
		     v->knobs[knob_index(v, path)].value);
	} else {
		struct kknob *grown = realloc(v->knobs, (v->nknobs + 1) * sizeof(*grown));

		if (grown) {
			v->knobs = grown;
			v->knobs[v->nknobs].path = path;
			v->knobs[v->nknobs++].value = strdup(eq + 1);
			return 1;
		}
	}
	free(path);
	return 0;
}

/* The launcher's words, checked against the one table of kinds
 * (core/launcher.c), kept without the kind word. */
static int parse_launcher(struct pstate *ps, const char *value)
{
	struct klauncher *l = &ps->v->launcher;
	struct herr e = { 0 };
	enum launch_kind kind;
	char **w;
	size_t nw;

	if (launcher_parse(value, &w, &nw, &kind, &e))
		return fail(ps, "%s", e.msg);
	l->kind = kind;
	free(w[0]);
	memmove(w, w + 1, nw * sizeof(*w));	/* keeps the NULL terminator */
	l->args = w;
	l->nargs = nw - 1;
	ps->v->has_launcher = 1;
	return 1;
}

static int parse_page_sizes(struct pstate *ps, const char *value)
{
	size_t n;
	char **w = split_words(value, &n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(w[i], "4k") && strcmp(w[i], "16k") && strcmp(w[i], "64k")) {
			fail(ps, "page_sizes '%s': '%s' is not 4k, 16k or 64k", value, w[i]);
			free_words(w, n);
			return 0;
		}
	if (!n)
		return fail(ps, "page_sizes is empty");
	ps->v->page_sizes = w;
	ps->v->npage_sizes = n;
	return 1;
}

static int parse_fragments(struct pstate *ps, const char *value)
{
	size_t n;
	char **w = split_words(value, &n);

	for (size_t i = 0; i < n; i++)
		if (!strchr(w[i], '/') && !name_valid(w[i])) {
			fail(ps, "fragments: '%s' is not a fragment name (letters, digits, . _ -) or a path",
			     w[i]);
			free_words(w, n);
			return 0;
		}
	if (!n)
		return fail(ps, "fragments is empty");
	ps->v->fragments = w;
	ps->v->nfragments = n;
	ps->v->fragments_line = ps->line;
	return 1;
}

/* "FILE TEXT": FILE of the source tree (relative, no "..") must contain
 * TEXT. Decided from the tree, not from a version number. */
static int parse_requires(struct pstate *ps, const char *value)
{
	size_t n = strcspn(value, " \t");
	const char *text = value + n + strspn(value + n, " \t");

	if (!n || !*text)
		return fail(ps, "requires '%s': expected FILE TEXT (a file of the kernel tree and "
			    "the text it must contain)", value);
	ps->v->requires_file = strndup(value, n);
	if (value[0] == '/' || strstr(ps->v->requires_file, ".."))
		return fail(ps, "requires '%s': the file must be relative to the tree, without '..'",
			    value);
	ps->v->requires_text = strdup(text);
	ps->v->requires_line = ps->line;
	return 1;
}

static int valid_env_name(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* Keys that hold one string; index = bit in seen_line. */
static const char *const single_keys[] = {
	"name", "description", "kernel", "fragments", "patches", "patches_env",
	"patches_about", "cmdline", "launcher", "page_sizes", "source", "ref", "requires",
	"requires_about",
};
#define NSINGLE (sizeof(single_keys) / sizeof(single_keys[0]))

static char **single_slot(struct kvariant *v, size_t i)
{
	char **slots[] = { NULL, &v->description, &v->kernel, NULL, &v->patches,
			   &v->patches_env, &v->patches_about, &v->cmdline, NULL, NULL,
			   &v->source, &v->ref, NULL, &v->requires_about };

	return slots[i];
}

static int set_single(struct pstate *ps, size_t i, const char *value)
{
	struct kvariant *v = ps->v;
	char **slot = single_slot(v, i);

	if (ps->seen_line[i])
		return fail(ps, "'%s' given twice (first on line %d)", single_keys[i],
			    ps->seen_line[i]);
	ps->seen_line[i] = ps->line;
	if (!strcmp(single_keys[i], "name")) {
		if (strcmp(value, v->name))
			return fail(ps, "name '%s' differs from the file name '%s'", value, v->name);
		return 1;
	}
	if (!strcmp(single_keys[i], "kernel")) {
		if (!name_valid(value))
			return fail(ps, "kernel '%s': not a variant name", value);
		v->kernel_line = ps->line;
	}
	if (!strcmp(single_keys[i], "patches"))
		v->patches_line = ps->line;
	if (!strcmp(single_keys[i], "patches_env") && !valid_env_name(value))
		return fail(ps, "patches_env '%s': not an environment variable name", value);
	if (!strcmp(single_keys[i], "fragments"))
		return parse_fragments(ps, value);
	if (!strcmp(single_keys[i], "launcher"))
		return parse_launcher(ps, value);
	if (!strcmp(single_keys[i], "page_sizes"))
		return parse_page_sizes(ps, value);
	if (!strcmp(single_keys[i], "requires"))
		return parse_requires(ps, value);
	if (!strcmp(single_keys[i], "source")) {
		v->source_line = ps->line;
		v->source_file = strdup(ps->file);
	}
	if (!strcmp(single_keys[i], "ref"))
		v->ref_line = ps->line;
	if (!*value && strcmp(single_keys[i], "patches") && strcmp(single_keys[i], "cmdline"))
		return fail(ps, "'%s' is empty", single_keys[i]);
	*slot = strdup(value);
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct pstate *ps = user;

	if (ps->failed)
		return 0;
	if (strcmp(section, "variant"))
		return fail(ps, "'%s = %s' outside the [variant] section%s%s%s", name, value,
			    *section ? " (in [" : "", section, *section ? "])" : "");
	if (!strcmp(name, "knob"))
		return parse_knob(ps, value);
	for (size_t i = 0; i < NSINGLE; i++)
		if (!strcmp(name, single_keys[i]))
			return set_single(ps, i, value);
	return fail(ps, "unknown key '%s' (value '%s'); see docs/kernels.md", name, value);
}

/* Rules that concern the file as a whole, checked after the last line. */
static int check_whole(struct pstate *ps)
{
	struct kvariant *v = ps->v;

	if (v->kernel && (v->fragments || v->patches)) {
		ps->line = v->kernel_line;
		return fail(ps, "'kernel = %s' reuses that variant's build: it cannot have "
			    "its own fragments or patches", v->kernel);
	}
	if (!v->kernel && !v->fragments)
		return fail(ps, "no 'fragments' (or 'kernel = VARIANT' to reuse a build)");
	if (v->ref && !v->source) {
		ps->line = v->ref_line;
		return fail(ps, "'ref = %s' without 'source' (the git repository it is a ref of)", v->ref);
	}
	if (v->kernel && !strcmp(v->kernel, v->name)) {
		ps->line = v->kernel_line;
		return fail(ps, "'kernel = %s' names the variant itself", v->kernel);
	}
	return 1;
}

static char *base_name(const char *file)
{
	const char *b = strrchr(file, '/');
	size_t n;

	b = b ? b + 1 : file;
	n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".ini"))
		n -= 4;
	return strndup(b, n);
}

/* Drop the last path component: "a/b" -> "a", "b" -> ".", "/b" -> "/". */
static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!strcmp(path, ".") || !strcmp(path, "..") ||
	    (slash && !strcmp(slash, "/..")))
		return kfs_join(path, "..");
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* The kernels directory of a variant file: the parent of its directory. */
static char *kdir_of(const char *file)
{
	char *dir = parent_dir(file);
	char *kdir = dir ? parent_dir(dir) : NULL;

	free(dir);
	return kdir;
}

int kvariant_parse(const char *file, struct kvariant *v, struct herr *err)
{
	struct pstate ps = { .file = file, .v = v, .err = err };
	int rc;

	memset(v, 0, sizeof(*v));
	v->file = strdup(file);
	v->name = base_name(file);
	v->kdir = kdir_of(file);
	ps.f = file_open_regular(file);
	if (!ps.f) {
		rc = errno == EINVAL ? herr_set(err, EXIT_USAGE, "variant file %s: not a regular file", file)
				     : herr_errno(err, EXIT_USAGE, "variant file %s", file);
		kvariant_free(v);	/* as on every other failure */
		return rc;
	}
	rc = ini_parse_stream(reader, &ps, handler, &ps);
	fclose(ps.f);
	if (!ps.failed && rc > 0) {
		ps.line = rc;
		fail(&ps, "not 'key = value' or '[section]'");
	}
	if (!ps.failed && rc < 0)
		herr_set(err, EXIT_RUNTIME, "%s: out of memory", file);
	if (ps.failed || rc < 0 || !check_whole(&ps)) {
		kvariant_free(v);
		return -1;
	}
	if (!v->has_launcher)
		v->launcher.kind = LAUNCH_EXEC;
	return 0;
}

char **kvariant_launcher_words(const struct kvariant *v, size_t *n)
{
	char **w = calloc(v->launcher.nargs + 2, sizeof(*w));

	*n = 0;
	if (!w || !(w[0] = strdup(launch_kinds[v->launcher.kind].name))) {
		free(w);
		return NULL;
	}
	for (*n = 1; *n <= v->launcher.nargs; ++*n)
		if (!(w[*n] = strdup(v->launcher.args[*n - 1]))) {
			free_words(w, *n);
			return NULL;
		}
	return w;
}

static void free_fields(struct kvariant *v)
{
	free(v->name);
	free(v->file);
	free(v->kdir);
	free(v->description);
	free(v->kernel);
	free_words(v->fragments, v->nfragments);
	free(v->patches);
	free(v->patches_env);
	free(v->patches_about);
	free(v->cmdline);
	free(v->source);
	free(v->ref);
	free(v->source_file);
	free(v->requires_file);
	free(v->requires_text);
	free(v->requires_about);
	for (size_t i = 0; i < v->nknobs; i++) {
		free(v->knobs[i].path);
		free(v->knobs[i].value);
	}
	free(v->knobs);
	free_words(v->launcher.args, v->launcher.nargs);
	free_words(v->page_sizes, v->npage_sizes);
	memset(v, 0, sizeof(*v));
}

void kvariant_free(struct kvariant *v)
{
	if (!v)
		return;
	if (v->base && v->base != v) {
		kvariant_free(v->base);
		free(v->base);
	}
	free_fields(v);
}

const char *kvariant_kdir(void)
{
	static char found[PATH_MAX];
	const char *env = getenv("HARNESS_KERNELS");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return env;
	if (found[0])
		return found;
	if (kfs_is_dir("kernels/variants"))
		return strcpy(found, "kernels");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	/* build dir inside the repository, or an installed bin/ directory */
	snprintf(found, sizeof(found), "%.4000s/../kernels", exe);
	if (!kfs_is_dir(found))
		snprintf(found, sizeof(found), "%.4000s/../share/harness/kernels", exe);
	if (!kfs_is_dir(found))
		found[0] = '\0';
	return found[0] ? found : NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kvariant_names(const char *kdir, char ***names, size_t *n, struct herr *err)
{
	char *dir = kfs_join(kdir, "variants");
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;

	*names = NULL;
	*n = 0;
	if (!d) {
		herr_errno(err, EXIT_USAGE, "cannot list %s", dir ? dir : kdir);
		free(dir);
		return -1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 4 || strcmp(de->d_name + len - 4, ".ini") || de->d_name[0] == '.')
			continue;
		char **grown = realloc(*names, (*n + 1) * sizeof(**names));

		if (!grown)
			break;
		*names = grown;
		(*names)[(*n)++] = strndup(de->d_name, len - 4);
	}
	closedir(d);
	free(dir);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
}

void kvariant_free_names(char **names, size_t n)
{
	free_words(names, n);
}

/* NAME -> <kdir>/variants/NAME.ini; a path (has '/' or ends .ini) as is. */
static char *variant_file(const char *name, struct herr *err)
{
	size_t n = strlen(name);
	const char *kdir;

	if (strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".ini")))
		return strdup(name);
	if (!name_valid(name)) {
		herr_set(err, EXIT_USAGE, "'%s' is not a variant name", name);
		return NULL;
	}
	kdir = kvariant_kdir();
	if (!kdir) {
		herr_set(err, EXIT_USAGE, "no kernels directory with variants/ found "
			 "(run from the harness tree or set HARNESS_KERNELS=DIR)");
		return NULL;
	}
	return kfs_fmt("%s/variants/%s.ini", kdir, name);
}

static struct kvariant *load_one(const char *file, struct herr *err)
{
	struct kvariant *v = calloc(1, sizeof(*v));

	if (!v) {
		herr_set(err, EXIT_RUNTIME, "out of memory");
		return NULL;
	}
	if (!kfs_is_file(file)) {
		struct stat sb;

		if (stat(file, &sb) == 0)
			herr_set(err, EXIT_USAGE, "%s: %s, not a variant file", file,
				 S_ISDIR(sb.st_mode) ? "a directory" : "not a regular file");
		else
			herr_set(err, EXIT_USAGE, "no variant file %s (see 'harness kernel list')", file);
		free(v);
		return NULL;
	}
	if (kvariant_parse(file, v, err)) {
		free(v);
		return NULL;
	}
	return v;
}

/* Knobs of the base first, then the variant's own. */
static int inherit(struct kvariant *v, const struct kvariant *b)
{
	size_t n = b->nknobs + v->nknobs;
	struct kknob *k = n ? calloc(n, sizeof(*k)) : NULL;

	if (n && !k)
		return -1;
	for (size_t i = 0; i < b->nknobs; i++) {
		k[i].path = strdup(b->knobs[i].path);
		k[i].value = strdup(b->knobs[i].value);
	}
	if (v->nknobs)
		memcpy(k + b->nknobs, v->knobs, v->nknobs * sizeof(*k));
	free(v->knobs);
	v->knobs = k;
	v->nknobs = n;
	if (!v->cmdline && b->cmdline)
		v->cmdline = strdup(b->cmdline);
	if (!v->source && b->source) {
		v->source = strdup(b->source);
		v->ref = b->ref ? strdup(b->ref) : NULL;
		free(v->source_file);
		v->source_file = strdup(b->source_file);
		v->source_line = b->source_line;
		v->ref_line = b->ref_line;
	}
	if (!v->has_launcher && b->has_launcher) {
		v->launcher.kind = b->launcher.kind;
		v->launcher.nargs = b->launcher.nargs;
		v->launcher.args = calloc(b->launcher.nargs + 1, sizeof(char *));
		for (size_t i = 0; v->launcher.args && i < b->launcher.nargs; i++)
			v->launcher.args[i] = strdup(b->launcher.args[i]);
		v->has_launcher = 1;
	}
	return 0;
}

/* The file of variant NAME next to v; for a variant file kept outside a
 * kernels directory, the default kernels directory's. */
static char *sibling_variant(const struct kvariant *v, const char *name)
{
	char *file = kfs_fmt("%s/variants/%s.ini", v->kdir, name);
	const char *kdir = kvariant_kdir();

	if (file && !kfs_is_file(file) && kdir) {
		char *std = kfs_fmt("%s/variants/%s.ini", kdir, name);

		if (std && kfs_is_file(std)) {
			free(file);
			return std;
		}
		free(std);
	}
	return file;
}

/* Follow `kernel =` until a variant that builds its own kernel. */
static struct kvariant *load_base(struct kvariant *v, struct herr *err)
{
	struct kvariant *cur = v;

	for (int depth = 0; cur->kernel; depth++) {
		char *file = sibling_variant(v, cur->kernel);
		struct kvariant *next;

		if (depth == 8) {
			free(file);
			herr_set(err, EXIT_USAGE, "%s:%d: 'kernel = %s': reuse chain longer than 8 "
				 "(a cycle?)", v->file, v->kernel_line, v->kernel);
			break;
		}
		next = file ? load_one(file, err) : NULL;
		free(file);
		if (!next) {
			herr_wrap(err, "%s:%d: 'kernel = %s'", cur->file, cur->kernel_line, cur->kernel);
			break;
		}
		if (cur != v) {
			kvariant_free(cur);
			free(cur);
		}
		cur = next;
	}
	if (!cur->kernel)
		return cur;
	if (cur != v) {
		kvariant_free(cur);
		free(cur);
	}
	return NULL;
}

struct kvariant *kvariant_load(const char *name, struct herr *err)
{
	char *file = variant_file(name, err);
	struct kvariant *v = file ? load_one(file, err) : NULL;

	free(file);
	if (!v)
		return NULL;
	if (!v->kernel) {
		v->base = v;
		return v;
	}
	v->base = load_base(v, err);
	if (!v->base || inherit(v, v->base)) {
		if (v->base)
			herr_set(err, EXIT_RUNTIME, "out of memory");
		kvariant_free(v);
		free(v);
		return NULL;
	}
	return v;
}

char *kvariant_fragment_path(const struct kvariant *v, const char *name)
{
	const char *kdir = kvariant_kdir();
	char *rel, *p;

	if (name[0] == '/')
		return strdup(name);
	if (strchr(name, '/'))
		return kfs_join(v->kdir, name);
	rel = kfs_fmt("fragments/%s.config", name);
	p = rel ? kfs_join(v->kdir, rel) : NULL;
	/* A variant file kept outside a kernels directory still finds the
	 * standard fragments (base, virt, ...). */
	if (p && !kfs_is_file(p) && kdir) {
		char *std = kfs_join(kdir, rel);

		if (std && kfs_is_file(std)) {
			free(p);
			p = std;
		} else {
			free(std);
		}
	}
	free(rel);
	return p;
}

void kseries_free(struct kpatch *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].path);
	free(p);
}

static int add_patch(struct kpatch **out, size_t *n, char *path, int strip)
{
	struct kpatch *grown = realloc(*out, (*n + 1) * sizeof(**out));

	if (!grown || !path) {
		free(path);
		return -1;
	}
	*out = grown;
	grown[*n].path = path;
	grown[(*n)++].strip = strip;
	return 0;
}

static int is_patch_name(const char *s)
{
	size_t n = strlen(s);

	return (n > 6 && !strcmp(s + n - 6, ".patch")) || (n > 5 && !strcmp(s + n - 5, ".diff"));
}

/* One series line: "NAME [-pN]" ("# comment" and blank lines skipped). */
static int series_line(const char *series, int lineno, char *line, const char *dir,
		       struct kpatch **out, size_t *n, struct herr *err)
{
	size_t nw;
	char **w;
	int strip = 1;
	char *path;

	line[strcspn(line, "#\r\n")] = '\0';
	w = split_words(line, &nw);
	if (!nw) {
		free(w);
		return 0;
	}
	if (nw > 2 || (nw == 2 && sscanf(w[1], "-p%d", &strip) != 1)) {
		herr_set(err, EXIT_USAGE, "%s:%d: '%s': expected PATCH [-pN]", series, lineno, line);
		free_words(w, nw);
		return -1;
	}
	path = w[0][0] == '/' ? strdup(w[0]) : kfs_join(dir, w[0]);
	if (path && !kfs_is_file(path)) {
		herr_set(err, EXIT_USAGE, "%s:%d: patch '%s' not found (%s)", series, lineno, w[0], path);
		free(path);
		free_words(w, nw);
		return -1;
	}
	free_words(w, nw);
	return add_patch(out, n, path, strip) ? herr_set(err, EXIT_RUNTIME, "out of memory") : 0;
}

static int read_series_file(const char *series, const char *dir, struct kpatch **out,
			    size_t *n, struct herr *err)
{
	FILE *f = file_open_regular(series);
	char line[1024];
	int lineno = 0, rc = 0;

	if (!f)
		return errno == EINVAL ? herr_set(err, EXIT_USAGE, "series %s: not a regular file", series)
				       : herr_errno(err, EXIT_USAGE, "series %s", series);
	while (!rc && fgets(line, sizeof(line), f))
		rc = series_line(series, ++lineno, line, dir, out, n, err);
	fclose(f);
	return rc;
}

static int read_series_dir(const char *dir, struct kpatch **out, size_t *n, struct herr *err)
{
	char *series = kfs_join(dir, "series");
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0;

	if (series && kfs_is_file(series)) {
		int rc = read_series_file(series, dir, out, n, err);

		free(series);
		return rc;
	}
	free(series);
	d = opendir(dir);
	if (!d)
		return herr_errno(err, EXIT_USAGE, "series directory %s", dir);
	while ((de = readdir(d))) {
		char **grown;

		if (de->d_name[0] == '.' || !is_patch_name(de->d_name))
			continue;
		grown = realloc(names, (nn + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nn; i++)
		add_patch(out, n, kfs_join(dir, names[i]), 1);
	free_words(names, nn);
	return 0;
}

int kseries_read(const char *path, struct kpatch **out, size_t *n, struct herr *err)
{
	char *dir;
	int rc;

	*out = NULL;
	*n = 0;
	if (kfs_is_dir(path))
		rc = read_series_dir(path, out, n, err);
	else if (!kfs_is_file(path))
		return herr_set(err, EXIT_USAGE, "patch series %s: no such file or directory", path);
	else if (is_patch_name(path))
		rc = add_patch(out, n, strdup(path), 1);
	else {
		dir = strdup(path);
		*strrchr(dir, '/') = '\0';
		rc = read_series_file(path, dir, out, n, err);
		free(dir);
	}
	if (!rc && !*n)
		rc = herr_set(err, EXIT_USAGE, "patch series %s lists no patches "
			      "(expected *.patch or *.diff files or a quilt 'series' file)", path);
	if (rc) {
		kseries_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

const char *kvariant_series_path(const struct kvariant *v, const char *override, char **alloc)
{
	const char *env = v->patches_env ? getenv(v->patches_env) : NULL;

	*alloc = NULL;
	if (override && *override)
		return override;
	if (env && *env)
		return env;
	if (!v->patches || !*v->patches)
		return NULL;
	if (v->patches[0] == '/')
		return v->patches;
	return *alloc = kfs_join(v->kdir, v->patches);
}

int kvariant_series(const struct kvariant *v, const char *override,
		    struct kpatch **out, size_t *n, struct herr *err)
{
	const char *env = v->patches_env ? getenv(v->patches_env) : NULL;
	char *alloc;
	const char *where = kvariant_series_path(v, override, &alloc);
	int from_variant = where && where != override && where != env;
	int rc;

	*out = NULL;
	*n = 0;
	if (!where)
		return 0;
	/* The variant's own default location is missing: say what to supply
	 * and where, rather than just "no such file". */
	if (from_variant && !kfs_is_file(where) && !kfs_is_dir(where)) {
		herr_set(err, EXIT_USAGE, "variant %s needs %s: put the patches (*.patch files or "
			 "a quilt 'series' file) in %s%s%s%s, or pass --patches PATH (see docs/kernels.md)",
			 v->name, v->patches_about ? v->patches_about : "a patch series", where,
			 v->patches_env ? ", or set " : "", v->patches_env ? v->patches_env : "",
			 v->patches_env ? "=PATH" : "");
		free(alloc);
		return -1;
	}
	rc = kseries_read(where, out, n, err);
	if (rc && !from_variant)
		herr_wrap(err, "variant %s (%s)", v->name, where == override ? "--patches" : v->patches_env);
	free(alloc);
	return rc;
}
