/* frame.c: binary provider protocol encoding and decoding. */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frame.h"

enum {
	ITEM_TOKEN = 1,
	ITEM_PAYLOAD = 2,
	ITEM_ID = 3,
	ITEM_EXPIRY = 4,
	ITEM_PRIORITY = 5
};

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static uint8_t *put_bytes(uint8_t *p, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = src[i];
	return p + n;
}

static uint8_t *put_item(uint8_t *p, uint8_t item, const uint8_t *data,
			 uint16_t len)
{
	*p++ = item;
	p = put16(p, len);
	return put_bytes(p, data, len);
}

size_t frame_size(enum frame_format fmt, const struct notification *n)
{
	size_t t = n->token->len, l = n->payload_len;

	switch (fmt) {
	case FORMAT_SIMPLE:
		return 5 + t + l;
	case FORMAT_ENHANCED:
		return 13 + t + l;
	case FORMAT_FRAME:
		return 5 + 3 + t + 3 + l + 7 + 7 + 4;
	}
	return 0;
}

size_t frame_encode(enum frame_format fmt, const struct notification *n,
		    uint8_t *buf, size_t cap)
{
	size_t size = frame_size(fmt, n);
	uint8_t *p = buf, num[4];

	if (size == 0 || size > cap || n->token->len > UINT16_MAX ||
	    n->payload_len > UINT16_MAX)
		return 0;
	switch (fmt) {
	case FORMAT_SIMPLE:
		*p++ = 0;
		p = put16(p, (uint16_t)n->token->len);
		p = put_bytes(p, n->token->bytes, n->token->len);
		p = put16(p, (uint16_t)n->payload_len);
		p = put_bytes(p, n->payload, n->payload_len);
		break;
	case FORMAT_ENHANCED:
		*p++ = 1;
		p = put32(p, n->id);
		p = put32(p, n->expiry);
		p = put16(p, (uint16_t)n->token->len);
		p = put_bytes(p, n->token->bytes, n->token->len);
		p = put16(p, (uint16_t)n->payload_len);
		p = put_bytes(p, n->payload, n->payload_len);
		break;
	case FORMAT_FRAME:
		*p++ = 2;
		p = put32(p, (uint32_t)(size - 5));
		p = put_item(p, ITEM_TOKEN, n->token->bytes, (uint16_t)n->token->len);
		p = put_item(p, ITEM_PAYLOAD, n->payload, (uint16_t)n->payload_len);
		put32(num, n->id);
		p = put_item(p, ITEM_ID, num, 4);
		put32(num, n->expiry);
		p = put_item(p, ITEM_EXPIRY, num, 4);
		p = put_item(p, ITEM_PRIORITY, &n->priority, 1);
		break;
	}
	return (size_t)(p - buf);
}

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

/* Commands 0 and 1: [header] token length, token, payload length, payload. */
static int view_old(const uint8_t *buf, size_t len, size_t head, struct frame_view *v)
{
	size_t t, l;

	if (len < head + 2)
		return -1;
	t = get16(buf + head);
	if (len < head + 2 + t + 2)
		return -1;
	l = get16(buf + head + 2 + t);
	if (len < head + 2 + t + 2 + l)
		return -1;
	v->token = buf + head + 2;
	v->token_len = t;
	v->payload_len = l;
	v->size = head + 2 + t + 2 + l;
	return 0;
}

int frame_view(enum frame_format fmt, const uint8_t *buf, size_t len,
	       struct frame_view *v)
{
	size_t end, off;
	int seen = 0;

	v->has_id = 0;
	v->id = 0;
	if (len < 1 || buf[0] != (uint8_t)fmt)
		return -1;
	switch (fmt) {
	case FORMAT_SIMPLE:
		return view_old(buf, len, 1, v);
	case FORMAT_ENHANCED:
		if (len < 9)
			return -1;
		v->has_id = 1;
		v->id = get32(buf + 1);
		return view_old(buf, len, 9, v);
	case FORMAT_FRAME:
		if (len < 5 || get32(buf + 1) > len - 5)
			return -1;
		end = 5 + get32(buf + 1);
		for (off = 5; off + 3 <= end; off += 3 + get16(buf + off + 1)) {
			size_t ilen = get16(buf + off + 1);
			const uint8_t *data = buf + off + 3;

			if (off + 3 + ilen > end)
				return -1;
			if (buf[off] == ITEM_TOKEN) {
				v->token = data;
				v->token_len = ilen;
				seen |= 1;
			} else if (buf[off] == ITEM_PAYLOAD) {
				v->payload_len = ilen;
				seen |= 2;
			} else if (buf[off] == ITEM_ID && ilen == 4) {
				v->has_id = 1;
				v->id = get32(data);
			}
		}
		if (off != end || seen != 3)
			return -1;
		v->size = end;
		return 0;
	}
	return -1;
}

int error_response_decode(const uint8_t buf[ERROR_RESPONSE_BYTES],
			  struct error_response *out)
{
	if (buf[0] != ERROR_RESPONSE_COMMAND)
		return -1;
	out->status = buf[1];
	out->id = get32(buf + 2);
	return 0;
}

const char *status_name(uint8_t status)
{
	switch (status) {
	case 0: return "no errors encountered";
	case 1: return "processing error";
	case 2: return "missing device token";
	case 3: return "missing topic";
	case 4: return "missing payload";
	case 5: return "invalid token size";
	case 6: return "invalid topic size";
	case 7: return "invalid payload size";
	case 8: return "invalid token";
	case 10: return "shutdown";
	case 128: return "protocol error";
	case 255: return "none (unknown)";
	default: return "unknown status";
	}
}

const char *format_name(enum frame_format fmt)
{
	switch (fmt) {
	case FORMAT_SIMPLE: return "simple";
	case FORMAT_ENHANCED: return "enhanced";
	case FORMAT_FRAME: return "frame";
	}
	return "?";
}

void feedback_init(struct feedback_decoder *d)
{
	d->have = 0;
}

/* The tuple of size bytes at p (its header says how long it is). */
static enum feedback_step tuple_at(const uint8_t *p, size_t size,
				   struct feedback_tuple *out)
{
	out->time = get32(p);
	out->token_len = size - FEEDBACK_HEADER_BYTES;
	out->token = p + FEEDBACK_HEADER_BYTES;
	out->raw = p;
	return out->token_len == 0 ? FEEDBACK_EMPTY_TOKEN : FEEDBACK_TUPLE;
}

enum feedback_step feedback_next(struct feedback_decoder *d, const uint8_t **data,
				 size_t *len, struct feedback_tuple *out)
{
	const uint8_t *p = *data;
	size_t n = *len, need, take;

	/* A whole tuple in the chunk is used where it lies. */
	if (d->have == 0 && n >= FEEDBACK_HEADER_BYTES) {
		need = FEEDBACK_HEADER_BYTES + (size_t)get16(p + 4);
		if (n >= need) {
			*data = p + need;
			*len = n - need;
			return tuple_at(p, need, out);
		}
	}
	/* Else gather it in part: the header, then the token it announces
	 * (need never exceeds sizeof part). */
	while (n > 0) {
		need = FEEDBACK_HEADER_BYTES;
		if (d->have >= FEEDBACK_HEADER_BYTES)
			need += get16(d->part + 4);
		take = need - d->have < n ? need - d->have : n;
		memcpy(d->part + d->have, p, take);
		d->have += take;
		p += take;
		n -= take;
		if (d->have >= FEEDBACK_HEADER_BYTES &&
		    d->have == FEEDBACK_HEADER_BYTES + (size_t)get16(d->part + 4)) {
			size_t size = d->have;

			d->have = 0;
			*data = p;
			*len = n;
			return tuple_at(d->part, size, out);
		}
	}
	*data = p;
	*len = 0;
	return FEEDBACK_NEED_MORE;
}

size_t feedback_partial(const struct feedback_decoder *d, const uint8_t **bytes)
{
	*bytes = d->part;
	return d->have;
}

/* n decimal digits of v at p. */
static void put_digits(char *p, uint32_t v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void feedback_time_text(uint32_t t, char out[FEEDBACK_TIME_TEXT])
{
	/* Days to a civil date (Howard Hinnant's civil_from_days): plain
	 * arithmetic, right for every u32 (1970 to 2106) whatever the width
	 * of time_t. */
	uint32_t z = t / 86400 + 719468, secs = t % 86400;
	uint32_t era = z / 146097, doe = z - era * 146097;
	uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint32_t mp = (5 * doy + 2) / 153;
	uint32_t day = doy - (153 * mp + 2) / 5 + 1;
	uint32_t month = mp < 10 ? mp + 3 : mp - 9;
	uint32_t year = yoe + era * 400 + (month <= 2);

	memcpy(out, "YYYY-MM-DDThh:mm:ssZ", FEEDBACK_TIME_TEXT);
	put_digits(out, year, 4);
	put_digits(out + 5, month, 2);
	put_digits(out + 8, day, 2);
	put_digits(out + 11, secs / 3600, 2);
	put_digits(out + 14, secs / 60 % 60, 2);
	put_digits(out + 17, secs % 60, 2);
}
