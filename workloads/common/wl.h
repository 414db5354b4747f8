/* The common workload API (docs/protocol.md): one parameter table per
 * workload drives parsing, --help, --list-params and --check; results go
 * out as a framed JSON-lines stream. */
#ifndef WL_H
#define WL_H

#include <stddef.h>
#include <stdint.h>

enum wl_type { WL_SIZE, WL_INT, WL_DOUBLE, WL_STRING, WL_ENUM, WL_BOOL };

struct wl_param {
	const char *name;
	enum wl_type type;
	const char *def;	/* default, as text */
	const char *unit;	/* "bytes", "count", "s", ... */
	const char *help;
	/* WL_ENUM: "a|b|c". WL_SIZE/WL_INT/WL_DOUBLE: optional range
	 * "MIN..MAX" written like values ("4k..1g", "1..", "..100"),
	 * checked by --check and shown by --help/--list-params. */
	const char *choices;
};

/* Parsed values, indexed like the table. */
struct wl_value {
	const char *text;	/* as given or default */
	uint64_t size;		/* WL_SIZE: bytes; WL_INT/WL_BOOL: value */
	int64_t i;		/* WL_INT/WL_BOOL/WL_SIZE: value; WL_ENUM: index */
	double d;		/* every numeric type */
};

struct wl_spec {
	const char *name;
	const char *summary;
	const struct wl_param *params;
	size_t nparams;
	/* Run the workload. Returns 0, or non-zero after wl_fail(). */
	int (*run)(const struct wl_value *v, uint64_t seed);
};

/* main() of every workload: `int main(int c, char **v) { return wl_main(&spec, c, v); }` */
int wl_main(const struct wl_spec *spec, int argc, char **argv);

/* Accessors by name (abort on a name the table lacks: programming error). */
uint64_t wl_size(const struct wl_value *v, const char *name);
int64_t wl_int(const struct wl_value *v, const char *name);
double wl_double(const struct wl_value *v, const char *name);
const char *wl_str(const struct wl_value *v, const char *name);

/* Stream messages. */
void wl_region_begin(void);
void wl_region_end(void);
void wl_path(const char *path);
void wl_metric(const char *name, double value, const char *unit,
	       const char *kind, const char *better);
void wl_verify(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a one-line error to stderr and return 1 (for run() to return). */
int wl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A parameter found unusable only at run time (e.g. dir on tmpfs): print
 * "NAME: parameter PARAM: msg" and return 1; wl_main then exits 2. */
int wl_param_fail(const char *param, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Page size and PMD size, read at run time. pmd_size 0 without THP. */
long wl_page_size(void);
uint64_t wl_pmd_size(void);
/* Monotonic time in ns. */
uint64_t wl_now_ns(void);
/* Deterministic PRNG (splitmix64) seeded from --seed; any state works. */
uint64_t wl_rand_next(uint64_t *state);

#endif
