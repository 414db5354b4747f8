/* harness tag: names for sweeps (a CI baseline), stored in the database;
 * wherever a sweep is taken (sweep --resume, and the report and check
 * commands) a tag names it too. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "store/store.h"

struct tag_opts {
	const char *db;
	int list, force, json;
	const char *del;
};

static const struct opt_spec tag_opts[] = {
	OPT_DB(struct tag_opts),
	OPT_BOOL("list", 'l', struct tag_opts, list, "list the tags, by name"),
	OPT_STR("delete", 'd', struct tag_opts, del, "NAME", NULL, "delete the tag NAME"),
	OPT_BOOL("force", 'f', struct tag_opts, force,
		 "move a tag that already names another sweep"),
	OPT_JSON(struct tag_opts),
};

/* Which of the three forms, and nothing of the others. */
static int check_form(const struct cmd_ctx *ctx, struct herr *err)
{
	const struct tag_opts *o = ctx->opts;

	if (o->list && (o->del || o->force || ctx->argc))
		return herr_set(err, EXIT_USAGE, "tag --list takes no arguments, --delete or --force");
	if (o->del && (o->force || o->json || ctx->argc))
		return herr_set(err, EXIT_USAGE, "tag --delete NAME takes no arguments, --force or --json");
	if (!o->list && !o->del && ctx->argc != 2)
		return herr_set(err, EXIT_USAGE, "tag: give SWEEP NAME, --list or --delete NAME");
	if (!o->list && o->json)
		return herr_set(err, EXIT_USAGE, "tag: --json goes with --list");
	return 0;
}

static int print_list(struct store *st, const struct tag_opts *o, struct herr *err)
{
	json_t *arr = json_array();
	struct tag_row *rows;
	size_t n;

	if (store_tag_list(st, &rows, &n, err) < 0)
		return json_decref(arr), -1;
	if (!o->json && !n)
		printf("no tags in %s\n", o->db);
	else if (!o->json)
		printf("%-24s %-36s %s\n", "TAG", "SWEEP", "CREATED");
	for (size_t i = 0; i < n; i++) {
		if (o->json)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name", rows[i].name,
							     "sweep", rows[i].sweep_id,
							     "created", rows[i].created));
		else
			printf("%-24s %-36s %s\n", rows[i].name, rows[i].sweep_id, rows[i].created);
	}
	if (o->json) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	}
	json_decref(arr);
	free(rows);
	return 0;
}

static int set_tag(struct store *st, const char *ref, const char *name, int force,
		   struct herr *err)
{
	struct sweep_row row;
	char old[37];
	int rc;

	if (store_sweep_get(st, ref, &row, err) < 0)
		return -1;
	rc = store_tag_set(st, name, row.id, force, old, err);
	if (rc == 0 && !old[0])
		printf("tag %s names sweep %s (%s)\n", name, row.id, row.name);
	else if (rc == 0 && !strcmp(old, row.id))
		printf("tag %s already names sweep %s (%s)\n", name, row.id, row.name);
	else if (rc == 0)
		printf("tag %s moved from sweep %s to %s (%s)\n", name, old, row.id, row.name);
	store_sweep_row_free(&row);
	return rc;
}

static int run_tag(struct cmd_ctx *ctx, struct herr *err)
{
	const struct tag_opts *o = ctx->opts;
	const char *name = o->del ? o->del : ctx->argc == 2 ? ctx->argv[1] : NULL;
	struct store *st;
	struct stat sb;
	int rc;

	if (check_form(ctx, err) < 0)
		return -1;
	/* Before the database is opened: a bad name changes nothing. */
	if (name && !o->del && !store_tag_name_valid(name))
		return herr_set(err, EXIT_USAGE, "tag '%s': a tag is " STORE_TAG_RULE, name);
	/* Opening for writing would create a missing database: a tag needs
	 * a sweep, so there is nothing to tag. */
	if (stat(o->db, &sb) < 0)
		return herr_errno(err, EXIT_USAGE, "%s: no results database", o->db);
	if (store_open(o->db, o->list ? STORE_READ : STORE_WRITE, &st, err) < 0)
		return -1;
	if (o->list)
		rc = print_list(st, o, err);
	else if (o->del)
		rc = store_tag_delete(st, o->del, err);
	else
		rc = set_tag(st, ctx->argv[0], name, o->force, err);
	if (rc == 0 && o->del)
		printf("tag %s deleted\n", o->del);
	store_close(st);
	return rc;
}

const struct cmd_spec cmd_tag = {
	.name = "tag",
	.synopsis = "SWEEP NAME | --list | --delete NAME",
	.summary = "name a sweep (a baseline), list or delete the names",
	.description =
		"harness tag SWEEP NAME names the sweep SWEEP (an id, a unique prefix of 4 or more\n"
		"of its characters, 'last', or another tag) NAME, in the database. Wherever a\n"
		"sweep is taken (harness sweep --resume, the report and check commands) the tag\n"
		"names it. A tag follows the rule of names (1 to 63 letters, digits, '_', '.' or\n"
		"'-'), is not 'last' and not all hex digits, so that it never reads as a sweep id.\n"
		"\n"
		"A tag that already names another sweep is refused, naming both, unless --force\n"
		"moves it; tagging the sweep it already names changes nothing. --list prints the\n"
		"tags by name (--json as JSON); --delete NAME removes one. Errors (unknown sweep,\n"
		"tag or database, a bad name) exit 2 and leave the database as it was.",
	.opts = tag_opts,
	.nopts = sizeof(tag_opts) / sizeof(tag_opts[0]),
	.opts_size = sizeof(struct tag_opts),
	.min_args = 0,
	.max_args = 2,
	.run = run_tag,
};
