/* signals.c: SIGINT and SIGTERM as a count (see signals.h). */
#include <config.h>

#include <signal.h>
#include <string.h>

#include "signals.h"

static volatile sig_atomic_t count, last;

static void on_signal(int sig)
{
	last = sig;
	if (count < 1000)
		count++;
}

void signals_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int signals_caught(void)
{
	return count;
}

const char *signals_name(void)
{
	return last == SIGINT ? "SIGINT" : last == SIGTERM ? "SIGTERM" : "";
}
