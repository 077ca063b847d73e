/*
 * OpenBSD sandboxes: pledge(2) per role, each promise with the reason it
 * is held, and unveil(2) for the paths a process may still name.  What a
 * promise allows is as pledge(2) lists it; a call outside every promise
 * kills the process with SIGABRT (-o sandbox_debug changes nothing here:
 * the kernel logs the promise that was missing).  Children hold every
 * descriptor they open before this point; more arrive only by recvfd.
 */

#ifdef __OpenBSD__

#include <sys/types.h>

#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "sandbox.h"

struct sandbox_promise {
	const char	*sp_name;
	const char	*sp_why;
};

/*
 * No "inet": accept(2) needs inet or unix and takes a connection of any
 * family with either, so unix is the narrower choice.  inet would let a
 * subverted net child socket(2) and connect(2) anywhere on the network;
 * unix only lets it reach a unix socket by path, and unveil hides every
 * path.  The one TCP option net wants, TCP_NODELAY (which needs inet),
 * accepted connections inherit from the listener the parent set it on.
 */
static const struct sandbox_promise sandbox_net[] = {
	{ "stdio", "I/O on clients and channels, kevent for libevent, "
	    "malloc, time, getentropy for arc4random" },
	{ "unix", "accept4 on the listeners (TCP and -s alike), SO_LINGER "
	    "to reset a client that stops reading" },
	{ "recvfd", "listeners and the channel to storage come over the "
	    "control channel, a new channel whenever storage restarts" },
};

static const struct sandbox_promise sandbox_storage[] = {
	{ "stdio", "I/O on its channels, kevent for libevent, malloc and "
	    "mmap for slabs, time, getentropy for the SipHash key" },
	{ "recvfd", "the channel to each net child comes over the control "
	    "channel" },
};

/*
 * socketpair(2), for the channel of each new pair of children, is in
 * stdio.  No "recvfd": a child never holds "sendfd", so the kernel kills
 * one that tries to send a descriptor before it reaches us (with
 * libutil's imsg our reads would otherwise take it: imsgev_allow_fdsend).
 * "inet" or "unix" is added for the listeners (sandbox_parent_listen).
 */
static const struct sandbox_promise sandbox_parent_promises[] = {
	{ "stdio", "the event loop, channels to the children, wait4, "
	    "socketpair for each new net/storage channel" },
	{ "rpath", "SIGHUP rereads --config, -Y and the TLS files (only "
	    "these are unveiled)" },
	{ "cpath", "exit removes the pidfile and the -s socket" },
	{ "proc", "fork a child, kill one that breaks the rules" },
	{ "exec", "each child is our own binary, executed afresh" },
	{ "sendfd", "children get their listeners and channels from us" },
};

/*
 * A net child may shutdown(2) a listener ("stdio" allows it) and die: the
 * shared socket is then dead for every later child.  listen_revive checks
 * each listener before a new net child gets it and binds a dead one again,
 * which needs the listeners' own family: getsockopt(SO_ACCEPTCONN) takes
 * "inet" or "unix", socket, bind and listen the family's.  One of the two,
 * never both: -s replaces every TCP listener.  "inet" lets root open any
 * TCP or UDP socket; it holds no client byte to be subverted by, and
 * Linux's parent has all of it anyway.  "unix" names paths, and unveil
 * leaves the -s path alone ("c": unlink the dead one, bind a new one).
 * TCP_NODELAY and SO_REUSEADDR on a new TCP listener are in "inet";
 * IPV6_V6ONLY is not, and listen.c leaves it to OpenBSD, whose IPv6
 * sockets never take IPv4.
 */
static const struct sandbox_promise sandbox_parent_tcp[] = {
	{ "inet", "SO_ACCEPTCONN on each TCP listener before a net child gets "
	    "it; socket, bind, listen to replace one that was shut down" },
};

static const struct sandbox_promise sandbox_parent_unix[] = {
	{ "unix", "SO_ACCEPTCONN on the -s socket before a net child gets "
	    "it; socket, bind, listen at its path to replace a dead one" },
};

/* Appends the promise names to buf, spaced: pledge(2)'s argument. */
static void
sandbox_promises(const struct sandbox_promise *sp, size_t n, char *buf,
    size_t len)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		log_debug("pledge %s: %s", sp[i].sp_name, sp[i].sp_why);
		if ((buf[0] != '\0' && strlcat(buf, " ", len) >= len) ||
		    strlcat(buf, sp[i].sp_name, len) >= len)
			fatalx("pledge promises too long");
	}
}

static void
sandbox_unveil(const char *path, const char *perm)
{
	if (path != NULL && unveil(path, perm) == -1)
		fatal("unveil %s", path);
}

void
sandbox_enter(enum proc_role role, enum sandbox_mode mode)
{
	char	promises[128];

	if (mode == SANDBOX_OFF) {
		log_warnx("sandbox disabled (-o no_sandbox)");
		return;
	}
	promises[0] = '\0';
	switch (role) {
	case PROC_NET:
		/*
		 * "unix" keeps path lookups for unix sockets: "/" without
		 * permissions leaves none (storage's promises name no path
		 * at all, so pledge alone closes the filesystem there).
		 */
		sandbox_unveil("/", "");
		sandbox_promises(sandbox_net, nitems(sandbox_net), promises,
		    sizeof(promises));
		break;
	case PROC_STORAGE:
		sandbox_promises(sandbox_storage, nitems(sandbox_storage),
		    promises, sizeof(promises));
		break;
	default:
		fatalx("no sandbox for role %d", role);
	}
	/* Without "unveil" among the promises the list above is final. */
	if (pledge(promises, NULL) == -1)
		fatal("pledge");
}

void
sandbox_parent(const struct sandbox_parent_paths *sp,
    enum sandbox_mode mode)
{
	char	promises[128];
	size_t	i;

	if (mode == SANDBOX_OFF)
		return;
	/*
	 * Executing ourselves loads the ELF interpreter under our unveil
	 * (the new image starts without one): our binary and ld.so only.
	 */
	sandbox_unveil(sp->sp_self, "x");
	sandbox_unveil("/usr/libexec/ld.so", "r");
	/* SIGHUP rereads these, by the names given at start. */
	sandbox_unveil(sp->sp_config, "r");
	sandbox_unveil(sp->sp_authfile, "r");
	for (i = 0; i < TLS_PEM_MAX; i++)
		sandbox_unveil(sp->sp_tls[i], "r");
	/* Exit removes these; a dead -s socket is bound again there. */
	sandbox_unveil(sp->sp_pidfile, "c");
	sandbox_unveil(sp->sp_unix, "c");
	if (unveil(NULL, NULL) == -1)
		fatal("unveil");
	promises[0] = '\0';
	sandbox_promises(sandbox_parent_promises,
	    nitems(sandbox_parent_promises), promises, sizeof(promises));
	if (sp->sp_tcp)
		sandbox_promises(sandbox_parent_tcp,
		    nitems(sandbox_parent_tcp), promises, sizeof(promises));
	if (sp->sp_unix != NULL)
		sandbox_promises(sandbox_parent_unix,
		    nitems(sandbox_parent_unix), promises, sizeof(promises));
	if (pledge(promises, NULL) == -1)
		fatal("pledge");
}

#endif /* __OpenBSD__ */
