/* Finding workload programs and validating their parameters (the workload
 * itself parses them: `NAME --check`, docs/protocol.md). */
#ifndef HARNESS_WORKLOAD_H
#define HARNESS_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Directory holding the workload binaries: $HARNESS_WORKLOAD_DIR, else
 * <dir of harness>/workloads (build tree), else
 * <dir of harness>/../libexec/harness/workloads (installed). */
int workload_dir(char *out, size_t n, struct herr *err);
/* Path of workload name; EXIT_USAGE naming the known ones when missing. */
int workload_find(const char *name, char *path, size_t n, struct herr *err);
/* Space-separated names of the installed workloads (caller frees). */
char *workload_names(void);
/* Validate key=value parameters; on success *params_json holds every
 * effective parameter as a JSON object (caller frees). Errors name the
 * parameter and value (EXIT_USAGE). */
int workload_check(const char *path, const char *const *params, size_t nparams,
		   uint64_t seed, char **params_json, struct herr *err);

#endif
