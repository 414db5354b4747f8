/* Derived metrics of one run: misses per kilo-instruction, walks per GiB
 * touched, page-cache bytes per file. An input that was not measured (or not
 * counted) makes the result not measured with the input's status, never 0;
 * a zero divisor makes it not measured too (nothing to divide by). */
#ifndef ANALYSIS_DERIVED_H
#define ANALYSIS_DERIVED_H

#include "measure/metric.h"

struct measured {
	double value;			/* meaningful for MS_OK and MS_SCALED only */
	enum metric_status status;
	const char *reason;		/* static text; NULL when measured */
};

struct measured measured_ok(double v);
int measured_has_value(struct measured m);

/* x / divisor * scale, with the status rules above. A scaled (multiplexed)
 * input makes the result scaled. */
struct measured derived_ratio(struct measured x, struct measured divisor, double scale);
/* x / instructions * 1000 */
struct measured derived_per_kilo_instr(struct measured x, struct measured instructions);
/* x / (bytes touched / 2^30) */
struct measured derived_per_gib(struct measured x, struct measured bytes_touched);
/* x / files */
struct measured derived_per_file(struct measured x, struct measured files);

#endif
