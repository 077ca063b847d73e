/*
 * Unit tests for the dispatch rules (common/dispatch.c): every message type
 * of every channel is accepted from its sender with its length and
 * descriptor, and refused from every other sender, at every wrong length
 * and with a descriptor where none may come; no handler runs for a refused
 * message; the parent's channel never takes a descriptor in.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "dispatch.h"
#include "msg.h"

/* Past the last message type any table names. */
#define TYPES_MAX	64
/* Largest payload the test channel carries. */
#define TEST_MSG_MAX	(256 * 1024)

static int		 sv[2] = { -1, -1 };
static struct imsgbuf	 wr, rd;

static void
chan_open(int take_fds)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(imsgbuf_init(&wr, sv[0]), 0);
	cr_assert_eq(imsgbuf_init(&rd, sv[1]), 0);
	imsgbuf_allow_fdpass(&wr);
	if (take_fds)
		imsgbuf_allow_fdpass(&rd);
#if !defined(__OpenBSD__) || defined(IMSG_COMPAT)
	else
		imsgbuf_allow_fdsend(&rd);
#endif
	cr_assert_eq(imsgbuf_set_maxsize(&wr, TEST_MSG_MAX), 0);
	cr_assert_eq(imsgbuf_set_maxsize(&rd, TEST_MSG_MAX), 0);
}

static void
chan_close(void)
{
	imsgbuf_clear(&wr);
	imsgbuf_clear(&rd);
	close(sv[0]);
	close(sv[1]);
}

static size_t
open_fds(void)
{
	DIR	*d;
	size_t	 n = 0;

	cr_assert_not_null(d = opendir("/proc/self/fd"));
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return (n);
}

/* Sends type with len zero bytes (and a descriptor) and queues it on rd. */
static void
put(uint32_t type, size_t len, int withfd)
{
	static uint8_t	zero[TEST_MSG_MAX];
	int		fd = -1;

	cr_assert_leq(len + IMSG_HEADER_SIZE, TEST_MSG_MAX);
	if (withfd)
		cr_assert_neq(fd = open("/dev/null", O_RDONLY), -1);
	cr_assert_eq(imsg_compose(&wr, type, 0, 0, fd, zero, len), 1);
	cr_assert_eq(imsgbuf_flush(&wr), 0);
}

static void
get(struct imsg *m)
{
	ssize_t	n;

	while ((n = imsg_get(&rd, m)) == 0)
		cr_assert_eq(imsgbuf_read(&rd), 1);
	cr_assert_gt(n, 0);
}

/* What dispatch_check says of one message sent as told. */
static const char *
verdict(enum dispatch_chan chan, enum proc_role from, uint32_t type,
    size_t len, int withfd)
{
	static char	 why[128];
	struct imsg	 m;
	const char	*w;

	put(type, len, withfd);
	get(&m);
	w = dispatch_check(chan, from, &m);
	imsg_free(&m);
	if (w == NULL)
		return (NULL);
	(void)strlcpy(why, w, sizeof(why));
	return (why);
}

/* A length the rule allows, bounded for the test channel. */
static size_t
good_len(const struct dispatch_rule *r)
{
	return (r->dr_max == SIZE_MAX ? r->dr_min + 100 : r->dr_max);
}

Test(dispatch, every_rule_takes_its_message)
{
	const struct dispatch_rule	*r;
	enum dispatch_chan		 c;
	enum proc_role			 from;
	uint32_t			 t;
	size_t				 rules = 0;

	chan_open(1);
	for (c = 0; c < DISPATCH_CHAN_MAX; c++)
		for (t = 0; t < TYPES_MAX; t++) {
			if ((r = dispatch_rule(c, t)) == NULL)
				continue;
			rules++;
			for (from = 0; from < PROC_MAX; from++) {
				if (!(r->dr_senders & DISPATCH_FROM(from)))
					continue;
				cr_assert_null(verdict(c, from, t, r->dr_min,
				    r->dr_fd), "chan %d type %u min", c, t);
				cr_assert_null(verdict(c, from, t, good_len(r),
				    r->dr_fd), "chan %d type %u max", c, t);
			}
		}
	/* 5 to the parent, 9 + 6 to net, 4 + 5 to storage. */
	cr_assert_eq(rules, 29);
	chan_close();
}

Test(dispatch, every_wrong_sender_is_refused)
{
	const struct dispatch_rule	*r;
	enum dispatch_chan		 c;
	enum proc_role			 from;
	uint32_t			 t;
	const char			*why;

	chan_open(1);
	for (c = 0; c < DISPATCH_CHAN_MAX; c++)
		for (t = 0; t < TYPES_MAX; t++) {
			if ((r = dispatch_rule(c, t)) == NULL)
				continue;
			for (from = 0; from < PROC_MAX; from++) {
				if (r->dr_senders & DISPATCH_FROM(from))
					continue;
				why = verdict(c, from, t, r->dr_min, r->dr_fd);
				cr_assert_not_null(why);
				cr_assert_str_eq(why,
				    "message from the wrong process");
			}
		}
	chan_close();
}

Test(dispatch, every_wrong_length_is_refused)
{
	const struct dispatch_rule	*r;
	enum dispatch_chan		 c;
	enum proc_role			 from;
	uint32_t			 t;
	const char			*why;

	chan_open(1);
	for (c = 0; c < DISPATCH_CHAN_MAX; c++)
		for (t = 0; t < TYPES_MAX; t++) {
			if ((r = dispatch_rule(c, t)) == NULL)
				continue;
			for (from = 0; !(r->dr_senders & DISPATCH_FROM(from));
			    from++)
				;
			if (r->dr_min > 0) {
				why = verdict(c, from, t, r->dr_min - 1,
				    r->dr_fd);
				cr_assert_not_null(why, "chan %d type %u", c,
				    t);
				cr_assert_str_eq(why,
				    "message of a wrong length");
			}
			if (r->dr_max != SIZE_MAX) {
				why = verdict(c, from, t, r->dr_max + 1,
				    r->dr_fd);
				cr_assert_not_null(why, "chan %d type %u", c,
				    t);
				cr_assert_str_eq(why,
				    "message of a wrong length");
			}
		}
	chan_close();
}

Test(dispatch, descriptors_only_where_the_rule_says)
{
	const struct dispatch_rule	*r;
	enum dispatch_chan		 c;
	enum proc_role			 from;
	uint32_t			 t;
	const char			*why;
	size_t				 with = 0;

	chan_open(1);
	for (c = 0; c < DISPATCH_CHAN_MAX; c++)
		for (t = 0; t < TYPES_MAX; t++) {
			if ((r = dispatch_rule(c, t)) == NULL)
				continue;
			for (from = 0; !(r->dr_senders & DISPATCH_FROM(from));
			    from++)
				;
			why = verdict(c, from, t, r->dr_min, !r->dr_fd);
			cr_assert_not_null(why, "chan %d type %u", c, t);
			cr_assert_str_eq(why, r->dr_fd ? "descriptor missing" :
			    "unexpected descriptor");
			if (r->dr_fd) {
				with++;
				/* Only the parent hands descriptors out. */
				cr_assert_eq(r->dr_senders,
				    DISPATCH_FROM(PROC_PARENT));
			}
		}
	/*
	 * CTL_PEER to both children, CFG_LISTENER to net, CFG_CACHE (the
	 * item memory) to storage.
	 */
	cr_assert_eq(with, 4);
	chan_close();
}

Test(dispatch, unknown_types_are_refused)
{
	enum dispatch_chan	 c;
	uint32_t		 t;
	const char		*why;

	chan_open(1);
	for (c = 0; c < DISPATCH_CHAN_MAX; c++)
		for (t = 0; t < TYPES_MAX + 2; t++) {
			if (dispatch_rule(c, t) != NULL)
				continue;
			why = verdict(c, PROC_PARENT, t, 0, 0);
			cr_assert_not_null(why);
			cr_assert_str_eq(why, "unexpected message");
		}
	/* No password material goes to net any more. */
	cr_assert_null(dispatch_rule(DISPATCH_NET_CTL, IMSG_CFG_AUTH));
	cr_assert_null(dispatch_rule(DISPATCH_NET_CTL, IMSG_CFG_AUTH_END));
	cr_assert_null(dispatch_rule(DISPATCH_CHAN_MAX, IMSG_CTL_READY));
	cr_assert_null(dispatch_rule(DISPATCH_PARENT, UINT32_MAX));
	chan_close();
}

/* watch evictions: one flag word in, bounded reports out. */
Test(dispatch, watch_messages_are_bounded)
{
	const struct dispatch_rule	*r;

	cr_assert_not_null(r = dispatch_rule(DISPATCH_STORAGE_DATA,
	    IMSG_CACHE_WATCH));
	cr_assert_eq(r->dr_senders, DISPATCH_FROM(PROC_NET));
	cr_assert_eq(r->dr_min, sizeof(uint32_t));
	cr_assert_eq(r->dr_max, sizeof(uint32_t));
	cr_assert_not_null(r = dispatch_rule(DISPATCH_NET_DATA,
	    IMSG_CACHE_EVICTED));
	cr_assert_eq(r->dr_senders, DISPATCH_FROM(PROC_STORAGE));
	cr_assert_eq(r->dr_min, sizeof(struct cache_evicted_hdr));
	cr_assert_eq(r->dr_max, sizeof(struct cache_evicted_hdr) +
	    CACHE_EVICTED_MAX);
	/* Neither goes the other way. */
	cr_assert_null(dispatch_rule(DISPATCH_NET_DATA, IMSG_CACHE_WATCH));
	cr_assert_null(dispatch_rule(DISPATCH_STORAGE_DATA,
	    IMSG_CACHE_EVICTED));
}

/* Storage tells each net child its memory limit: one exact word. */
Test(dispatch, memlimit_is_one_word_from_storage)
{
	const struct dispatch_rule	*r;

	cr_assert_not_null(r = dispatch_rule(DISPATCH_NET_DATA,
	    IMSG_CACHE_MEMLIMIT));
	cr_assert_eq(r->dr_senders, DISPATCH_FROM(PROC_STORAGE));
	cr_assert_eq(r->dr_min, sizeof(uint64_t));
	cr_assert_eq(r->dr_max, sizeof(uint64_t));
	cr_assert_eq(r->dr_fd, DISPATCH_FD_NEVER);
	cr_assert_null(dispatch_rule(DISPATCH_STORAGE_DATA,
	    IMSG_CACHE_MEMLIMIT));
	cr_assert_null(dispatch_rule(DISPATCH_NET_CTL, IMSG_CACHE_MEMLIMIT));
}

static int	handled;

static int
count_handler(void *arg, struct imsg *imsg)
{
	(void)arg;
	(void)imsg;
	handled++;
	return (DISPATCH_NEXT);
}

static int
stop_handler(void *arg, struct imsg *imsg)
{
	(void)arg;
	(void)imsg;
	handled++;
	return (DISPATCH_STOP);
}

static const dispatch_fn storage_fns[] = {
	[IMSG_CACHE_REQ] = count_handler,
	[IMSG_CACHE_STATS_REQ] = stop_handler,
	[IMSG_CACHE_NET_STATS] = count_handler,
	[IMSG_CACHE_ADMIN_REQ] = count_handler,
	[IMSG_CACHE_WATCH] = count_handler,
};
static const struct dispatch storage_tab = {
	DISPATCH_STORAGE_DATA, storage_fns, nitems(storage_fns)
};

Test(dispatch, no_handler_runs_for_a_refused_message)
{
	const char	*why;
	size_t		 fds;
	int		 stop;

	dispatch_verify(&storage_tab);
	chan_open(1);
	handled = 0;
	put(IMSG_CACHE_NET_STATS, sizeof(struct net_stats), 0);
	put(IMSG_CACHE_REQ, sizeof(struct cache_batch), 0);
	cr_assert_eq(imsgbuf_read(&rd), 1);
	cr_assert_eq(dispatch_run(&storage_tab, PROC_NET, &rd, NULL, &why),
	    0);
	cr_assert_eq(handled, 2);
	/* STOP ends the run with the next message left queued. */
	put(IMSG_CACHE_STATS_REQ, sizeof(uint32_t), 0);
	put(IMSG_CACHE_NET_STATS, sizeof(struct net_stats), 0);
	(void)imsgbuf_read(&rd);
	cr_assert_eq(dispatch_run(&storage_tab, PROC_NET, &rd, NULL, &why),
	    0);
	cr_assert_eq(handled, 3);
	cr_assert_eq(dispatch_one(&storage_tab, PROC_NET, &rd, NULL, &stop,
	    &why), 1);
	cr_assert_eq(handled, 4);

	/* Short counters, a descriptor, the wrong sender: no handler. */
	put(IMSG_CACHE_NET_STATS, 5, 0);
	(void)imsgbuf_read(&rd);
	cr_assert_eq(dispatch_one(&storage_tab, PROC_NET, &rd, NULL, &stop,
	    &why), -1);
	cr_assert_str_eq(why, "message of a wrong length");
	fds = open_fds();
	put(IMSG_CACHE_REQ, sizeof(struct cache_batch), 1);
	(void)imsgbuf_read(&rd);
	cr_assert_eq(dispatch_one(&storage_tab, PROC_NET, &rd, NULL, &stop,
	    &why), -1);
	cr_assert_str_eq(why, "unexpected descriptor");
	cr_assert_eq(open_fds(), fds, "the descriptor was closed");
	put(IMSG_CACHE_REQ, sizeof(struct cache_batch), 0);
	(void)imsgbuf_read(&rd);
	cr_assert_eq(dispatch_one(&storage_tab, PROC_STORAGE, &rd, NULL,
	    &stop, &why), -1);
	cr_assert_eq(handled, 4);
	chan_close();
}

static const dispatch_fn missing_fns[] = {
	[IMSG_CACHE_REQ] = count_handler,
};
static const dispatch_fn extra_fns[] = {
	[IMSG_CACHE_REQ] = count_handler,
	[IMSG_CACHE_STATS_REQ] = count_handler,
	[IMSG_CACHE_NET_STATS] = count_handler,
	[IMSG_CTL_READY] = count_handler,
};

Test(dispatch, handler_without_rule_is_fatal, .exit_code = 1)
{
	static const struct dispatch	dp = { DISPATCH_STORAGE_DATA,
	    extra_fns, nitems(extra_fns) };

	dispatch_verify(&dp);
}

Test(dispatch, rule_without_handler_is_fatal, .exit_code = 1)
{
	static const struct dispatch	dp = { DISPATCH_STORAGE_DATA,
	    missing_fns, nitems(missing_fns) };

	dispatch_verify(&dp);
}

/* libutil's imsg has no send-only channel (OpenBSD relies on pledge). */
#if !defined(__OpenBSD__) || defined(IMSG_COMPAT)
/*
 * The parent's end: a descriptor a child sends is never installed here
 * (no descriptor table change at all), and the stream fails.
 */
Test(dispatch, parent_channel_takes_no_descriptor)
{
	size_t	fds;

	chan_open(0);
	put(IMSG_CTL_READY, 0, 1);
	fds = open_fds();
	cr_assert_eq(imsgbuf_read(&rd), -1);
	cr_assert_eq(errno, EBADMSG);
	cr_assert_eq(open_fds(), fds, "nothing installed");
	/* And it stays broken: nothing after it is trusted. */
	cr_assert_eq(imsgbuf_read(&rd), -1);
	chan_close();
}

/* The parent still hands descriptors out on that channel. */
Test(dispatch, parent_channel_sends_descriptors)
{
	struct imsg	m;
	int		fd;

	chan_open(0);
	/* rd sends, wr (fd passing allowed) receives. */
	cr_assert_neq(fd = open("/dev/null", O_RDONLY), -1);
	cr_assert_eq(imsg_compose(&rd, IMSG_CTL_PEER, 0, 0, fd, &fd,
	    sizeof(uint32_t)), 1);
	cr_assert_eq(imsgbuf_flush(&rd), 0);
	cr_assert_eq(imsgbuf_read(&wr), 1);
	cr_assert_gt(imsg_get(&wr, &m), 0);
	cr_assert_null(dispatch_check(DISPATCH_NET_CTL, PROC_PARENT, &m));
	imsg_free(&m);
	chan_close();
}
#endif /* !__OpenBSD__ || IMSG_COMPAT */
