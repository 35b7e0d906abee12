/* net.h: name resolution and TCP connect, bounded by a deadline. */
#ifndef APNSEND_NET_H
#define APNSEND_NET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NET_HOST_MAX 256

/* Split "HOST", "HOST:PORT" or "[V6ADDR]:PORT" into host and *port (which
 * keeps its value when no port is given).  Returns 0, or -1 with an
 * APN_USAGE error. */
int net_parse_hostport(const char *spec, char host[NET_HOST_MAX],
		       unsigned *port, struct apn_error *err);

/* Nonzero when host is an IPv4 or IPv6 literal (no SNI is sent for those). */
int net_is_ip_literal(const char *host);

/* Resolve host, then try every address in turn until one connects, all
 * before deadline (clock_ms() time).  Returns a connected non-blocking
 * socket, or -1 with APN_NOHOST (name not found) or APN_UNAVAILABLE (no
 * address connected, or the deadline passed). */
int net_connect(const char *host, unsigned port, int64_t deadline,
		struct apn_error *err);

/* Bytes received in the socket and not read yet (FIONREAD), or -1. */
long net_unread(int fd);

/* Bytes written to the socket that the peer's TCP has not acknowledged
 * yet (SIOCOUTQ), or -1 when the system cannot tell. */
long net_unacked(int fd);

/* Bytes of this connection written into the socket (*written) and
 * acknowledged by the peer's TCP (*acked), both counted from the start of
 * the connection (TCP_INFO and SIOCOUTQ).  Returns -1 when the system
 * cannot tell. */
int net_tx_position(int fd, uint64_t *written, uint64_t *acked);

#endif
