/*
 * libevent glue for imsg channels (all processes).
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "imsgev.h"

int
imsgev_init(struct imsgev *iev, int fd, void (*handler)(int, short, void *),
    void *data)
{
	int	flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return (-1);
	if (imsgbuf_init(&iev->iev_ibuf, fd) == -1)
		return (-1);
	iev->iev_handler = handler;
	iev->iev_data = data;
	iev->iev_events = 0;
	iev->iev_active = 1;
	iev->iev_started = 0;
	iev->iev_read_paused = 0;
	return (0);
}

void
imsgev_allow_fdsend(struct imsgev *iev)
{
#if defined(__OpenBSD__) && !defined(IMSG_COMPAT)
	/*
	 * libutil's imsg cannot send without receiving: a descriptor that
	 * comes is closed by dispatch_one before the child is killed.
	 */
	imsgbuf_allow_fdpass(&iev->iev_ibuf);
#else
	imsgbuf_allow_fdsend(&iev->iev_ibuf);
#endif
}

void
imsgev_start(struct imsgev *iev)
{
	iev->iev_started = 1;
	imsgev_add(iev);
}

void
imsgev_add(struct imsgev *iev)
{
	short	events = iev->iev_read_paused ? 0 : EV_READ;

	if (!iev->iev_active || !iev->iev_started)
		return;
	if (imsgbuf_queuelen(&iev->iev_ibuf) > 0)
		events |= EV_WRITE;
	/* Re-adding an unchanged persistent event would cost a syscall. */
	if (events == iev->iev_events)
		return;
	if (iev->iev_events != 0)
		event_del(&iev->iev_ev);
	iev->iev_events = events;
	if (events == 0)
		return;
	event_set(&iev->iev_ev, iev->iev_ibuf.fd, events | EV_PERSIST,
	    iev->iev_handler, iev->iev_data);
	event_add(&iev->iev_ev, NULL);
}

void
imsgev_pause_read(struct imsgev *iev, int pause)
{
	iev->iev_read_paused = pause;
	imsgev_add(iev);
}

int
imsgev_compose(struct imsgev *iev, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	if (!iev->iev_active) {
		errno = EPIPE;
		return (-1);
	}
	if (imsg_compose(&iev->iev_ibuf, type, peerid, 0, fd, data, len) == -1)
		return (-1);
	imsgev_add(iev);
	return (0);
}

void
imsgev_close(struct imsgev *iev)
{
	if (!iev->iev_active)
		return;
	if (iev->iev_events != 0)
		event_del(&iev->iev_ev);
	iev->iev_events = 0;
	iev->iev_active = 0;
	imsgbuf_clear(&iev->iev_ibuf);
	close(iev->iev_ibuf.fd);
	iev->iev_ibuf.fd = -1;
}

int
imsgev_io(struct imsgev *iev, short event)
{
	int	n;

	if (event & EV_READ) {
		if ((n = imsgbuf_read(&iev->iev_ibuf)) == -1)
			return (-1);
		if (n == 0)
			return (0);
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->iev_ibuf) == -1)
			return (errno == EPIPE ? 0 : -1);
	}
	return (1);
}

void
imsgev_flush_blocking(struct imsgev *iev)
{
	int	flags;

	if (!iev->iev_active)
		return;
	if ((flags = fcntl(iev->iev_ibuf.fd, F_GETFL)) != -1)
		(void)fcntl(iev->iev_ibuf.fd, F_SETFL, flags & ~O_NONBLOCK);
	(void)imsgbuf_flush(&iev->iev_ibuf);
}
