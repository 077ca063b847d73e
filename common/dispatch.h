/*
 * Table-driven dispatch of imsg channels: the rules say, for each channel
 * and message type, who may send it, how long it is and whether a
 * descriptor comes with it.  One loop checks every message against them
 * before its handler runs.
 */

#ifndef PRIVCACHED_DISPATCH_H
#define PRIVCACHED_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "privsep/proc.h"

/* One end of a channel, named by who reads it and from whom. */
enum dispatch_chan {
	DISPATCH_PARENT,	/* parent <- any child (control) */
	DISPATCH_NET_CTL,	/* net <- parent */
	DISPATCH_NET_DATA,	/* net <- storage */
	DISPATCH_STORAGE_CTL,	/* storage <- parent */
	DISPATCH_STORAGE_DATA,	/* storage <- net */
	DISPATCH_CHAN_MAX
};

#define DISPATCH_FROM(role)	(1U << (role))

/* How a descriptor may travel with a message. */
enum dispatch_fd {
	DISPATCH_FD_NEVER,
	DISPATCH_FD_ALWAYS
};

struct dispatch_rule {
	uint32_t	dr_senders;	/* DISPATCH_FROM() bits; 0: refused */
	uint32_t	dr_fd;		/* enum dispatch_fd */
	size_t		dr_min;		/* payload bytes */
	size_t		dr_max;
};

/*
 * What a handler tells the loop: go on with the next message, or stop
 * reading for now (the channel was closed or must wait).  KEEP: the
 * handler took the message over and frees it itself.
 */
#define DISPATCH_NEXT	0
#define DISPATCH_KEEP	1
#define DISPATCH_STOP	(-1)

typedef int (*dispatch_fn)(void *arg, struct imsg *);

/* A channel's handlers, indexed by message type. */
struct dispatch {
	enum dispatch_chan	 dp_chan;
	const dispatch_fn	*dp_fn;
	size_t			 dp_nfn;
};

/* The rule of chan for type, or NULL when chan never carries it. */
const struct dispatch_rule *dispatch_rule(enum dispatch_chan, uint32_t type);
/*
 * Whether imsg, from a process of role sender, obeys chan's rules: NULL,
 * or why not.
 */
const char	*dispatch_check(enum dispatch_chan, enum proc_role sender,
		    struct imsg *);
/* fatalx unless the handlers and the rules name the same types. */
void		 dispatch_verify(const struct dispatch *);
/*
 * Takes one complete message off ibuf, checks it and runs its handler: 1
 * (*stop set when the handler said DISPATCH_STOP), 0 when none is
 * complete, -1 with *why when the stream is malformed or the message broke
 * its rule (it is freed, its descriptor closed, no handler ran).
 */
int		 dispatch_one(const struct dispatch *, enum proc_role sender,
		    struct imsgbuf *, void *arg, int *stop, const char **why);
/* The same for a message already taken off its channel. */
int		 dispatch_imsg(const struct dispatch *, enum proc_role sender,
		    struct imsg *, void *arg, int *stop, const char **why);
/*
 * dispatch_one until no complete message is left or a handler stops: 0,
 * or -1 with *why.
 */
int		 dispatch_run(const struct dispatch *, enum proc_role sender,
		    struct imsgbuf *, void *arg, const char **why);

/* IMSG_CTL_VERBOSE, the same in every child. */
int		 dispatch_verbose(void *, struct imsg *);

#endif /* PRIVCACHED_DISPATCH_H */
