/*
 * OpenBSD sandboxes: pledge per role.  Children hold every descriptor they
 * need before this point and open nothing afterwards.
 */

#ifdef __OpenBSD__

#include <sys/types.h>

#include <unistd.h>

#include "log.h"
#include "sandbox.h"

void
sandbox_enter(enum proc_role role, enum sandbox_mode mode)
{
	const char	*promises;

	if (mode == SANDBOX_OFF) {
		log_warnx("sandbox disabled (-o no_sandbox)");
		return;
	}
	switch (role) {
	case PROC_NET:
		/*
		 * stdio: I/O on held descriptors; inet/unix: accept on the
		 * listeners the parent bound; recvfd: listeners and the data
		 * channel arrive over the control channel.
		 */
		promises = "stdio inet unix recvfd";
		break;
	case PROC_STORAGE:
		/* stdio: memory and I/O on its two channels; recvfd: peer. */
		promises = "stdio recvfd";
		break;
	default:
		fatalx("no sandbox for role %d", role);
	}
	if (pledge(promises, NULL) == -1)
		fatal("pledge");
}

#endif /* __OpenBSD__ */
