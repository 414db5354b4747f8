/* Parameter grids of a sweep file: `size = 4m, 64m`, `size = 16k..1g:x4`
 * (geometric), `threads = 1..8:+1` (arithmetic), or a mix separated by
 * commas; `"a,b"` in double quotes is one value as written. Expanded into
 * the values handed to the workload, as text. */
#ifndef HARNESS_SWEEP_GRID_H
#define HARNESS_SWEEP_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* More values than this in one grid is almost certainly a typo. */
#define GRID_MAX_VALUES 10000

struct grid {
	char **v;
	size_t n;
};

/* Expand text into g. Errors (EXIT_USAGE) name the offending item; the
 * caller prefixes file:line. */
int grid_parse(const char *text, struct grid *g, struct herr *err);
void grid_free(struct grid *g);

/* A number with an optional binary suffix (b k m g t, any case), as
 * workloads accept sizes. Returns 0 and sets *suffixed when a k..t suffix
 * was present. */
int grid_number(const char *s, uint64_t *out, int *suffixed);
/* n as text: with the largest binary suffix that divides it exactly when
 * suffixed, else plain decimal. */
void grid_format(uint64_t n, int suffixed, char *out, size_t size);

#endif
