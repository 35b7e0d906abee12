/* net.c: resolve and connect with one deadline for both steps. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* tcp_info with tcpi_bytes_acked */
#include <linux/sockios.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "msg.h"
#include "net.h"
#include "trace.h"

int net_parse_hostport(const char *spec, char host[NET_HOST_MAX],
		       unsigned *port, struct apn_error *err)
{
	const char *colon, *end;
	size_t hlen;

	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (end == NULL)
			return apn_fail(err, APN_USAGE, "--gateway '%s': '[' without ']'", spec);
		hlen = (size_t)(end - spec - 1);
		spec++;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return apn_fail(err, APN_USAGE, "--gateway: unexpected text after ']'");
	} else {
		colon = strrchr(spec, ':');
		if (colon != NULL && strchr(spec, ':') != colon)
			return apn_fail(err, APN_USAGE,
					"--gateway '%s': write an IPv6 address as [ADDRESS]:PORT", spec);
		hlen = colon ? (size_t)(colon - spec) : strlen(spec);
	}
	if (hlen == 0 || hlen >= NET_HOST_MAX)
		return apn_fail(err, APN_USAGE, "--gateway: missing or overlong host name");
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (colon != NULL) {
		char *stop;
		unsigned long p;

		errno = 0;
		p = strtoul(colon + 1, &stop, 10);
		if (colon[1] < '0' || colon[1] > '9' || *stop != '\0' || errno ||
		    p < 1 || p > 65535)
			return apn_fail(err, APN_USAGE,
					"--gateway: port '%s' is not a number from 1 to 65535",
					colon + 1);
		*port = (unsigned)p;
	}
	return 0;
}

int net_is_ip_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

/* One lookup's state.  On a timeout glibc's resolver thread may still be
 * using it, so it is then left allocated (a short-lived process can afford
 * that; waiting for the thread would break the deadline). */
struct lookup {
	struct gaicb req;
	struct addrinfo hints;
	char service[8];
	char name[NET_HOST_MAX];
};

static int resolve(const char *host, unsigned port, int64_t deadline,
		   struct addrinfo **res, struct apn_error *err)
{
	struct lookup *l = calloc(1, sizeof *l);
	struct gaicb *list[1];
	struct sigevent sev;
	int rc;

	if (l == NULL)
		return apn_fail(err, APN_SOFTWARE, "cannot resolve %s: out of memory", host);
	snprintf(l->service, sizeof l->service, "%u", port);
	snprintf(l->name, sizeof l->name, "%s", host);
	l->hints.ai_family = AF_UNSPEC;
	l->hints.ai_socktype = SOCK_STREAM;
	l->hints.ai_flags = AI_ADDRCONFIG;
	l->req.ar_name = l->name;
	l->req.ar_service = l->service;
	l->req.ar_request = &l->hints;
	list[0] = &l->req;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_NONE;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev);
	if (rc != 0) {
		free(l);
		return apn_fail(err, APN_UNAVAILABLE, "cannot resolve %s: %s", host,
				gai_strerror(rc));
	}
	for (;;) {
		int left = clock_left(deadline);
		struct timespec ts = { left / 1000, (long)(left % 1000) * 1000000 };
		const struct gaicb *wait[1] = { &l->req };

		rc = gai_error(&l->req);
		if (rc != EAI_INPROGRESS)
			break;
		if (left == 0) {
			if (gai_cancel(&l->req) == EAI_CANCELED)
				free(l);
			/* else: still running; l is the resolver's now. */
			return apn_fail(err, APN_UNAVAILABLE,
					"cannot resolve %s: no answer from the name servers "
					"in time (--connect-timeout)", host);
		}
		gai_suspend(wait, 1, &ts);
	}
	if (rc != 0) {
		/* Only a definite "no such name" is 68; a resolver that cannot
		 * be reached or fails for now is 69, worth trying again. */
		enum apn_code code = (rc == EAI_NONAME || rc == EAI_NODATA ||
				      rc == EAI_FAIL)
					     ? APN_NOHOST : APN_UNAVAILABLE;
		int e = errno;

		free(l);
		return apn_fail(err, code, "cannot resolve %s: %s", host,
				rc == EAI_SYSTEM ? strerror(e) : gai_strerror(rc));
	}
	*res = l->req.ar_result;
	free(l);
	return 0;
}

static void addr_text(const struct addrinfo *ai, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ai->ai_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ai->ai_addr;
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
		port = ntohs(sin->sin_port);
		snprintf(buf, len, "%s:%u", ip, port);
	} else if (ai->ai_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof ip);
		port = ntohs(sin6->sin6_port);
		snprintf(buf, len, "[%s]:%u", ip, port);
	} else {
		snprintf(buf, len, "?");
	}
}

/* Start a non-blocking connect and wait for it.  Returns the socket, or -1
 * with errno set (ETIMEDOUT when the deadline passed). */
static int try_connect(const struct addrinfo *ai, int64_t deadline)
{
	int fd, one = 1, soerr = 0;
	socklen_t len = sizeof soerr;
	struct pollfd pfd;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		goto connected;
	if (errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	for (;;) {
		int n = poll(&pfd, 1, clock_left(deadline));

		if (n > 0)
			break;
		if (n == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (errno != EINTR)
			goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
connected:
	/* Keepalive: idle gateways and middleboxes drop quiet connections. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	/* No Nagle: the sender fills whole TLS records itself, and Nagle
	 * would hold back the last, partial one (the sentinel with it) until
	 * the gateway's delayed acknowledgement, 40 ms or more. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

/* "dns: HOST: 2 addresses: 127.0.0.1, ::1" */
static void trace_addresses(const char *host, const struct addrinfo *res)
{
	char list[512] = "", where[INET6_ADDRSTRLEN + 16];
	size_t used = 0;
	int n = 0;

	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next, n++) {
		addr_text(ai, where, sizeof where);
		if (used < sizeof list)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
						 n ? ", " : "", where);
	}
	tracef("dns: %s: %d address%s: %s", host, n, n == 1 ? "" : "es", list);
}

int net_connect(const char *host, unsigned port, int64_t deadline,
		struct apn_error *err)
{
	struct addrinfo *res = NULL, *ai;
	char where[INET6_ADDRSTRLEN + 16] = "";
	int fd = -1, last = 0, tried = 0;

	if (resolve(host, port, deadline, &res, err) != 0)
		return -1;
	if (trace_on())
		trace_addresses(host, res);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		addr_text(ai, where, sizeof where);
		if (clock_left(deadline) == 0) {
			last = ETIMEDOUT;
			break;
		}
		verbosef("tcp: connecting to %s (%s)", where, host);
		tried++;
		fd = try_connect(ai, deadline);
		if (fd >= 0) {
			verbosef("tcp: connected to %s", where);
			break;
		}
		last = errno;
		verbosef("tcp: connect to %s failed: %s", where, strerror(last));
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	if (last == ETIMEDOUT)
		return apn_fail(err, APN_UNAVAILABLE,
				"connect to %s:%u failed: timed out (--connect-timeout)",
				host, port);
	if (tried > 1)
		return apn_fail(err, APN_UNAVAILABLE,
				"connect to %s:%u failed: %s (tried %d addresses)",
				host, port, strerror(last), tried);
	return apn_fail(err, APN_UNAVAILABLE, "connect to %s:%u failed: %s",
			host, port, strerror(last));
}

long net_unread(int fd)
{
	int n = 0;

	if (ioctl(fd, FIONREAD, &n) != 0)
		return -1;
	return n;
}

long net_unacked(int fd)
{
	int n = 0;

	if (ioctl(fd, SIOCOUTQ, &n) != 0)
		return -1;
	return n;
}

int net_tx_position(int fd, uint64_t *written, uint64_t *acked)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	long q;

	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof ti.tcpi_bytes_acked)
		return -1;
	q = net_unacked(fd);
	if (q < 0)
		return -1;
	*acked = ti.tcpi_bytes_acked;
	*written = ti.tcpi_bytes_acked + (uint64_t)q;
	return 0;
}
