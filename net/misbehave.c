/*
 * Test builds only (HOOKS=1): what a compromised net child might do, on a
 * client's "misbehave <what>", so that the tests can show what the
 * sandbox, storage and the parent do about it.
 */

#ifdef TEST_HOOKS

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "net.h"
#include "privsep/proc.h"
#include "wire.h"

int	misbehave_tls_vouch;

/* Log lines and stats requests a flood sends. */
#define MISBEHAVE_FLOOD		50000

/*
 * Raw frames on a channel: a well-framed message of a type nobody knows
 * with junk after its header, or a header announcing 2 GB.
 */
static int
misbehave_raw(int fd, int oversized)
{
	struct {
		struct imsg_hdr	hdr;
		uint8_t		junk[8];
	}			msg;
	size_t			len;

	memset(&msg, 0xff, sizeof(msg));
	msg.hdr.type = 0xffff;
	msg.hdr.len = sizeof(msg);
	len = sizeof(msg);
	if (oversized) {
		msg.hdr.type = IMSG_CTL_LOG;
		msg.hdr.len = 0x7ffffff0;
		len = sizeof(msg.hdr);
	}
	return (write(fd, &msg, len) == (ssize_t)len ? 0 : -1);
}

static int
misbehave_log(int prio, const char *text, size_t n)
{
	struct ibuf	*buf;
	size_t		 i, len = strlen(text);

	for (i = 0; i < n; i++) {
		if ((buf = imsg_create(&proc_ctl.iev_ibuf, IMSG_CTL_LOG, 0, 0,
		    sizeof(int32_t) + len)) == NULL ||
		    imsg_add(buf, &(int32_t){ prio }, sizeof(int32_t)) == -1 ||
		    imsg_add(buf, text, len) == -1)
			return (-1);
		imsg_close(&proc_ctl.iev_ibuf, buf);
	}
	imsgev_add(&proc_ctl);
	return (0);
}

/* Asks storage for stats without end and never reads the replies. */
static int
misbehave_stats_flood(void)
{
	uint32_t	kind = CACHE_STATS_SLABS;
	size_t		i;

	for (i = 0; i < MISBEHAVE_FLOOD; i++)
		if (imsg_compose(&net_storage.iev_ibuf, IMSG_CACHE_STATS_REQ,
		    0, 0, -1, &kind, sizeof(kind)) == -1)
			return (-1);
	/*
	 * Deaf from now on: no read event, and as if storage were gone so
	 * that the end of a loop pass never looks for replies either.  The
	 * queued requests still go out on EV_WRITE.
	 */
	imsgev_pause_read(&net_storage, 1);
	net_storage_up = 0;
	return (0);
}

/*
 * Logins for the parent to check, without end and without waiting for
 * the answers: the parent checks at most its rate and the answers it
 * cannot deliver count against the child's queue.
 */
static int
misbehave_auth_flood(void)
{
	struct {
		struct auth_req	ar;
		char		up[8];
	}		q;
	size_t		i;

	memset(&q, 0, sizeof(q));
	q.ar.ar_family = AF_INET;
	q.ar.ar_ulen = 4;
	q.ar.ar_plen = 4;
	memcpy(q.up, "userpass", 8);
	imsgev_pause_read(&proc_ctl, 1);
	for (i = 0; i < MISBEHAVE_FLOOD; i++)
		if (imsg_compose(&proc_ctl.iev_ibuf, IMSG_CTL_AUTH_CHECK, 0, 0,
		    -1, &q, sizeof(q)) == -1)
			return (-1);
	imsgev_add(&proc_ctl);
	return (0);
}

/* A flush_all straight to storage, past the parser that checks -F. */
static int
misbehave_flush(void)
{
	struct cache_batch	 cb = { 1, 0 };
	struct cache_req	 req;
	struct ibuf		*buf;

	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_FLUSH;
	if ((buf = imsg_create(&net_storage.iev_ibuf, IMSG_CACHE_REQ, 0, 0,
	    sizeof(cb) + sizeof(req))) == NULL ||
	    wire_put_batch(buf, &cb) == -1 || wire_put_req(buf, &req) == -1)
		return (-1);
	imsg_close(&net_storage.iev_ibuf, buf);
	imsgev_add(&net_storage);
	return (0);
}

/* Shuts every socket down for reading (the listeners too), then exits. */
static int
misbehave_unlisten(void)
{
	int	fd;

	for (fd = 0; fd < 1024; fd++)
		(void)shutdown(fd, SHUT_RD);
	_exit(1);
}

int
net_misbehave(const char *what, size_t len)
{
#define IS(s)	(len == sizeof(s) - 1 && memcmp(what, s, len) == 0)
	log_warnx("misbehaving on request: %.*s", (int)len, what);
	if (IS("syscall"))
		return (socket(AF_INET, SOCK_STREAM, 0) == -1 ? -1 : 0);
	if (IS("parent"))
		return (imsgev_compose(&proc_ctl, IMSG_CFG_DONE, 0, -1, NULL,
		    0));
	if (IS("storage"))
		return (imsg_compose(&net_storage.iev_ibuf, IMSG_CACHE_REQ,
		    0, 0, -1, "garbage", 7) == -1 ? -1 : 0);
	if (IS("netstats"))
		return (imsg_compose(&net_storage.iev_ibuf,
		    IMSG_CACHE_NET_STATS, 0, 0, -1, "short", 5) == -1 ? -1 : 0);
	if (IS("fd"))
		/* Our /dev/null stdin, to the parent. */
		return (imsgev_compose(&proc_ctl, IMSG_CTL_READY, 0,
		    STDIN_FILENO, NULL, 0));
	if (IS("garbage"))
		return (misbehave_raw(PROC_CTL_FD, 0));
	if (IS("oversized"))
		return (misbehave_raw(PROC_CTL_FD, 1));
	if (IS("storagehuge"))
		return (misbehave_raw(net_storage.iev_ibuf.fd, 1));
	if (IS("logbytes"))
		return (misbehave_log(LOG_EMERG,
		    "evil \x9b" "31m \xe2\x80\xae \x1b[2J end", 1));
	if (IS("logflood"))
		return (misbehave_log(LOG_INFO, "flood", MISBEHAVE_FLOOD));
	if (IS("statsflood"))
		return (misbehave_stats_flood());
	if (IS("ctldeaf")) {
		imsgev_pause_read(&proc_ctl, 1);
		return (0);
	}
	if (IS("tlsvouch")) {
		misbehave_tls_vouch = 1;
		return (0);
	}
	if (IS("tlsrefused"))
		/* "The TLS files of the start do not work": stop the daemon? */
		return (imsgev_compose(&proc_ctl, IMSG_CTL_TLS_RESULT, 0, -1,
		    &(uint32_t){ 0 }, sizeof(uint32_t)));
	if (IS("unlisten"))
		return (misbehave_unlisten());
	if (IS("authflood"))
		return (misbehave_auth_flood());
	if (IS("flush"))
		return (misbehave_flush());
	if (IS("exit"))
		_exit(1);
	return (-1);
#undef IS
}

#endif /* TEST_HOOKS */
