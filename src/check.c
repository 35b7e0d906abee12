/* check.c: --check (see check.h). */
#include <config.h>

#include "check.h"
#include "msg.h"

enum apn_code check_run(const struct options *o)
{
	(void)o;
	errorf("--check is not built yet");
	return APN_SOFTWARE;
}
