/* seeds.c: a main for a fuzz target without libFuzzer.  It feeds every
 * file of the target's committed corpus (tests/fuzz/corpus/FUZZ_NAME
 * under $abs_top_srcdir), or the files and directories named on the
 * command line, to LLVMFuzzerTestOneInput, so that make check builds
 * every target with the normal compiler and runs its checks on the
 * seeds.  It also replays a crash input: seeds_NAME crash-FILE. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME names the target's corpus directory"
#endif

/* Feed the file at path; -1 when it cannot be read. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stderr, "seeds: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *b = realloc(buf, cap ? 2 * cap : 4096);

			if (b == NULL) {
				fprintf(stderr, "seeds: %s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = b;
			cap = cap ? 2 * cap : 4096;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "seeds: %s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* An exact-size copy, so that a read past the input is past the
	 * allocation (for a sanitizer build or valgrind). */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		if (len > 0)
			memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed path, a file or every file in a directory; adds to *count.
 * Returns -1 on any error. */
static int run_path(const char *path, unsigned *count)
{
	struct stat st;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	DIR *d;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "seeds: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (run_file(path) != 0)
			return -1;
		++*count;
		return 0;
	}
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "seeds: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char **v;

		if (e->d_name[0] == '.')
			continue;
		v = realloc(names, (n + 1) * sizeof *names);
		if (v == NULL) {
			rc = -1;
			break;
		}
		names = v;
		if ((names[n] = strdup(e->d_name)) == NULL) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		char *file = malloc(strlen(path) + strlen(names[i]) + 2);

		if (file == NULL || (sprintf(file, "%s/%s", path, names[i]),
				     run_file(file) != 0))
			rc = -1;
		else
			++*count;
		free(file);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int rc = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (run_path(argv[i], &count) != 0)
				rc = 1;
	} else {
		const char *top = getenv("abs_top_srcdir");
		char dir[4096];

		if (top == NULL)
			top = ".";
		snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", top, FUZZ_NAME);
		if (run_path(dir, &count) != 0)
			rc = 1;
	}
	if (count == 0) {
		fprintf(stderr, "seeds: fuzz_%s: no input\n", FUZZ_NAME);
		rc = 1;
	}
	if (rc == 0)
		printf("fuzz_%s: %u inputs, every check held\n", FUZZ_NAME, count);
	return rc;
}
