/* input.c: collecting device tokens from arguments and stdin. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

/* A printable, bounded echo of user input for messages. */
static void shown(const char *s, size_t len, char out[48])
{
	size_t j = 0;

	for (size_t i = 0; i < len && j < 40; i++)
		out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (len > 40) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}

static int push(struct token_list *list, const struct apn_token *t,
		struct apn_error *err)
{
	if (list->n == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 16;
		struct apn_token *v = realloc(list->v, cap * sizeof *v);

		if (v == NULL)
			return apn_fail(err, APN_SOFTWARE, "reading tokens: out of memory");
		list->v = v;
		list->cap = cap;
	}
	list->v[list->n++] = *t;
	return 0;
}

static int read_stdin(FILE *in, struct token_list *list, struct apn_error *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int rc = 0;

	while ((len = getline(&line, &cap, in)) >= 0) {
		struct apn_token t;
		const char *why;
		char echo[48];
		size_t n = (size_t)len, b = 0;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		while (b < n && (line[b] == ' ' || line[b] == '\t'))
			b++;
		if (b == n || line[b] == '#')
			continue; /* blank line or comment */
		if (token_parse(line + b, n - b, &t, &why) != 0) {
			shown(line + b, n - b, echo);
			rc = apn_fail(err, APN_DATAERR, "stdin line %lu: '%s': %s",
				      lineno, echo, why);
			break;
		}
		if ((rc = push(list, &t, err)) != 0)
			break;
	}
	if (rc == 0 && ferror(in))
		rc = apn_fail(err, APN_NOINPUT, "cannot read tokens from stdin: %s",
			      strerror(errno));
	free(line);
	return rc;
}

int input_tokens(const char **args, int nargs, FILE *in,
		 struct token_list *list, struct apn_error *err)
{
	int used_stdin = 0;

	memset(list, 0, sizeof *list);
	if (nargs == 0) {
		if (read_stdin(in, list, err) != 0)
			return -1;
		used_stdin = 1;
	}
	for (int i = 0; i < nargs; i++) {
		struct apn_token t;
		const char *why;
		char echo[48];

		if (strcmp(args[i], "-") == 0) {
			if (used_stdin)
				return apn_fail(err, APN_USAGE, "'-' (read stdin) given twice");
			if (read_stdin(in, list, err) != 0)
				return -1;
			used_stdin = 1;
			continue;
		}
		if (token_parse(args[i], strlen(args[i]), &t, &why) != 0) {
			shown(args[i], strlen(args[i]), echo);
			return apn_fail(err, APN_DATAERR, "token '%s': %s", echo, why);
		}
		if (push(list, &t, err) != 0)
			return -1;
	}
	if (list->n == 0)
		return apn_fail(err, APN_USAGE,
				used_stdin ? "no device token on stdin"
					   : "no device token given");
	return 0;
}

void token_list_free(struct token_list *list)
{
	free(list->v);
	list->v = NULL;
	list->n = list->cap = 0;
}
