/*
 * Readiness notification to systemd (Type=notify) written by hand: one
 * datagram to the AF_UNIX socket named by $NOTIFY_SOCKET per state change.
 * libsystemd would add a library and its dependencies to the root process
 * for what is a sendto(2).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"

static int	sdnotify_fd = -1;
static int	sdnotify_was_ready;

void
sdnotify_init(void)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 len;
	size_t			 plen;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	plen = strlen(path);
	/* "@name" is Linux's abstract namespace: a leading NUL byte. */
	if (plen < 2 || plen > sizeof(sun.sun_path) ||
	    (path[0] != '/' && path[0] != '@') ||
	    (path[0] == '/' && plen == sizeof(sun.sun_path))) {
		log_warnx("NOTIFY_SOCKET: not a socket path; systemd will "
		    "not hear that we are ready");
		goto done;
	}
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = offsetof(struct sockaddr_un, sun_path) + plen;
	if ((sdnotify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("NOTIFY_SOCKET: socket");
		goto done;
	}
	/* Connected once: later states need no path lookup. */
	if (connect(sdnotify_fd, (struct sockaddr *)&sun, len) == -1) {
		log_warn("NOTIFY_SOCKET %s", path);
		close(sdnotify_fd);
		sdnotify_fd = -1;
	}
 done:
	/* The children re-execute us with their own environment anyway. */
	if (unsetenv("NOTIFY_SOCKET") == -1)
		log_warn("unsetenv NOTIFY_SOCKET");
}

static void
sdnotify_send(const char *state)
{
	if (sdnotify_fd == -1)
		return;
	if (send(sdnotify_fd, state, strlen(state), 0) == -1)
		log_warn("NOTIFY_SOCKET: cannot send %s", state);
}

void
sdnotify_ready(void)
{
	char	msg[64];

	if (sdnotify_was_ready)
		return;
	sdnotify_was_ready = 1;
	(void)snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld",
	    (long)getpid());
	sdnotify_send(msg);
}

void
sdnotify_reloading(void)
{
	sdnotify_send("RELOADING=1");
}

void
sdnotify_reloaded(void)
{
	sdnotify_send("READY=1");
}

void
sdnotify_stopping(void)
{
	sdnotify_send("STOPPING=1");
}
