/* fuzz_frame_view.c: frame_view, frame_size and frame_encode
 * (src/frame.h).
 *
 * The input, read as bytes from the spool or the wire, in each of the
 * three formats: bytes that do not start with the format's command are
 * refused; a frame that is accepted lies inside the input, its token
 * inside the frame, and its size is what its own length fields say; no
 * proper prefix of it is accepted.
 *
 * The input, read as a notification (format, token length, identifier,
 * expiry, priority, token bytes, then the payload): frame_encode writes
 * exactly frame_size bytes (when they fit in FRAME_MAX_BYTES), and
 * frame_view reads back the same format, size, token, payload length and
 * identifier, and refuses every proper prefix. */
#include <config.h>

#include <string.h>

#include "frame.h"
#include "fuzz.h"
#include "payload.h"

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* The size the frame at buf says it has, by the format's layout. */
static size_t claimed_size(enum frame_format fmt, const uint8_t *buf)
{
	size_t head = fmt == FORMAT_SIMPLE ? 1 : 9, t;

	if (fmt == FORMAT_FRAME)
		return 5 + fuzz_get32(buf + 1);
	t = get16(buf + head);
	return head + 2 + t + 2 + get16(buf + head + 2 + t);
}

static void check_view(enum frame_format fmt, const uint8_t *buf, size_t len)
{
	struct frame_view v;
	int rc = frame_view(fmt, buf, len, &v);

	FUZZ_CHECK(rc == 0 || rc == -1);
	if (len == 0 || buf[0] != (uint8_t)fmt)
		FUZZ_CHECK(rc == -1);
	if (rc != 0)
		return;
	FUZZ_CHECK(v.size <= len);
	FUZZ_CHECK(v.size == claimed_size(fmt, buf));
	FUZZ_CHECK(v.token >= buf && v.token + v.token_len <= buf + v.size);
	FUZZ_CHECK(v.payload_len <= v.size);
	FUZZ_CHECK(v.has_id == (fmt != FORMAT_SIMPLE) || fmt == FORMAT_FRAME);
	if (fmt == FORMAT_ENHANCED)
		FUZZ_CHECK(v.id == fuzz_get32(buf + 1));
	if (fmt != FORMAT_FRAME)
		FUZZ_CHECK(v.size == (fmt == FORMAT_SIMPLE ? 5u : 13u) + v.token_len + v.payload_len);
	/* Cut short, it is no frame. */
	for (size_t n = 0; n < v.size; n++) {
		struct frame_view w;

		FUZZ_CHECK(frame_view(fmt, buf, n, &w) == -1);
	}
}

static void check_roundtrip(const uint8_t *data, size_t size)
{
	static uint8_t buf[FRAME_MAX_BYTES];
	struct apn_token tok;
	struct notification n;
	struct frame_view v;
	enum frame_format fmt;
	size_t want, got;

	if (size < 11)
		return;
	fmt = (enum frame_format)(data[0] % 3);
	tok.len = TOKEN_MIN_BYTES + data[1] % (TOKEN_MAX_BYTES - TOKEN_MIN_BYTES + 1);
	n.id = fuzz_get32(data + 2);
	n.expiry = fuzz_get32(data + 6);
	n.priority = data[10];
	data += 11;
	size -= 11;
	memset(tok.bytes, 0, sizeof tok.bytes);
	memcpy(tok.bytes, data, size < tok.len ? size : tok.len);
	data += size < tok.len ? size : tok.len;
	size -= size < tok.len ? size : tok.len;
	n.token = &tok;
	n.payload = data;
	n.payload_len = size;

	want = frame_size(fmt, &n);
	got = frame_encode(fmt, &n, buf, sizeof buf);
	if (want > sizeof buf) {
		FUZZ_CHECK(got == 0);
		return;
	}
	FUZZ_CHECK(got == want);
	FUZZ_CHECK(frame_encode(fmt, &n, buf, want - 1) == 0 || want == 0);
	got = frame_encode(fmt, &n, buf, want); /* exactly enough room */
	FUZZ_CHECK(got == want);
	FUZZ_CHECK(buf[0] == (uint8_t)fmt);
	FUZZ_CHECK(frame_view(fmt, buf, got, &v) == 0);
	FUZZ_CHECK(v.size == got);
	FUZZ_CHECK(v.token_len == tok.len && memcmp(v.token, tok.bytes, tok.len) == 0);
	FUZZ_CHECK(v.payload_len == n.payload_len);
	FUZZ_CHECK(v.has_id == (fmt != FORMAT_SIMPLE));
	if (fmt != FORMAT_SIMPLE)
		FUZZ_CHECK(v.id == n.id);
	for (size_t cut = 0; cut < got; cut++)
		FUZZ_CHECK(frame_view(fmt, buf, cut, &v) == -1);
	/* The other formats do not take it. */
	for (int f = 0; f < 3; f++)
		if (f != (int)fmt)
			FUZZ_CHECK(frame_view((enum frame_format)f, buf, got, &v) == -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_view(FORMAT_SIMPLE, data, size);
	check_view(FORMAT_ENHANCED, data, size);
	check_view(FORMAT_FRAME, data, size);
	check_roundtrip(data, size);
	return 0;
}
