/* The table of targets: adding one is a folder under targets/ and a line
 * here (docs/targets.md). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "targets/target.h"

extern const struct target_ops target_local;
extern const struct target_ops target_qemu;
extern const struct target_ops target_ssh;

const struct target_ops *const targets[] = {
	&target_local,
	&target_qemu,
	&target_ssh,
};
const size_t ntargets = sizeof(targets) / sizeof(targets[0]);

/* Targets the design names that have no folder yet. */
static const char *const planned[] = { "lava" };

int target_planned(const char *name)
{
	for (size_t i = 0; name && i < sizeof(planned) / sizeof(planned[0]); i++)
		if (!strcmp(planned[i], name))
			return 1;
	return 0;
}

const struct target_ops *target_find(const char *name)
{
	for (size_t i = 0; name && i < ntargets; i++)
		if (!strcmp(targets[i]->name, name))
			return targets[i];
	return NULL;
}

const char *target_names(void)
{
	static char names[256];

	if (!*names)
		for (size_t i = 0, o = 0; i < ntargets && o < sizeof(names); i++)
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", i ? ", " : "",
					      targets[i]->name);
	return names;
}

int target_name_emulated(const char *name)
{
	const struct target_ops *t = target_find(name);

	return t && target_emulated(t);
}

void target_note(struct target *t, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (t->ev.note)
		t->ev.note(t->ev.user, line);
}
