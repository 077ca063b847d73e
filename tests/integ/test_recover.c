/*
 * The cache survives its storage child: after a kill -9, the new storage
 * child reads the item memory back and every key answers again within
 * 2 s; bytes written over some items make exactly those items drop out
 * (counted), the others stay.  A limit cache_memlimit set comes back
 * with the items (storage crash, upgrade, -e restart).
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED	1
#endif
#endif
#if !defined(SANITIZED) && defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#endif
#ifndef SANITIZED
#define SANITIZED	0
#endif

#define MANY		100000
/* Keys per multi-get when checking them all. */
#define PER_GET		100

static struct daemon	d;

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(recover, .fini = fini, .timeout = 120);

/* Stores keys [0, n) as "<prefix><i>" = "val-<i>", pipelined, noreply. */
static void
store_keys(int fd, const char *prefix, int n)
{
	static char	 buf[256 * 1024];
	char		 want[64];
	size_t		 len = 0;
	int		 i;

	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "set %s%d 0 0 %d noreply\r\nval-%d\r\n", prefix, i,
		    4 + snprintf(NULL, 0, "%d", i), i);
		if (len > sizeof(buf) - 128 || i == n - 1) {
			cr_assert_eq(client_send(fd, buf, len), 0);
			len = 0;
		}
	}
	/* In order on one connection: this answers after all of them. */
	(void)snprintf(want, sizeof(want), "VALUE %s%d 0 %d\r\nval-%d\r\nEND\r\n",
	    prefix, n - 1, 4 + snprintf(NULL, 0, "%d", n - 1), n - 1);
	(void)snprintf(buf, sizeof(buf), "get %s%d\r\n", prefix, n - 1);
	cr_assert(client_expect(fd, buf, "END\r\n", want));
}

/* How many of keys [0, n) answer with their own value; hits[i] set. */
static int
count_keys(int fd, const char *prefix, int n, char *hits)
{
	static char	 req[PER_GET * 32], rep[PER_GET * 64];
	char		 line[64], *p;
	size_t		 len;
	int		 i, k, got = 0;

	for (i = 0; i < n; i += PER_GET) {
		len = (size_t)snprintf(req, sizeof(req), "get");
		for (k = i; k < i + PER_GET && k < n; k++)
			len += (size_t)snprintf(req + len, sizeof(req) - len,
			    " %s%d", prefix, k);
		(void)snprintf(req + len, sizeof(req) - len, "\r\n");
		cr_assert_eq(client_sends(fd, req), 0);
		cr_assert_gt(client_recv_until(fd, rep, sizeof(rep),
		    "END\r\n"), 0);
		for (k = i; k < i + PER_GET && k < n; k++) {
			(void)snprintf(line, sizeof(line),
			    "VALUE %s%d 0 %d\r\nval-%d\r\n", prefix, k,
			    4 + snprintf(NULL, 0, "%d", k), k);
			p = strstr(rep, line);
			if (hits != NULL)
				hits[k] = p != NULL;
			got += p != NULL;
		}
	}
	return (got);
}

static long long
stat_of(int fd, const char *name)
{
	static char	 rep[16384];
	char		 key[128], *p;

	cr_assert_eq(client_sends(fd, "stats\r\n"), 0);
	cr_assert_gt(client_recv_until(fd, rep, sizeof(rep), "END\r\n"), 0);
	(void)snprintf(key, sizeof(key), "STAT %s ", name);
	if ((p = strstr(rep, key)) == NULL)
		return (-1);
	return (strtoll(p + strlen(key), NULL, 10));
}

/* Kills storage and waits for the next one: the time it showed up. */
static long
kill_storage(void)
{
	pid_t	old, new;

	cr_assert_gt(old = daemon_child(&d, "storage"), 0);
	cr_assert_eq(kill(old, SIGKILL), 0);
	cr_assert_gt(new = daemon_wait_new_child(&d, "storage", old, 10000),
	    0, "storage respawned");
	return (client_now_ms());
}

/* Connects until the daemon answers a get from storage again. */
static int
reconnect_storage(int ms)
{
	long	 end = client_now_ms() + ms;
	char	 rep[256];
	int	 fd;

	while (client_now_ms() < end) {
		if ((fd = client_connect(d.d_port)) != -1) {
			if (client_sends(fd, "get -\r\n") == 0 &&
			    client_recv_until(fd, rep, sizeof(rep),
			    "\r\n") > 0 && strcmp(rep, "END\r\n") == 0)
				return (fd);
			close(fd);
		}
		client_sleep_ms(5);
	}
	return (-1);
}

/* Stores n keys, kills storage: all back within 2 s of the respawn. */
static void
killed_back(const char *user, int n)
{
	const char	*args[] = { NULL };
	char		 line[64];
	long		 t0, dt;
	int		 fd;

	cr_assert_eq(daemon_start(&d, user, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	store_keys(fd, "key:", n);
	close(fd);

	t0 = kill_storage();
	cr_assert_geq(fd = reconnect_storage(5000), 0);
	cr_assert_eq(count_keys(fd, "key:", n, NULL), n);
	dt = client_now_ms() - t0;
	cr_assert(SANITIZED || dt < 2000, "all keys back after %ld ms", dt);
	cr_expect_eq(stat_of(fd, "privcached_recovered_items"), n);
	cr_expect_eq(stat_of(fd, "privcached_dropped_items"), 0);
	cr_expect_geq(stat_of(fd, "privcached_recovery_usec"), 0);
	cr_expect_eq(stat_of(fd, "curr_items"), n);
	close(fd);
	(void)snprintf(line, sizeof(line), "recovered %d items, dropped 0 in",
	    n);
	cr_assert(daemon_log_has(&d, line, 0));
}

Test(recover, storage_killed_100k_keys_back_within_2s)
{
	killed_back(NULL, MANY);
}

Test(recover, unprivileged_storage_killed_keys_back)
{
	killed_back("nobody", 5000);
}

/*
 * cache_memlimit 16 on -m 3, then 100k keys (about 10 MB): all of them
 * are there, none evicted.  The connection, for more.
 */
static int
memlimit_fill(void)
{
	int	 fd;

	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "cache_memlimit 16\r\n", "\r\n",
	    "OK\r\n"));
	store_keys(fd, "key:", MANY);
	cr_assert_eq(stat_of(fd, "evictions"), 0);
	cr_assert_gt(stat_of(fd, "total_malloced"), 8 << 20);
	return (fd);
}

/* The limit and every key are back, and both stats say the limit. */
static void
memlimit_back(int fd, const char *why)
{
	cr_expect_eq(count_keys(fd, "key:", MANY, NULL), MANY, "%s", why);
	cr_expect_eq(stat_of(fd, "limit_maxbytes"), 16 << 20, "%s", why);
	cr_expect_eq(client_stat(fd, "settings", "maxbytes"), 16 << 20,
	    "%s", why);
	/* Still 16, not the reserve: 10 MB more keys evict. */
	store_keys(fd, "more:", MANY);
	cr_expect_gt(stat_of(fd, "evictions"), 0, "%s", why);
	cr_expect_leq(stat_of(fd, "total_malloced"), 16 << 20, "%s", why);
}

/*
 * A limit cache_memlimit set survives a storage crash and an upgrade:
 * the storage child reads it back with the items and says it.
 */
static void
memlimit_kept(const char *user)
{
	const char	*args[] = { "-m", "3", "-o", "memlimit_max=32", NULL };
	int		 fd;

	cr_assert_eq(daemon_start(&d, user, args), 0);
	fd = memlimit_fill();
	close(fd);

	(void)kill_storage();
	cr_assert_geq(fd = reconnect_storage(5000), 0);
	cr_assert(daemon_log_has(&d, "; memory limit 16 MB", 5000));
	cr_expect_eq(stat_of(fd, "privcached_recovered_items"), MANY);
	memlimit_back(fd, "after a storage crash");
	close(fd);
}

Test(recover, memlimit_kept_across_storage_crash)
{
	memlimit_kept(NULL);
}

Test(recover, unprivileged_memlimit_kept_across_storage_crash)
{
	memlimit_kept("nobody");
}

Test(recover, memlimit_kept_across_upgrade)
{
	const char	*args[] = { "-m", "3", "-o", "memlimit_max=32", NULL };
	int		 fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	fd = memlimit_fill();
	close(fd);
	cr_assert_eq(kill(d.d_pid, SIGUSR2), 0);
	cr_assert(daemon_log_has(&d, "upgraded in place", 15000));
	cr_assert(daemon_log_has(&d, "; memory limit 16 MB", 15000));
	cr_assert_geq(fd = reconnect_storage(5000), 0);
	memlimit_back(fd, "after an upgrade");
	close(fd);
}

/* -e: a restart with the same flags comes back with the limit too. */
Test(recover, memlimit_kept_in_memory_file)
{
	char		 path[64];
	const char	*args[] = { "-e", path, "-m", "3", "-o",
			    "memlimit_max=32", NULL };
	int		 fd;

	(void)snprintf(path, sizeof(path), "/dev/shm/privcached-ml-%d",
	    (int)getpid());
	(void)unlink(path);
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	fd = memlimit_fill();
	close(fd);
	cr_assert_eq(daemon_stop(&d), 0, "a clean stop");
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert(daemon_log_has(&d, "; memory limit 16 MB", 5000));
	cr_assert_geq(fd = reconnect_storage(5000), 0);
	memlimit_back(fd, "after a restart with -e");
	close(fd);
	cr_assert_eq(daemon_stop(&d), 0);
	cr_assert_eq(unlink(path), 0);
}

/* The item memory the parent holds, mapped as a test may: via /proc. */
static uint8_t *
map_item_memory(size_t *len)
{
	char		 path[320], link[256], dirp[64];
	struct dirent	*de;
	struct stat	 st;
	DIR		*dir;
	void		*p = MAP_FAILED;
	ssize_t		 n;
	int		 fd;

	(void)snprintf(dirp, sizeof(dirp), "/proc/%d/fd", (int)d.d_pid);
	cr_assert_not_null(dir = opendir(dirp));
	while ((de = readdir(dir)) != NULL) {
		(void)snprintf(path, sizeof(path), "%s/%s", dirp, de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (strstr(link, "memfd:privcached-items") == NULL)
			continue;
		cr_assert_geq(fd = open(path, O_RDWR), 0);
		cr_assert_eq(fstat(fd, &st), 0);
		*len = (size_t)st.st_size;
		p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		break;
	}
	closedir(dir);
	cr_assert_neq(p, MAP_FAILED, "the parent holds the item memory");
	return (p);
}

Test(recover, damaged_items_dropped_exactly)
{
	const char	*args[] = { NULL };
	static char	 hits[1000];
	char		 needle[64];
	uint8_t		*mem, *p;
	size_t		 len;
	uint64_t	 x = 0x9e3779b97f4a7c15ULL;
	int		 fd, i, k, n;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	store_keys(fd, "dmg:", 1000);
	close(fd);

	/* Random bytes over the values of every 100th key ... */
	mem = map_item_memory(&len);
	for (i = 0; i < 1000; i += 100) {
		n = snprintf(needle, sizeof(needle), "dmg:%dval-%d", i, i);
		cr_assert_not_null(p = memmem(mem, len, needle, (size_t)n),
		    "%s in memory", needle);
		for (k = (int)strlen("dmg:") + (n - 4) / 2; k < n; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[k] ^= (uint8_t)(x | 1);
		}
	}
	/* ... and over the last quarter, which no page of items reached. */
	for (p = mem + len - len / 4; p < mem + len; p += 61)
		*p = (uint8_t)(x >>= 1);
	cr_assert_eq(munmap(mem, len), 0);

	(void)kill_storage();
	cr_assert_geq(fd = reconnect_storage(5000), 0);
	cr_assert_eq(count_keys(fd, "dmg:", 1000, hits), 990);
	for (i = 0; i < 1000; i++)
		cr_expect_eq(hits[i], i % 100 != 0, "dmg:%d", i);
	cr_expect_eq(stat_of(fd, "privcached_dropped_items"), 10);
	cr_expect_eq(stat_of(fd, "privcached_recovered_items"), 990);
	/* It serves: a new key, and a damaged one stored again. */
	cr_assert(client_expect(fd, "set dmg:0 0 0 1\r\nz\r\nget dmg:0\r\n",
	    "END\r\n", "STORED\r\nVALUE dmg:0 0 1\r\nz\r\nEND\r\n"));
	close(fd);
	cr_assert(daemon_log_has(&d, "recovered 990 items, dropped 10 in",
	    0));
}

/* -e: the cache outlives the daemon; another layout starts empty. */
static void
memory_file_restart(const char *user)
{
	char		 path[64], line[128];
	const char	*args[] = { "-e", path, NULL };
	const char	*other[] = { "-e", path, "-m", "32", NULL };
	struct stat	 st;
	int		 fd;

	(void)snprintf(path, sizeof(path), "/dev/shm/privcached-test-%d",
	    (int)getpid());
	(void)unlink(path);
	cr_assert_eq(daemon_start(&d, user, args), 0);
	cr_assert(daemon_log_has(&d, "new item memory", 0));
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	store_keys(fd, "e:", 2000);
	close(fd);
	cr_assert_eq(daemon_stop(&d), 0, "a clean stop");

	cr_assert_eq(daemon_start(&d, user, args), 0);
	cr_assert(daemon_log_has(&d, "reading the cache back", 0));
	cr_assert_geq(fd = reconnect_storage(5000), 0);
	cr_assert_eq(count_keys(fd, "e:", 2000, NULL), 2000);
	cr_expect_eq(stat_of(fd, "privcached_recovered_items"), 2000);
	close(fd);
	(void)snprintf(line, sizeof(line), "recovered 2000 items, dropped 0");
	cr_assert(daemon_log_has(&d, line, 0));
	cr_assert_eq(daemon_stop(&d), 0);

	/* Another -m: never read with the old layout. */
	cr_assert_eq(daemon_start(&d, user, other), 0);
	cr_assert(daemon_log_has(&d, "starting empty", 0));
	cr_assert_geq(fd = reconnect_storage(5000), 0);
	cr_assert_eq(count_keys(fd, "e:", 2000, NULL), 0);
	close(fd);
	cr_assert_eq(daemon_stop(&d), 0);
	cr_assert_eq(unlink(path), 0);
}

Test(recover, memory_file_stop_start_keys_back)
{
	memory_file_restart(NULL);
}

Test(recover, unprivileged_memory_file_stop_start)
{
	memory_file_restart("nobody");
}

Test(recover, memory_file_not_through_a_symlink)
{
	char		 path[64], port[16], out[4096];
	const char	*args[] = { "-e", path, "-p", port, "-l", "127.0.0.1",
			    NULL };
	int		 st;

	/* A free port: the -e file is opened after the listeners. */
	(void)snprintf(port, sizeof(port), "%d", daemon_free_port());

	(void)snprintf(path, sizeof(path), "/dev/shm/privcached-link-%d",
	    (int)getpid());
	(void)unlink(path);
	cr_assert_eq(symlink("/dev/shm/privcached-target", path), 0);
	st = daemon_run_fail(args, out, sizeof(out));
	cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) != 0);
	cr_assert_not_null(strstr(out, path), "%s", out);
	cr_assert_eq(access("/dev/shm/privcached-target", F_OK), -1);
	(void)unlink(path);
}
