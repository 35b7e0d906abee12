/* memscan.c: does a running process still hold a secret in its memory?
 *
 *   tests/memscan PID NEEDLES
 *
 * Reads every readable mapping of process PID (/proc/PID/maps and
 * /proc/PID/mem) and looks for each line of the file NEEDLES, as it is and
 * in UTF-16 (lines shorter than 8 bytes are ignored: they could turn up
 * by chance; lines longer than 255 bytes are refused).  For
 * secrets.test: after apnsend has loaded its credentials, neither the
 * passphrase nor the text of the key files may be left anywhere in its
 * memory, freed or not.
 *
 * Exit status: 0 none found; 1 found (each find on stdout: the line's
 * number, the address and the mapping); 77 the memory cannot be read
 * (reading another process's memory needs ptrace rights, and apnsend
 * makes itself non-dumpable: in practice, root); 99 any other error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIN_NEEDLE 8
#define MAX_LINE 255
#define MAX_NEEDLES (3 * 256)
#define CHUNK (1 << 20)
/* A mapping larger than this is not apnsend's data (see main). */
#define MAX_MAPPING ((uint64_t)16 << 30)

struct needle {
	char text[512];
	size_t len;
	int line;
	const char *form; /* "", " (UTF-16BE)" or " (UTF-16LE)" */
};

static struct needle needles[MAX_NEEDLES];
static size_t n_needles;
static size_t max_len;

static int load_needles(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[512];
	int line = 0;

	if (f == NULL) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof buf, f) != NULL) {
		size_t len = strcspn(buf, "\r\n");

		line++;
		if (len < MIN_NEEDLE)
			continue;
		if (n_needles + 3 > MAX_NEEDLES) {
			fprintf(stderr, "memscan: %s: more than %d lines\n", path, MAX_NEEDLES / 3);
			fclose(f);
			return -1;
		}
		if (len > MAX_LINE) {
			fprintf(stderr, "memscan: %s: line %d is longer than %d bytes\n",
				path, line, MAX_LINE);
			fclose(f);
			return -1;
		}
		/* As it is, and in UTF-16 both ways: a PKCS#12 passphrase is
		 * turned into a BMPString (UTF-16BE) for its key derivation. */
		for (int form = 0; form < 3; form++) {
			struct needle *nd = &needles[n_needles++];

			nd->line = line;
			nd->form = form == 0 ? "" : form == 1 ? " (UTF-16BE)" : " (UTF-16LE)";
			if (form == 0) {
				memcpy(nd->text, buf, len);
				nd->len = len;
			} else {
				for (size_t i = 0; i < len; i++) {
					nd->text[2 * i + (form == 1)] = buf[i];
					nd->text[2 * i + (form == 2)] = '\0';
				}
				nd->len = 2 * len;
			}
			if (nd->len > max_len)
				max_len = nd->len;
		}
	}
	fclose(f);
	if (n_needles == 0) {
		fprintf(stderr, "memscan: %s: no line of %d bytes or more\n", path, MIN_NEEDLE);
		return -1;
	}
	return 0;
}

/* Scan [start, end) of the process's memory; the number of finds, or -1
 * when the memory cannot be read at all. */
static int scan(int mem, uint64_t start, uint64_t end, const char *name)
{
	static char buf[CHUNK];
	uint64_t at = start;
	size_t keep = 0;
	int found = 0;

	while (at < end) {
		size_t want = CHUNK - keep;
		ssize_t got;

		if (want > end - at)
			want = (size_t)(end - at);
		got = pread(mem, buf + keep, want, (off_t)at);
		if (got <= 0)
			return got < 0 && (errno == EPERM || errno == EACCES) ? -1 : found;
		for (size_t i = 0; i < n_needles; i++) {
			const char *p = buf, *hit;
			size_t left = keep + (size_t)got;

			while ((hit = memmem(p, left, needles[i].text, needles[i].len)) != NULL) {
				uint64_t addr = at - keep + (uint64_t)(hit - buf);

				/* A find in the overlap was reported with the chunk before. */
				if ((size_t)(hit - buf) + needles[i].len > keep) {
					printf("line %d of the needles%s at 0x%" PRIx64 " in %s\n",
					       needles[i].line, needles[i].form, addr, name);
					found++;
				}
				left -= (size_t)(hit - p) + 1;
				p = hit + 1;
			}
		}
		at += (uint64_t)got;
		/* Keep the last max_len - 1 bytes, for a needle across chunks. */
		{
			size_t total = keep + (size_t)got;

			keep = total < max_len - 1 ? total : max_len - 1;
			memmove(buf, buf + total - keep, keep);
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	char path[64], line[4096];
	FILE *maps;
	int mem, found = 0, readable = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: memscan PID NEEDLES\n");
		return 99;
	}
	if (load_needles(argv[2]) != 0)
		return 99;
	snprintf(path, sizeof path, "/proc/%s/maps", argv[1]);
	maps = fopen(path, "r");
	if (maps == NULL) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return errno == EACCES || errno == EPERM ? 77 : 99;
	}
	snprintf(path, sizeof path, "/proc/%s/mem", argv[1]);
	mem = open(path, O_RDONLY);
	if (mem < 0) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		fclose(maps);
		return errno == EACCES || errno == EPERM ? 77 : 99;
	}
	while (fgets(line, sizeof line, maps) != NULL) {
		uint64_t start, end;
		char perms[5], name[4096] = "";
		int n;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s %4095[^\n]",
			   &start, &end, perms, name) < 3 || perms[0] != 'r')
			continue;
		/* AddressSanitizer's shadow memory: terabytes reserved, never
		 * data of the program's own. */
		if (end - start > MAX_MAPPING) {
			fprintf(stderr, "memscan: skipped %" PRIu64 " GiB at 0x%" PRIx64
				" (a sanitizer's shadow memory)\n",
				(end - start) >> 30, start);
			continue;
		}
		n = scan(mem, start, end, name[0] != '\0' ? name : "[anonymous]");
		if (n < 0) {
			fprintf(stderr, "memscan: %s: not allowed to read it\n", path);
			close(mem);
			fclose(maps);
			return 77;
		}
		found += n;
		readable++;
	}
	close(mem);
	fclose(maps);
	if (readable == 0) {
		fprintf(stderr, "memscan: no readable mapping in process %s\n", argv[1]);
		return 99;
	}
	return found > 0 ? 1 : 0;
}
