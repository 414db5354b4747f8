/* Internals of the workload library shared by its files and the unit
 * tests; workloads use wl.h only. Parsers never print: they fill an error
 * buffer with the part after "NAME: " and wl_main prints it. */
#ifndef WL_INTERNAL_H
#define WL_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "wl.h"

#define WL_ERRLEN 512

/* Scalar parsers: 0 on success, -1 when the text is not such a value. */
int wl_parse_size(const char *s, uint64_t *out);	/* -2: too large */
int wl_parse_int(const char *s, int64_t *out);		/* -2: out of range */
int wl_parse_double(const char *s, double *out);	/* finite only */
int wl_parse_bool(const char *s, int *out);
/* Index of s among "a|b|c", -1 if absent. */
int wl_parse_enum(const char *s, const char *choices);

/* Parse text as parameter p into out (range and choices checked). On
 * error, err gets "'12x' is not a size (use e.g. 64m)" and -1 returns. */
int wl_parse_value(const struct wl_param *p, const char *text,
		   struct wl_value *out, char *err, size_t errlen);

enum wl_mode { WL_MODE_RUN, WL_MODE_HELP, WL_MODE_LIST, WL_MODE_CHECK };

struct wl_args {
	enum wl_mode mode;
	uint64_t seed;
	struct wl_value *v;	/* spec->nparams entries, defaults filled */
};

/* Parse argv (argv[0] skipped). On error, err gets one line such as
 * "parameter size: '12x' is not a size (use e.g. 64m)" and -1 returns;
 * a->v is then freed. */
int wl_parse_args(const struct wl_spec *spec, int argc, char **argv,
		  struct wl_args *a, char *err, size_t errlen);

/* The value as JSON: size/int as integers, bool as true/false. */
json_t *wl_value_json(const struct wl_param *p, const struct wl_value *v);
/* Every parameter's effective value, as one object (--check, hello). */
json_t *wl_params_object(const struct wl_spec *spec, const struct wl_value *v);
/* The --list-params array. */
json_t *wl_params_list(const struct wl_spec *spec);
/* A JSON string; bytes that are not UTF-8 become '?'. */
json_t *wl_json_string(const char *s);

/* The stream (wl_stream.c). wl_stream_open resets all stream state. */
void wl_stream_open(const char *workload, int fd, int ack_fd);
/* Read HARNESS_RESULT_FD / HARNESS_ACK_FD; -1 with err on a bad value. */
int wl_stream_env(int *fd, int *ack_fd, char *err, size_t errlen);
void wl_stream_hello(const struct wl_spec *spec, const struct wl_value *v,
		     uint64_t seed);
void wl_stream_end(void);
int wl_stream_region_open(void);	/* begun and not ended */
int wl_stream_verify_failed(void);	/* a verify with ok=0 was sent */
const char *wl_stream_verify_detail(void);	/* detail of the failed one */
int wl_stream_param_failed(void);	/* wl_param_fail() was called */

/* Print "NAME: msg" to stderr and exit with code (stream I/O errors,
 * API misuse). */
void wl_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* Bind the accessors (wl_size() ...) to this spec and value array. */
void wl_bind(const struct wl_spec *spec, const struct wl_value *v);

#endif
