#include "analysis/report.h"
int report_html(const struct report *r, FILE *out, struct herr *err)
{
	return herr_set(err, EXIT_USAGE, "html: not yet");
}
