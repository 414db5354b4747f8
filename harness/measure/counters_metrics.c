/* From counter readings to metrics: the interval, scaling, the "not
 * measured" and "not counted" rules, and the derived TLB metrics. */
#include <stdio.h>
#include <string.h>

#include "measure/counters.h"
#include "measure/counters_impl.h"

#define REASON_NEVER_ENABLED "never enabled over the interval (time_enabled 0)"
#define REASON_NEVER_RAN "enabled but never on the PMU (time_running 0): its group found no free counters"
#define REASON_ZERO "opened but counted 0 while the task ran: the PMU does not implement this event (emulated machine?)"

enum metric_status counter_classify(enum counter_class cls, uint64_t raw,
				    uint64_t enabled, uint64_t running,
				    int task_ran)
{
	if (enabled == 0 || running == 0)
		return MS_NOT_COUNTED;
	/* Emulators (QEMU TCG) and some cores accept events they never
	 * increment; a PMU event that stays 0 while the task ran is that, not
	 * a measured 0. Software events are counted by the kernel itself: 0
	 * major faults is a real 0. */
	if (cls == COUNTER_PMU && raw == 0 && task_ran)
		return MS_NOT_COUNTED;
	return running < enabled ? MS_SCALED : MS_OK;
}

static const char *not_counted_reason(uint64_t enabled, uint64_t running)
{
	if (enabled == 0)
		return REASON_NEVER_ENABLED;
	if (running == 0)
		return REASON_NEVER_RAN;
	return REASON_ZERO;
}

/* Interval values of event i: end - begin (begin NULL: from exec). */
struct interval {
	uint64_t raw, enabled, running;
};

static uint64_t sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static struct interval interval_of(const struct counter_snapshot *begin,
				   const struct counter_snapshot *end, size_t i)
{
	struct interval v = { end->raw[i], end->enabled[i], end->running[i] };

	if (begin && i < begin->n) {
		v.raw = sub(v.raw, begin->raw[i]);
		v.enabled = sub(v.enabled, begin->enabled[i]);
		v.running = sub(v.running, begin->running[i]);
	}
	return v;
}

/* Did the task run in the interval? Task clock first (a software event,
 * always there), then cycles. With neither opened, assume it ran: a PMU 0
 * is then reported as not counted, never as a measured 0. */
static int task_ran(const struct counters *c, const struct counter_snapshot *begin,
		    const struct counter_snapshot *end)
{
	int known = 0;

	for (size_t i = 0; i < c->n; i++) {
		const char *name = c->ev[i].def->name;

		if (c->ev[i].fd < 0 ||
		    (strcmp(name, "cpu.task_clock") && strcmp(name, "cpu.cycles")))
			continue;
		if (interval_of(begin, end, i).raw > 0)
			return 1;
		known = 1;
	}
	return !known;
}

static void fill_record(struct pmu_record *p, const struct counter_event *ev,
			enum metric_scope scope)
{
	snprintf(p->metric, sizeof(p->metric), "%s", ev->def->name);
	snprintf(p->event, sizeof(p->event), "%s", ev->res.ok ? ev->res.event : "");
	p->type = ev->res.type;
	p->config = ev->res.config;
	p->config1 = ev->res.config1;
	p->config2 = ev->res.config2;
	p->group = ev->group;
	p->scope = scope;
}

static int add_missing(struct metric_set *ms, struct pmu_record *p,
		       const struct counter_def *def, enum metric_scope scope,
		       enum metric_status st, const char *reason)
{
	p->status = st;
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
	return mset_missing(ms, scope, def->name, st, reason) ? 0 : -1;
}

static int add_event(struct metric_set *ms, const struct counter_event *ev,
		     struct interval v, int ran, enum metric_scope scope)
{
	const struct counter_def *def = ev->def;
	struct pmu_record *p = mset_add_pmu(ms);
	enum metric_status st;
	struct metric *m;
	double value;

	if (!p)
		return -1;
	fill_record(p, ev, scope);
	if (ev->fd < 0)
		return add_missing(ms, p, def, scope, MS_NOT_MEASURED, ev->reason);
	p->raw = v.raw;
	p->time_enabled = v.enabled;
	p->time_running = v.running;
	st = counter_classify(def->cls, v.raw, v.enabled, v.running, ran);
	if (st == MS_NOT_COUNTED)
		return add_missing(ms, p, def, scope, st, not_counted_reason(v.enabled, v.running));
	value = (double)v.raw;
	if (st == MS_SCALED)
		value = value * (double)v.enabled / (double)v.running;
	p->status = st;
	/* A user-only note stays on the event record; the metric is ok. */
	snprintf(p->reason, sizeof(p->reason), "%s", ev->reason);
	m = mset_add(ms, scope, def->name, value);
	if (!m)
		return -1;
	m->status = st;
	return 0;
}

int counters_to_metrics(const struct counters *c, const struct counter_snapshot *begin,
			const struct counter_snapshot *end, enum metric_scope scope,
			struct metric_set *ms, struct herr *err)
{
	int ran;

	if (end->n != c->n || (begin && begin->n != c->n))
		return herr_set(err, EXIT_RUNTIME, "counter snapshot does not match the counter set");
	ran = task_ran(c, begin, end);
	for (size_t i = 0; i < c->n; i++)
		if (add_event(ms, &c->ev[i], interval_of(begin, end, i), ran, scope))
			return herr_set(err, EXIT_RUNTIME, "out of memory");
	return 0;
}

/* Derived metrics: numerator * scale / denominator. den NULL: the
 * denominator is the bytes the workload reported touching, in GiB. Unit,
 * kind (rate) and direction are in the metric table. */
struct derived_spec {
	const char *name, *num, *den;
	double scale;
};

static const struct derived_spec derived_specs[] = {
	{ "tlb.l1d_refill_mpki", "tlb.l1d_refill", "cpu.instructions", 1000.0 },
	{ "tlb.l2d_refill_mpki", "tlb.l2d_refill", "cpu.instructions", 1000.0 },
	{ "tlb.dtlb_walk_mpki", "tlb.dtlb_walk", "cpu.instructions", 1000.0 },
	{ "tlb.itlb_walk_mpki", "tlb.itlb_walk", "cpu.instructions", 1000.0 },
	{ "tlb.l1i_refill_mpki", "tlb.l1i_refill", "cpu.instructions", 1000.0 },
	{ "tlb.l1d_miss_ratio", "tlb.l1d_refill", "tlb.l1d_access", 1.0 },
	{ "tlb.dtlb_walk_per_gib", "tlb.dtlb_walk", NULL, 1.0 },
};

static int usable(const struct metric *m)
{
	return m && (m->status == MS_OK || m->status == MS_SCALED);
}

/* Why an input is unusable, as "input X was not measured/counted". */
static enum metric_status input_problem(const struct metric *m, const char *name,
					char *reason, size_t size)
{
	enum metric_status st = m ? m->status : MS_NOT_MEASURED;

	reason[0] = '\0';
	counters_append(reason, size, "input ");
	counters_append(reason, size, name);
	counters_append(reason, size, st == MS_NOT_COUNTED ? " was not counted" : " was not measured");
	if (m && m->reason[0]) {
		counters_append(reason, size, ": ");
		counters_append(reason, size, m->reason);
	}
	return st;
}

/* The status and value of one derived metric. A not-counted input makes it
 * not counted (the emulator case stays visible as such), a missing one not
 * measured, a scaled one scaled. */
static enum metric_status derive_one(const struct metric *num, const struct metric *den,
				     const struct derived_spec *d, double bytes,
				     double *value, char *reason, size_t size)
{
	double denominator = den ? den->value : bytes / (1024.0 * 1024.0 * 1024.0);

	if (!usable(num))
		return input_problem(num, d->num, reason, size);
	if (d->den && !usable(den))
		return input_problem(den, d->den, reason, size);
	if (denominator <= 0) {
		if (d->den)
			snprintf(reason, size, "input %s is 0", d->den);
		else
			snprintf(reason, size, "needs the bytes the workload touched, which it did not report");
		return MS_NOT_MEASURED;
	}
	*value = num->value * d->scale / denominator;
	return num->status == MS_SCALED || (den && den->status == MS_SCALED) ? MS_SCALED : MS_OK;
}

int counters_derive(struct metric_set *ms, enum metric_scope scope, double bytes_touched)
{
	for (size_t i = 0; i < sizeof(derived_specs) / sizeof(derived_specs[0]); i++) {
		const struct derived_spec *d = &derived_specs[i];
		const struct metric *num = mset_find(ms, scope, d->num);
		const struct metric *den = d->den ? mset_find(ms, scope, d->den) : NULL;
		char reason[200] = "";
		enum metric_status st;
		struct metric *m;
		double value = 0;

		/* A numerator never asked for yields nothing; one asked for but
		 * not measured yields the derived metric with the reason. */
		if (!num)
			continue;
		st = derive_one(num, den, d, bytes_touched, &value, reason, sizeof(reason));
		if (st == MS_NOT_MEASURED || st == MS_NOT_COUNTED)
			m = mset_missing(ms, scope, d->name, st, reason);
		else
			m = mset_add(ms, scope, d->name, value);
		if (!m)
			return -1;
		m->status = st;
	}
	return 0;
}
