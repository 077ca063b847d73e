/*
 * Test helper: start the real privcached binary on a free 127.0.0.1 port,
 * find its processes, stop it.
 */

#ifndef PRIVCACHED_TEST_DAEMON_H
#define PRIVCACHED_TEST_DAEMON_H

#include <sys/types.h>

#include <stddef.h>

#define DAEMON_ARGS_MAX	32

struct daemon {
	pid_t	 d_pid;
	int	 d_port;
	char	 d_log[320];	/* its stderr */
	char	 d_dir[256];	/* private copy of the binary, for any user */
	char	 d_bin[320];
};

/* The binary under test ($PRIVCACHED_BIN) and the source tree. */
const char	*daemon_bin(void);
const char	*daemon_src(void);
/*
 * The test-hooks build ($PRIVCACHED_HOOKS_BIN, whose net child obeys
 * "misbehave <what>") becomes the binary under test, for this test's
 * process: 0, or -1 when there is none (make hooks-bin).
 */
int		 daemon_use_hooks(void);
/* A port nothing listens on right now. */
int		 daemon_free_port(void);
/*
 * Starts privcached with args (NULL-terminated) plus -p and -l for a free
 * port, as `user' when not NULL (through setpriv, for unprivileged runs),
 * and waits until it answers "version".  0, or -1 (it failed to come up).
 */
int		 daemon_start(struct daemon *, const char *user,
		    const char *const args[]);
/* Starts with args (which must hold -s path) and waits on the socket. */
int		 daemon_start_unix(struct daemon *, const char *const args[],
		    const char *path);
/* Connects to a unix socket; the fd, or -1. */
int		 client_connect_unix(const char *path);
/*
 * Starts with exactly these args (-d among them) and waits for the
 * foreground process to return: its status.  The binary stays until
 * daemon_stop, since the detached daemon still re-executes it.
 */
int		 daemon_run_detached(struct daemon *, const char *const args[]);
/* Starts with exactly these args and waits for the exit: its status. */
int		 daemon_run_fail(const char *const args[], char *out,
		    size_t outlen);
/* SIGTERM, wait up to 5 s, then SIGKILL.  The exit status, or -1. */
int		 daemon_stop(struct daemon *);
/*
 * Stops a detached daemon (not our child): SIGTERM, then waits up to 5 s
 * for it to be gone.  0, or -1 (it was SIGKILLed).
 */
int		 daemon_stop_detached(pid_t);
/* Children of pid in pids (at most n); how many there are. */
size_t		 daemon_children(pid_t, pid_t *pids, size_t n);
/* The children whose title is "privcached: <role>", at most n; how many. */
size_t		 daemon_children_role(struct daemon *, const char *role,
		    pid_t *out, size_t n);
/* The child whose title is "privcached: <role>", or -1. */
pid_t		 daemon_child(struct daemon *, const char *role);
/* Waits up to ms for role to have a process other than old: its pid, or -1. */
pid_t		 daemon_wait_new_child(struct daemon *, const char *role,
		    pid_t old, int ms);
/* A /proc/<pid>/status field's value, e.g. "Uid", into buf. */
int		 proc_status_field(pid_t, const char *field, char *buf,
		    size_t len);
/* VmRSS of pid in KiB, or -1. */
long		 proc_rss_kb(pid_t);
/* Whether the log contains s; waits up to ms milliseconds for it. */
int		 daemon_log_has(struct daemon *, const char *s, int ms);
/* How many times s occurs in the whole log, now. */
size_t		 daemon_log_count(struct daemon *, const char *s);
/* Waits for pid to exit, up to ms: its status, or -1 on timeout. */
int		 daemon_wait_exit(pid_t, int ms);

/*
 * TLS test material in a fresh world-readable directory under /tmp (its
 * path into dir, len >= 64): NAME.crt (0644) and NAME.key (0600, owned by
 * the caller) for ca, rogue-ca (the same subject as ca, another key),
 * server (CN privcached-test-server-1, serial 4097, IP SAN 127.0.0.1),
 * server2 (CN privcached-test-server-2, serial 8193), client (signed by
 * ca) and rogue (the client's CN, signed by rogue-ca).  0, or -1 with
 * openssl's complaint on stderr.
 */
int		 tls_make_certs(char *dir, size_t len);
/* Removes a directory tls_make_certs made. */
void		 tls_remove_certs(const char *dir);
/*
 * daemon_start for a TLS daemon (args hold -Z and the ssl_ options): the
 * -p -l listener (d_port) speaks TLS; a second one, -l
 * notls:127.0.0.1:<*plain_port>, plaintext, is added for the readiness
 * probe and for the tests' own use.
 */
int		 daemon_start_tls(struct daemon *, const char *user,
		    const char *const args[], int *plain_port);

#endif
