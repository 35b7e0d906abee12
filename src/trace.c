/* trace.c: --trace lines on stderr (see trace.h). */
#include <config.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "trace.h"

static enum trace_level level;
static int64_t start_ms;

void trace_start(enum trace_level l)
{
	level = l;
	start_ms = clock_ms();
}

int trace_on(void)
{
	return level != TRACE_OFF;
}

int trace_hex_on(void)
{
	return level == TRACE_HEX;
}

void vtracef(const char *fmt, va_list ap)
{
	if (level == TRACE_OFF)
		return;
	fprintf(stderr, "[%6lld ms] ", (long long)(clock_ms() - start_ms));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void tracef(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtracef(fmt, ap);
	va_end(ap);
}

void trace_hex(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (level != TRACE_HEX)
		return;
	for (size_t off = 0; off < len; off += 16) {
		char hex[16 * 3 + 1], text[17];
		size_t n = len - off < 16 ? len - off : 16, i;

		for (i = 0; i < 16; i++) {
			if (i < n) {
				snprintf(hex + 3 * i, 4, "%02x ", p[off + i]);
				text[i] = p[off + i] >= 0x20 && p[off + i] < 0x7f
						  ? (char)p[off + i] : '.';
			} else {
				snprintf(hex + 3 * i, 4, "   ");
				text[i] = '\0';
			}
		}
		text[n] = '\0';
		fprintf(stderr, "             %04zx  %s |%s|\n", off, hex, text);
	}
}
