/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vpcd.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static long long monotonic_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* A signal cuts the sleep short so that the caller sees *stop soon. */
static void sleep_ms(int ms)
{
	struct timespec delay = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&delay, NULL);
}

static int try_connect(const struct addrinfo *addrs)
{
	for (const struct addrinfo *ai = addrs; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

int vpcd_connect(const char *host, const char *port, int retry_ms, int timeout_ms,
		 const volatile sig_atomic_t *stop)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *addrs = NULL;
	long long deadline = monotonic_ms() + timeout_ms;
	int fd = -1;
	int one = 1;
	int rc;

	rc = getaddrinfo(host, port, &hints, &addrs);
	if (rc != 0) {
		fprintf(stderr, "jpki-vcard: %s:%s: %s\n", host, port, gai_strerror(rc));
		goto out;
	}
	while ((fd = try_connect(addrs)) < 0) {
		if (*stop)
			goto out;
		if (monotonic_ms() >= deadline) {
			fprintf(stderr, "jpki-vcard: cannot connect to vpcd at %s:%s: %s\n",
				host, port, strerror(errno));
			goto out;
		}
		sleep_ms(retry_ms);
	}
	/* vpcd writes length and payload separately: without this, Nagle and
	 * delayed ACK add about 40 ms to every APDU. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
out:
	if (addrs)
		freeaddrinfo(addrs);
	return fd;
}

/* Returns 1 when all len bytes arrived, 0 on EOF before any byte, -1 else. */
static int read_full(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && done == 0)
			return 0;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 1;
}

int vpcd_receive(int fd, uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t header[2];
	size_t size;
	int one = 1;
	int r;

	/* Linux turns quick ACK off again by itself: set it before each read. */
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	r = read_full(fd, header, sizeof(header));
	if (r <= 0)
		return r;
	size = (size_t)header[0] << 8 | header[1];
	if (size > cap)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	if (size > 0 && read_full(fd, buf, size) != 1)
		return -1;
	*len = size;
	return 1;
}

bool vpcd_send(int fd, const uint8_t *buf, size_t len)
{
	uint8_t header[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	struct iovec iov[2] = {
		{ header, sizeof(header) },
		{ (void *)buf, len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t left = sizeof(header) + len;

	if (len > VPCD_MAX_MESSAGE)
		return false;
	/* One message so that length and payload leave in one segment;
	 * MSG_NOSIGNAL: a vpcd that went away is an error, not SIGPIPE. */
	while (left > 0) {
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		left -= (size_t)n;
		for (int i = 0; i < 2; i++) {
			size_t used = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;

			iov[i].iov_base = (uint8_t *)iov[i].iov_base + used;
			iov[i].iov_len -= used;
			n -= (ssize_t)used;
		}
	}
	return true;
}
