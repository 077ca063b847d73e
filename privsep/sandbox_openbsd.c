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

static void
sandbox_unveil(const char *path, const char *perm)
{
	if (path != NULL && unveil(path, perm) == -1)
		fatal("unveil %s", path);
}

void
sandbox_parent(const struct sandbox_parent_paths *sp,
    enum sandbox_mode mode)
{
	size_t	i;

	if (mode == SANDBOX_OFF)
		return;
	/* Execute ourselves for each respawned child, nothing else. */
	sandbox_unveil(sp->sp_self, "x");
	/* SIGHUP rereads these. */
	sandbox_unveil(sp->sp_config, "r");
	sandbox_unveil(sp->sp_authfile, "r");
	for (i = 0; i < TLS_PEM_MAX; i++)
		sandbox_unveil(sp->sp_tls[i], "r");
	/* Exit removes these. */
	sandbox_unveil(sp->sp_pidfile, "c");
	sandbox_unveil(sp->sp_unix, "c");
	if (unveil(NULL, NULL) == -1)
		fatal("unveil");
	/*
	 * stdio: the event loop and control channels; rpath: the reloads
	 * above; cpath: removing the pidfile and unix socket; proc exec:
	 * respawning children; sendfd: handing them listeners and channels;
	 * unix: the data socketpair made for each new pair of children.
	 */
	if (pledge("stdio rpath cpath proc exec sendfd unix", NULL) == -1)
		fatal("pledge");
}

#endif /* __OpenBSD__ */
