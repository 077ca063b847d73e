/*
 * The sandboxes from outside: what /proc says about the running children,
 * and what happens when a (test-build) net child misbehaves: the kernel
 * kills it, the parent logs it and respawns it, the cache survives.
 */

#include <sys/types.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

static struct daemon	d;

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(sandbox_integ, .fini = fini, .timeout = 60);

/* Sanitizer runs start daemons with -o no_sandbox. */
static void
need_sandbox(void)
{
	const char	*v = getenv("PRIVCACHED_TEST_NO_SANDBOX");

	if (v != NULL && strcmp(v, "1") == 0)
		cr_skip_test("daemons run without the sandbox here");
}

/* Each descriptor of pid is a socket, pipe or anonymous inode. */
static void
check_fds(pid_t pid)
{
	char		 path[64], fdpath[320], link[256];
	struct dirent	*de;
	DIR		*dir;
	ssize_t		 n;
	int		 count = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	cr_assert_not_null(dir = opendir(path));
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(fdpath, sizeof(fdpath), "%s/%s", path,
		    de->d_name);
		if ((n = readlink(fdpath, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		cr_assert(strncmp(link, "socket:", 7) == 0 ||
		    strncmp(link, "pipe:", 5) == 0 ||
		    strncmp(link, "anon_inode:", 11) == 0,
		    "pid %d holds fd %s -> %s", (int)pid, de->d_name, link);
		count++;
	}
	closedir(dir);
	cr_assert_gt(count, 0);
}

Test(sandbox_integ, children_confined)
{
	const char	*args[] = { NULL };
	const char	*roles[] = { "net", "storage" };
	char		 buf[128];
	pid_t		 pid;
	int		 i;

	need_sandbox();
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	for (i = 0; i < 2; i++) {
		cr_assert_gt(pid = daemon_child(&d, roles[i]), 0);
		cr_assert_eq(proc_status_field(pid, "NoNewPrivs", buf,
		    sizeof(buf)), 0);
		cr_assert_str_eq(buf, "1", "%s NoNewPrivs", roles[i]);
		cr_assert_eq(proc_status_field(pid, "Seccomp", buf,
		    sizeof(buf)), 0);
		cr_assert_str_eq(buf, "2", "%s in seccomp filter mode",
		    roles[i]);
		cr_assert_eq(proc_status_field(pid, "CapEff", buf,
		    sizeof(buf)), 0);
		cr_assert_str_eq(buf, "0000000000000000");
		cr_assert_eq(proc_status_field(pid, "CapBnd", buf,
		    sizeof(buf)), 0);
		check_fds(pid);
	}
}

static void
use_hooks_binary(void)
{
	const char	*hooks = getenv("PRIVCACHED_HOOKS_BIN");

	if (hooks == NULL || access(hooks, X_OK) != 0)
		cr_skip_test("no test-hooks build (make hooks-bin)");
	cr_assert_eq(setenv("PRIVCACHED_BIN", hooks, 1), 0);
}

/* Stores a key, makes net misbehave, waits for a new net, reads it. */
static void
misbehave(const char *what, const char *const args[], const char *logline)
{
	pid_t	old[4], now[4];
	size_t	nold, nnow, j, k;
	int	fd, i, fresh = 0;

	use_hooks_binary();
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	/* Every net child shows its title (slow under sanitizers) first. */
	for (i = 0, k = 0, nold = 0; i < 200 && k < 5; i++) {
		nnow = daemon_children_role(&d, "net", old, 4);
		k = nnow > 0 && nnow == nold ? k + 1 : 0;
		nold = nnow;
		usleep(50000);
	}
	cr_assert_gt(nold, 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set survivor 0 0 4\r\nsafe\r\n", "\r\n",
	    "STORED\r\n"));
	(void)client_sends(fd, "misbehave ");
	(void)client_sends(fd, what);
	(void)client_sends(fd, "\r\n");
	cr_assert(daemon_log_has(&d, logline, 5000), "log: %s", logline);
	/* Some net child (-t: whichever had the connection) is new. */
	for (i = 0; i < 500 && !fresh; i++) {
		nnow = daemon_children_role(&d, "net", now, 4);
		for (j = 0; nnow == nold && j < nnow; j++) {
			for (k = 0; k < nold && now[j] != old[k]; k++)
				;
			if (k == nold)
				fresh = 1;
		}
		if (!fresh)
			usleep(10000);
	}
	cr_assert(fresh, "net respawned");
	close(fd);
	for (i = 0; i < 100 && (fd = client_connect(d.d_port)) == -1; i++)
		usleep(10000);
	cr_assert_geq(fd, 0);
	cr_assert(client_expect(fd, "get survivor\r\n", "END\r\n",
	    "VALUE survivor 0 4\r\nsafe\r\nEND\r\n"), "the cache survived");
	close(fd);
}

Test(sandbox_integ, forbidden_call_kills_net)
{
	const char	*args[] = { NULL };

	need_sandbox();
	misbehave("syscall", args, "lost child: net");
	cr_assert(daemon_log_has(&d, "signal 31", 0), "killed by SIGSYS");
}

Test(sandbox_integ, forbidden_call_named_in_debug_mode)
{
	const char	*args[] = { "-o", "sandbox_debug", NULL };

	need_sandbox();
	misbehave("syscall", args, "forbidden system call");
	cr_assert(daemon_log_has(&d, "(socket)", 0), "the call is named");
}

Test(sandbox_integ, unexpected_message_to_parent)
{
	const char	*args[] = { NULL };

	misbehave("parent", args, "unexpected message; killing it");
}

Test(sandbox_integ, garbage_to_storage)
{
	const char	*args[] = { NULL };

	misbehave("storage", args, "storage: dropping data channel");
	cr_assert(daemon_log_has(&d, "storage reports garbage", 3000));
}

/* With -t 2, the counters a net child sends storage are checked too. */
Test(sandbox_integ, bad_counters_to_storage)
{
	const char	*args[] = { "-t", "2", NULL };

	misbehave("netstats", args, "message of a wrong length");
	cr_assert(daemon_log_has(&d, "storage reports garbage", 3000));
}
