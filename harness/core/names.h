/* One rule for every name the harness is given: workloads, kernel
 * variants, sweep variants and sweeps, fragments, parameters. A name
 * becomes part of paths, table columns and messages, so it is 1 to 63
 * letters, digits, '_', '.' or '-', and does not start with '.' or '-'
 * (no hidden files, no "..", nothing an argv parser takes for an option). */
#ifndef HARNESS_NAMES_H
#define HARNESS_NAMES_H

#define NAME_MAX_LEN 63

/* 1 when c may appear in a name. */
int name_char(int c);
/* 1 when s follows the rule. */
int name_valid(const char *s);
/* The rule in words, for messages. */
#define NAME_RULE "1 to 63 letters, digits, '_', '.' or '-', not starting with '.' or '-'"

#endif
