#include <signal.h>
#include <string.h>

#include "core/signals.h"

static volatile sig_atomic_t caught;
static volatile sig_atomic_t child_group;
static int depth;
static struct sigaction saved[3];
static const int catchable[3] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	caught = sig;
	if (child_group > 0)
		kill(-child_group, SIGTERM);
}

void signals_catch(void)
{
	struct sigaction sa;

	if (depth++ > 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll must see EINTR */
	sigemptyset(&sa.sa_mask);
	caught = 0;
	for (int i = 0; i < 3; i++)
		sigaction(catchable[i], &sa, &saved[i]);
	/* A closed pipe or socket is an error to report, not a death. */
	signal(SIGPIPE, SIG_IGN);
}

void signals_release(void)
{
	if (depth == 0 || --depth > 0)
		return;
	for (int i = 0; i < 3; i++)
		sigaction(catchable[i], &saved[i], NULL);
}

int signals_caught(void)
{
	return caught;
}

void signals_forward_to(pid_t pgid)
{
	child_group = pgid;
	/* A signal that came before the child had its group. */
	if (pgid > 0 && caught)
		kill(-pgid, SIGTERM);
}
