/* Derived metrics; see derived.h. */
#include <math.h>

#include "analysis/derived.h"

struct measured measured_ok(double v)
{
	return (struct measured){ .value = v, .status = MS_OK, .reason = NULL };
}

int measured_has_value(struct measured m)
{
	return m.status == MS_OK || m.status == MS_SCALED;
}

static struct measured not_measured(enum metric_status st, const char *reason)
{
	return (struct measured){ .value = NAN, .status = st, .reason = reason };
}

struct measured derived_ratio(struct measured x, struct measured divisor, double scale)
{
	struct measured r;

	if (!measured_has_value(x))
		return not_measured(x.status, x.reason ? x.reason : "input not measured");
	if (!measured_has_value(divisor))
		return not_measured(divisor.status,
				    divisor.reason ? divisor.reason : "divisor not measured");
	if (divisor.value == 0 || !isfinite(divisor.value) || !isfinite(x.value))
		return not_measured(MS_NOT_MEASURED, "divisor is 0 or a value is not finite");
	r = measured_ok(x.value / divisor.value * scale);
	if (x.status == MS_SCALED || divisor.status == MS_SCALED)
		r.status = MS_SCALED;
	return r;
}

struct measured derived_per_kilo_instr(struct measured x, struct measured instructions)
{
	return derived_ratio(x, instructions, 1000);
}

struct measured derived_per_gib(struct measured x, struct measured bytes_touched)
{
	return derived_ratio(x, bytes_touched, 1073741824.0);
}

struct measured derived_per_file(struct measured x, struct measured files)
{
	return derived_ratio(x, files, 1);
}
