/* input.h: where device tokens come from: TOKEN arguments, and stdin lines
 * (for no arguments, or the argument "-").  Every token is checked before
 * anything is sent. */
#ifndef APNSEND_INPUT_H
#define APNSEND_INPUT_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "token.h"

struct token_list {
	struct apn_token *v;
	size_t n, cap;
};

/* Parse args[0..nargs) (reading stdin for "-", or when nargs is 0) into
 * *list.  On a malformed token fails with APN_DATAERR naming the argument or
 * stdin line; with APN_USAGE when there is no token at all or "-" is
 * repeated.  Free with token_list_free, also after failure. */
int input_tokens(const char **args, int nargs, FILE *in,
		 struct token_list *list, struct apn_error *err);
void token_list_free(struct token_list *list);

#endif
