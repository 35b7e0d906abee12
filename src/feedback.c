/* feedback.c: --feedback (see feedback.h). */
#include <config.h>

#include "feedback.h"
#include "msg.h"

enum apn_code feedback_run(const struct options *o)
{
	(void)o;
	errorf("--feedback is not built yet");
	return APN_SOFTWARE;
}
