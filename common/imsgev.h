/*
 * An imsg channel driven by libevent: read when readable, write only while
 * something is queued, so an idle channel costs no epoll_ctl calls.
 */

#ifndef PRIVCACHED_IMSGEV_H
#define PRIVCACHED_IMSGEV_H

#include <event.h>

#include "compat.h"

struct imsgev {
	struct imsgbuf	 iev_ibuf;
	struct event	 iev_ev;
	void		(*iev_handler)(int, short, void *);
	void		*iev_data;
	short		 iev_events;
	int		 iev_active;
	int		 iev_started;
	int		 iev_read_paused;	/* write-only until resumed */
};

/*
 * Sets up the channel on fd (made non-blocking); messages can be queued at
 * once, events flow only after imsgev_start.  0, or -1 with errno.
 */
int	imsgev_init(struct imsgev *, int fd, void (*)(int, short, void *),
	    void *data);
/*
 * For the parent's end of a control channel: descriptors go out, none
 * come in.
 */
void	imsgev_allow_fdsend(struct imsgev *);
/* Arms the event; needs event_init() done. */
void	imsgev_start(struct imsgev *);
/* Re-arms the event: EV_WRITE too while messages are queued. */
void	imsgev_add(struct imsgev *);
/*
 * Stops (1) or resumes (0) reading, for a reader that must first get rid
 * of what it owes; writing goes on.
 */
void	imsgev_pause_read(struct imsgev *, int);
/* Queues one message and re-arms. 0, or -1 with errno. */
int	imsgev_compose(struct imsgev *, uint32_t type, uint32_t peerid,
	    int fd, const void *, size_t);
/* Stops the event, drops queued messages and closes the descriptor. */
void	imsgev_close(struct imsgev *);
/*
 * Handles the I/O part of an event: reads on EV_READ, writes on EV_WRITE.
 * 1 when the channel is usable, 0 when the peer closed it, -1 on error.
 */
int	imsgev_io(struct imsgev *, short event);
/* Writes everything queued, blocking: for the last words before exit. */
void	imsgev_flush_blocking(struct imsgev *);

#endif /* PRIVCACHED_IMSGEV_H */
