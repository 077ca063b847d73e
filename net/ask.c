/*
 * A question to the parent and the wait for its answer (net child): a
 * login, so the message is wiped once sent.  The parent answers at once,
 * so the net child blocks for the round trip rather than suspend the
 * request and every later one of its connection; the parent's other
 * messages that arrive meanwhile wait their turn.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <fcntl.h>
#include <stdlib.h>

#include "ask.h"
#include "dispatch.h"
#include "log.h"
#include "msg.h"
#include "privsep/proc.h"

struct ask_kept {
	TAILQ_ENTRY(ask_kept)	 ak_entry;
	struct imsg		 ak_imsg;
};
static TAILQ_HEAD(, ask_kept) ask_kept = TAILQ_HEAD_INITIALIZER(ask_kept);

/* Takes one message off the control channel, reading (blocking) if none. */
static void
ask_next(struct imsg *imsg)
{
	ssize_t	n;

	while ((n = imsg_get(&proc_ctl.iev_ibuf, imsg)) == 0) {
		if ((n = imsgbuf_read(&proc_ctl.iev_ibuf)) == -1)
			fatal("control channel");
		if (n == 0)
			fatalx("parent went away");
	}
	if (n == -1)
		fatal("control message");
}

uint32_t
ask_parent(uint32_t type, const struct iovec *iov, int iovcnt)
{
	static uint32_t	 id;
	struct ask_kept	*ak;
	struct ibuf	*wbuf;
	struct imsg	 imsg;
	uint32_t	 answer;
	size_t		 len = 0;
	int		 i, fl, fd = proc_ctl.iev_ibuf.fd;

	if (++id == 0)
		id = 1;
	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	/*
	 * The question holds a password: its buffer is wiped when sent.
	 * Created at its full size, so no add reallocates it.
	 */
	if ((wbuf = imsg_create(&proc_ctl.iev_ibuf, type, id, 0, len)) == NULL)
		fatal("compose to the parent");
	ibuf_wipe_on_free(wbuf);
	for (i = 0; i < iovcnt; i++)
		if (imsg_add(wbuf, iov[i].iov_base, iov[i].iov_len) == -1)
			fatal("compose to the parent");
	imsg_close(&proc_ctl.iev_ibuf, wbuf);
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		fatal("control channel");
	if (imsgbuf_flush(&proc_ctl.iev_ibuf) == -1)
		fatal("control channel");
	for (;;) {
		ask_next(&imsg);
		if (imsg_get_type(&imsg) == IMSG_CTL_AUTH_RESULT)
			break;
		if ((ak = calloc(1, sizeof(*ak))) == NULL)
			fatal("kept control message");
		ak->ak_imsg = imsg;
		TAILQ_INSERT_TAIL(&ask_kept, ak, ak_entry);
	}
	if (dispatch_check(DISPATCH_NET_CTL, PROC_PARENT, &imsg) != NULL ||
	    imsg_get_id(&imsg) != id ||
	    imsg_get_data(&imsg, &answer, sizeof(answer)) == -1)
		fatalx("bad answer from the parent");
	imsg_free(&imsg);
	if (fcntl(fd, F_SETFL, fl) == -1)
		fatal("control channel");
	return (answer);
}

int
ask_pending(void)
{
	return (!TAILQ_EMPTY(&ask_kept));
}

int
ask_deferred(struct imsg *imsg)
{
	struct ask_kept	*ak;

	if ((ak = TAILQ_FIRST(&ask_kept)) == NULL)
		return (0);
	TAILQ_REMOVE(&ask_kept, ak, ak_entry);
	*imsg = ak->ak_imsg;
	free(ak);
	return (1);
}
