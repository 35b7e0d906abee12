/* test_pem.c: unit tests of the PEM private key block decoder (src/pem.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pem.h"

/* "AAECAwQ=" is the bytes 0 1 2 3 4. */
static const unsigned char five[] = { 0, 1, 2, 3, 4 };

static enum pem_result decode(const char *text, char *label, unsigned char **der,
			      size_t *len)
{
	return pem_private_key(text, strlen(text), label, der, len);
}

static void expect_five(const char *text, const char *want_label)
{
	char label[41] = "";
	unsigned char *der = (unsigned char *)1;
	size_t len = 99;

	assert_int_equal(decode(text, label, &der, &len), PEM_OK);
	assert_string_equal(label, want_label);
	assert_int_equal(len, sizeof five);
	assert_memory_equal(der, five, sizeof five);
	pem_free(der, len);
}

static void expect_result(const char *text, enum pem_result want)
{
	unsigned char *der = (unsigned char *)1;
	size_t len = 99;

	assert_int_equal(decode(text, NULL, &der, &len), want);
	assert_null(der);
	assert_int_equal(len, 0);
}

static void test_pkcs8(void **state)
{
	(void)state;
	expect_five("-----BEGIN PRIVATE KEY-----\nAAEC\nAwQ=\n-----END PRIVATE KEY-----\n",
		    "PRIVATE KEY");
}

static void test_after_certificate_crlf(void **state)
{
	(void)state;
	/* A combined file: the certificate first, CRLF line ends. */
	expect_five("-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n"
		    "-----BEGIN ENCRYPTED PRIVATE KEY-----\r\nAAECAwQ=\r\n"
		    "-----END ENCRYPTED PRIVATE KEY-----\r\n",
		    "ENCRYPTED PRIVATE KEY");
	expect_five("junk before\n-----BEGIN RSA PRIVATE KEY-----\n AAE CAw Q=\t\n"
		    "-----END RSA PRIVATE KEY-----", "RSA PRIVATE KEY");
}

static void test_headers(void **state)
{
	(void)state;
	/* A legacy OpenSSL encrypted key: GnuTLS reads it as PEM. */
	expect_result("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
		      "DEK-Info: AES-128-CBC,00\n\nAAECAwQ=\n-----END RSA PRIVATE KEY-----\n",
		      PEM_HEADERS);
}

static void test_bad(void **state)
{
	(void)state;
	/* No END line, or the END of another label. */
	expect_result("-----BEGIN PRIVATE KEY-----\nAAECAwQ=\n", PEM_BAD);
	expect_result("-----BEGIN PRIVATE KEY-----\nAAECAwQ=\n-----END EC PRIVATE KEY-----\n",
		      PEM_BAD);
	/* Not base64; empty; padding in the middle; cut short. */
	expect_result("-----BEGIN PRIVATE KEY-----\nAA*C\n-----END PRIVATE KEY-----\n", PEM_BAD);
	expect_result("-----BEGIN PRIVATE KEY-----\n\n-----END PRIVATE KEY-----\n", PEM_BAD);
	expect_result("-----BEGIN PRIVATE KEY-----\nAA==AAEC\n-----END PRIVATE KEY-----\n",
		      PEM_BAD);
	expect_result("-----BEGIN PRIVATE KEY-----\nAAECA\n-----END PRIVATE KEY-----\n",
		      PEM_BAD);
	/* The BEGIN line is the last line. */
	expect_result("-----BEGIN PRIVATE KEY-----", PEM_BAD);
}

static void test_not_found(void **state)
{
	(void)state;
	expect_result("", PEM_NOT_FOUND);
	expect_result("AAECAwQ=\n", PEM_NOT_FOUND);
	expect_result("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		      PEM_NOT_FOUND);
	expect_result("-----BEGIN PRIVATE KEY\n", PEM_NOT_FOUND);
	/* A label over 40 bytes, or across lines. */
	expect_result("-----BEGIN AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA PRIVATE KEY-----\n"
		      "AAECAwQ=\n-----END AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA PRIVATE KEY-----\n",
		      PEM_NOT_FOUND);
	expect_result("-----BEGIN X\nPRIVATE KEY-----\nAAECAwQ=\n", PEM_NOT_FOUND);
	expect_result("-----BEGIN X\tPRIVATE KEY-----\nAAECAwQ=\n", PEM_NOT_FOUND);
}

/* Found by fuzz_pem: a label holding NUL bytes was taken, and the END
 * line looked for only up to the first NUL ("-----END "). */
static void test_label_with_nul(void **state)
{
	static const char text[] = "-----BEGIN \0\0PRIVATE KEY-----\nAAECAwQ=\n"
				   "-----END EC PRIVATE KEY-----\n";
	unsigned char *der = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(pem_private_key(text, sizeof text - 1, NULL, &der, &len),
			 PEM_NOT_FOUND);
	assert_null(der);
}

static void test_length_bounds_the_text(void **state)
{
	static const char text[] =
		"-----BEGIN PRIVATE KEY-----\nAAECAwQ=\n-----END PRIVATE KEY-----\n";
	unsigned char *der = NULL;
	size_t len = 0;

	(void)state;
	/* Without its last 10 bytes the END line is cut: nothing past len
	 * is read. */
	assert_int_equal(pem_private_key(text, sizeof text - 1 - 10, NULL, &der, &len),
			 PEM_BAD);
	assert_null(der);
	assert_int_equal(pem_private_key(text, sizeof text - 1, NULL, &der, &len), PEM_OK);
	pem_free(der, len);
	pem_free(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkcs8),
		cmocka_unit_test(test_after_certificate_crlf),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_label_with_nul),
		cmocka_unit_test(test_length_bounds_the_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
