/*
 * The meta commands against the running daemon: exact replies, as
 * memcached 1.6.18 gives them, for each command, its flags and the flows
 * that span requests (pipelined quiet gets, vivify and recache wins, stale
 * marks, arithmetic, base64 keys).  Requests whose answers depend on the
 * clock go out in one write, so that storage sees one second.
 */

#include <sys/types.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

static struct daemon	d;
static int		fd = -1;

static void
fini(void)
{
	if (fd != -1)
		close(fd);
	daemon_stop(&d);
}

TestSuite(meta_integ, .fini = fini, .timeout = 60);

static void
start(void)
{
	const char	*args[] = { NULL };

	cr_assert_eq(daemon_start(&d, NULL, args), 0, "daemon started");
	cr_assert_geq(fd = client_connect(d.d_port), 0);
}

/* Sends req and wants exactly want back. */
#define EXPECT(req, want)						\
	cr_assert(client_expect(fd, (req), (want), (want)), "%s", (req))

/* The cas mg c reports for key, or 0. */
static unsigned long long
cas_of(const char *key)
{
	char			 req[300], buf[512];
	unsigned long long	 cas = 0;

	snprintf(req, sizeof(req), "mg %s c\r\n", key);
	cr_assert_eq(client_sends(fd, req), 0);
	cr_assert_gt(client_recv_until(fd, buf, sizeof(buf), "\r\n"), 0);
	cr_assert_eq(sscanf(buf, "HD c%llu", &cas), 1, "%s", buf);
	return (cas);
}

/* Reads until buf holds n whole lines. */
static void
recv_lines(char *buf, size_t len, int n)
{
	const char	*p;
	size_t		 got = 0;
	ssize_t		 r;
	int		 lines = 0;

	buf[0] = '\0';
	while (lines < n) {
		r = client_recv_until(fd, buf + got, len - got, "\r\n");
		cr_assert_gt(r, 0, "%d lines in [%s]", lines, buf);
		got += r;
		for (lines = 0, p = buf; (p = strstr(p, "\r\n")) != NULL;
		    p += 2)
			lines++;
	}
}

Test(meta_integ, get_set_flags_and_errors)
{
	char	req[600];

	start();
	EXPECT("mg foo\r\n", "EN\r\n");
	EXPECT("ms foo 3 T0 F5\r\nabc\r\n", "HD\r\n");
	EXPECT("mg foo\r\n", "HD\r\n");
	EXPECT("mg foo v f s t k O7\r\n",
	    "VA 3 f5 s3 t-1 kfoo O7\r\nabc\r\n");
	EXPECT("mg foo O7 k t s f v\r\n",
	    "VA 3 O7 kfoo t-1 s3 f5\r\nabc\r\n");
	EXPECT("mg miss k O1 v t\r\n", "EN kmiss O1\r\n");
	/* h and l tell what was before this request. */
	EXPECT("ms hit 1\r\nx\r\nmg hit h l\r\nmg hit h u\r\nmg hit h\r\n",
	    "HD\r\nHD h0 l0\r\nHD h1\r\nHD h1\r\n");
	EXPECT("ms nobump 1\r\nx\r\nmg nobump u h\r\nmg nobump h\r\n",
	    "HD\r\nHD h0\r\nHD h0\r\n");
	/* An empty value. */
	EXPECT("ms empty 0\r\n\r\nmg empty v s\r\n",
	    "HD\r\nVA 0 s0\r\n\r\n");
	/* A value holding line ends. */
	EXPECT("ms crlf 6\r\na\r\nb\r\n\r\nmg crlf v\r\n",
	    "HD\r\nVA 6\r\na\r\nb\r\n\r\n");
	/* TTLs, relative, absolute and past. */
	EXPECT("ms ttl 1 T100\r\nx\r\nmg ttl t\r\n",
	    "HD\r\nHD t100\r\n");
	EXPECT("ms old 1 T-1\r\nx\r\nmg old\r\n", "HD\r\nEN\r\n");
	EXPECT("ms old 1 T2592001\r\nx\r\nmg old\r\n",
	    "HD\r\nEN\r\n");
	EXPECT("mg ttl T0 t\r\nmg ttl t\r\n",
	    "HD t-1\r\nHD t-1\r\n");
	EXPECT("mn\r\n", "MN\r\n");
	EXPECT("mn anything at all\r\n", "MN\r\n");
	/* Errors, as memcached words them. */
	EXPECT("mg\r\n", "ERROR\r\n");
	EXPECT("me\r\n", "CLIENT_ERROR bad command line format\r\n");
	EXPECT("mg foo zz\r\n", "CLIENT_ERROR invalid flag\r\n");
	EXPECT("mg foo v v\r\n", "CLIENT_ERROR duplicate flag\r\n");
	EXPECT("mg foo T\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	EXPECT("mg foo Oabcdefghijabcdefghijabcdefghij12 q\r\n",
	    "CLIENT_ERROR opaque token too long\r\n");
	EXPECT("mg foo a b c d e f g h i j k l m n o p q r\r\n",
	    "CLIENT_ERROR options flags are too long\r\n");
	EXPECT("md foo zz\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	EXPECT("ma foo MX\r\n",
	    "CLIENT_ERROR invalid mode for ma M token\r\n");
	memcpy(req, "mg ", 3);
	memset(req + 3, 'k', 251);
	memcpy(req + 254, " v\r\n", 5);
	EXPECT(req, "CLIENT_ERROR bad command line format\r\n");
	/* A refused block is swallowed, the next command runs. */
	EXPECT("ms foo 9 MX\r\nmg evil\r\n\r\nmn\r\n",
	    "CLIENT_ERROR invalid mode for ms M token\r\nMN\r\n");
	EXPECT("ms foo 9 zz q\r\nmg evil\r\n\r\nmn\r\n",
	    "CLIENT_ERROR invalid flag\r\nMN\r\n");
	EXPECT("ms big 2000000 T0\r\n",
	    "SERVER_ERROR object too large for cache\r\n");
	close(fd);
	/* A block without its \r\n: its length was wrong, so hang up. */
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	EXPECT("ms foo 3\r\nabcd\r\nmn\r\n",
	    "CLIENT_ERROR bad data chunk\r\n");
	cr_assert(client_closed(fd), "a bad data chunk closes");
	close(fd);
	/* A length that cannot be trusted ends the connection. */
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	EXPECT("ms foo -1\r\nmg foo\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	cr_assert(client_closed(fd), "untrusted length closes");
}

Test(meta_integ, pipelined_quiet_gets)
{
	char		 req[8192], want[8192];
	size_t		 rl = 0, wl = 0;
	int		 i;

	start();
	EXPECT("ms a 1 q\r\n1\r\nms b 1 q\r\n2\r\nms c 1 q\r\n3\r\nmn\r\n",
	    "MN\r\n");
	/* Only hits answer; mn says all was done. */
	for (i = 0; i < 50; i++) {
		rl += snprintf(req + rl, sizeof(req) - rl,
		    "mg %s q k v O%d\r\n",
		    i % 5 == 0 ? "a" : i % 5 == 1 ? "b" : i % 5 == 2 ? "c" :
		    "none", i);
		if (i % 5 < 3)
			wl += snprintf(want + wl, sizeof(want) - wl,
			    "VA 1 k%c O%d\r\n%c\r\n", "abc"[i % 5], i,
			    "123"[i % 5]);
	}
	rl += snprintf(req + rl, sizeof(req) - rl, "mn\r\n");
	wl += snprintf(want + wl, sizeof(want) - wl, "MN\r\n");
	EXPECT(req, want);
	/* q hides HD of ms md ma, but never a failure. */
	EXPECT("ms a 1 ME q\r\nx\r\nms a 1 q\r\ny\r\nmd none q\r\n"
	    "md a q\r\nma none q\r\nmn\r\n", "NS\r\nNF\r\nNF\r\nMN\r\n");
}

Test(meta_integ, set_modes_and_cas)
{
	unsigned long long	cas;
	char			req[256];

	start();
	EXPECT("ms m 1 MR k O1\r\nx\r\n", "NS km O1\r\n");
	EXPECT("ms m 1 MA\r\nx\r\n", "NS\r\n");
	EXPECT("ms m 3 ME\r\nabc\r\n", "HD\r\n");
	EXPECT("ms m 1 ME c\r\nx\r\n", "NS c0\r\n");
	EXPECT("ms m 2 MA s\r\nde\r\n", "HD s5\r\n");
	EXPECT("ms m 2 MP\r\nxy\r\n", "HD\r\n");
	EXPECT("ms m 2 MR F9\r\n12\r\nmg m v f\r\n",
	    "HD\r\nVA 2 f9\r\n12\r\n");
	EXPECT("ms m 3 MS\r\nabc\r\n", "HD\r\n");
	EXPECT("ms m 2 MA\r\nde\r\nms m 2 MP\r\nxy\r\nmg m v s\r\n",
	    "HD\r\nHD\r\nVA 7 s7\r\nxyabcde\r\n");
	/* Append keeps flags and TTL. */
	EXPECT("ms keep 3 F7 T100\r\nabc\r\nms keep 2 MA F9 T0\r\nde\r\n"
	    "mg keep v f t\r\n",
	    "HD\r\nHD\r\nVA 5 f7 t100\r\nabcde\r\n");
	/* Append with N creates the item on a miss. */
	EXPECT("ms viv 2 MA N100\r\nhi\r\nmg viv v t\r\n",
	    "HD\r\nVA 2 t100\r\nhi\r\n");
	/* Compare and swap. */
	cas = cas_of("m");
	EXPECT("ms m 1 C1 c\r\nx\r\n", "EX c0\r\n");
	EXPECT("ms nothere 1 C1 k\r\nx\r\n", "NF knothere\r\n");
	EXPECT("ms nothere 1 MR C1\r\nx\r\n", "NF\r\n");
	EXPECT("ms m 2 MA C1\r\nzz\r\n", "EX\r\n");
	snprintf(req, sizeof(req), "ms m 1 C%llu q\r\nx\r\nmg m v\r\n", cas);
	EXPECT(req, "VA 1\r\nx\r\n");
	/* E sets the cas. */
	EXPECT("ms e 1 E777 c\r\nx\r\nmg e c\r\n",
	    "HD c777\r\nHD c777\r\n");
	EXPECT("ms e 1 C777 E900 c\r\ny\r\n", "HD c900\r\n");
	/* C with I: an older cas is taken, and the item goes stale. */
	EXPECT("ms e 1 C1 I\r\nz\r\nmg e v\r\nmg e v\r\n",
	    "HD\r\nVA 1 X W\r\nz\r\nVA 1 Z X\r\nz\r\n");
	/* mg C: the value only if it changed. */
	cas = cas_of("m");
	snprintf(req, sizeof(req), "mg m v C%llu\r\nmg m v C%llu\r\n", cas,
	    cas + 1);
	EXPECT(req, "HD\r\nVA 1\r\nx\r\n");
}

Test(meta_integ, vivify_recache_stale)
{
	start();
	/* The first client wins the recache, the next ones see Z. */
	EXPECT("mg v N30 v t\r\nmg v N30 v t\r\nmg v v\r\n",
	    "VA 0 t30 W\r\n\r\nVA 0 t30 Z\r\n\r\nVA 0 Z\r\n\r\n");
	EXPECT("mg v2 N30 s k q\r\nmg v2 N30 s k q\r\nmn\r\n",
	    "HD s0 kv2 W\r\nHD s0 kv2 Z\r\nMN\r\n");
	/* The winner stores; the flags go away. */
	EXPECT("ms v 3 T30\r\nabc\r\nmg v v t\r\n",
	    "HD\r\nVA 3 t30\r\nabc\r\n");
	/* R wins once the TTL left is under the token. */
	EXPECT("ms r 3 T30\r\nabc\r\nmg r R20 t\r\nmg r R40 v t\r\n"
	    "mg r R40 v t\r\nmg r t\r\n",
	    "HD\r\nHD t30\r\nVA 3 t30 W\r\nabc\r\nVA 3 t30 Z\r\nabc\r\n"
	    "HD t30 Z\r\n");
	EXPECT("ms forever 3\r\nabc\r\nmg forever R40 t\r\n",
	    "HD\r\nHD t-1\r\n");
	/* md I marks stale: the next get wins and sees X, then Z X. */
	EXPECT("ms s 3\r\nabc\r\nmd s I T30 k q\r\nmg s t v\r\nmg s t v\r\n"
	    "mg s v\r\n",
	    "HD\r\nVA 3 t30 X W\r\nabc\r\nVA 3 t30 Z X\r\nabc\r\n"
	    "VA 3 Z X\r\nabc\r\n");
	/* Storing again clears the stale mark. */
	EXPECT("ms s 1\r\nx\r\nmg s v\r\n", "HD\r\nVA 1\r\nx\r\n");
	/* md x keeps the item, without its value. */
	EXPECT("ms x 3 F4\r\nabc\r\nmd x x\r\nmg x v f\r\n",
	    "HD\r\nHD\r\nVA 0 f4\r\n\r\n");
	/* md T without I changes nothing: it deletes. */
	EXPECT("ms d 3\r\nabc\r\nmd d T30\r\nmg d\r\n",
	    "HD\r\nHD\r\nEN\r\n");
	EXPECT("md d k O5\r\n", "NF kd O5\r\n");
	EXPECT("ms d 3\r\nabc\r\nmd d C1 k O1\r\n",
	    "HD\r\nEX kd O1\r\n");
}

Test(meta_integ, arithmetic)
{
	start();
	EXPECT("ma n\r\n", "NF\r\n");
	EXPECT("ma n k O1 c t v\r\n", "NF kn O1\r\n");
	EXPECT("ma n N0 J5 v t k O9\r\n", "VA 1 t-1 kn O9\r\n5\r\n");
	EXPECT("ma n v\r\n", "VA 1\r\n6\r\n");
	EXPECT("ma n\r\nma n q\r\nmg n v\r\n",
	    "HD\r\nVA 1\r\n8\r\n");
	EXPECT("ma n MD v D3\r\nma n M- v\r\nma n M+ v D100\r\nma n MI v\r\n",
	    "VA 1\r\n5\r\nVA 1\r\n4\r\nVA 3\r\n104\r\nVA 3\r\n105\r\n");
	EXPECT("ma n MD D1000 v\r\n", "VA 1\r\n0\r\n");
	EXPECT("ms big 20\r\n18446744073709551615\r\nma big v\r\n",
	    "HD\r\nVA 1\r\n0\r\n");
	EXPECT("ma n C1 v\r\nma n C1 q\r\nmn\r\n",
	    "EX\r\nEX\r\nMN\r\n");
	EXPECT("ms t 2 T100\r\n10\r\nma t T200 t v\r\n",
	    "HD\r\nVA 2 t200\r\n11\r\n");
	EXPECT("ma new N100 J5 t\r\n", "HD t100\r\n");
	EXPECT("ma new2 N0 J5 T100 t\r\n", "HD t100\r\n");
	EXPECT("ma new3 N100 J5 T0 t\r\n", "HD t-1\r\n");
	EXPECT("ms s 2\r\nab\r\nma s v\r\nma s q\r\nmn\r\n",
	    "HD\r\nCLIENT_ERROR cannot increment or decrement non-numeric "
	    "value\r\nCLIENT_ERROR cannot increment or decrement non-numeric "
	    "value\r\nMN\r\n");
	EXPECT("ma n Dx\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	EXPECT("ma n D-1\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
}

Test(meta_integ, base64_keys_and_debug)
{
	char	buf[512];

	start();
	EXPECT("ms Zm9v 3 b k c E5 O9\r\nabc\r\n",
	    "HD kZm9v b c5 O9\r\n");
	/* The decoded key is the same item as the text one. */
	EXPECT("mg foo v\r\n", "VA 3\r\nabc\r\n");
	EXPECT("mg Zm9v b k v\r\n", "VA 3 kZm9v b\r\nabc\r\n");
	EXPECT("mg Zm9vYg== b k O1\r\n", "EN kZm9vYg== b O1\r\n");
	/* Any bytes, spaces and NULs included. */
	EXPECT("ms AAEgAw== 1 b\r\nx\r\nmg AAEgAw== b k v\r\n",
	    "HD\r\nVA 1 kAAEgAw== b\r\nx\r\n");
	EXPECT("md AAEgAw== b q\r\nmg AAEgAw== b k\r\n",
	    "EN kAAEgAw== b\r\n");
	EXPECT("mg Zm9 b\r\n", "CLIENT_ERROR error decoding key\r\n");
	EXPECT("ms Zm9 1 b\r\nx\r\nmn\r\n",
	    "CLIENT_ERROR error decoding key\r\nMN\r\n");
	EXPECT("md Zm9 b\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	/* me: the item's metadata, the key as it came. */
	EXPECT("me none\r\n", "EN\r\n");
	EXPECT("me Zm9 b\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	cr_assert_eq(client_sends(fd, "ms dbg 3 T100 E42\r\nabc\r\n"
	    "me dbg\r\n"), 0);
	recv_lines(buf, sizeof(buf), 2);
	/* A second may tick between setting and reading the TTL. */
	cr_assert(strncmp(buf, "HD\r\nME dbg exp=-100 la=0 cas=42 fetch=no "
	    "cls=", 43) == 0 || strncmp(buf, "HD\r\nME dbg exp=-99 la=0 "
	    "cas=42 fetch=no cls=", 42) == 0, "%s", buf);
	cr_assert_not_null(strstr(buf, " size="), "%s", buf);
	/* me neither bumps nor marks the item fetched. */
	EXPECT("mg dbg h\r\n", "HD h0\r\n");
	cr_assert_eq(client_sends(fd, "me Zm9v b\r\n"), 0);
	recv_lines(buf, sizeof(buf), 1);
	cr_assert(strncmp(buf, "ME Zm9v exp=-1 la=", 18) == 0, "%s", buf);
	cr_assert_not_null(strstr(buf, " cas=5 fetch=yes cls="), "%s", buf);
}
