/*
 * IMSG_CACHE_MEMLIMIT in a net child (net/admin.c): storage's limit
 * becomes stats settings maxbytes only when a storage child could have
 * it; anything else is refused, and net.c stops on that.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "net.h"

#define MB	(1024ULL * 1024)

/* What admin_memlimit makes of limit arriving from storage. */
static int
tell(uint64_t limit)
{
	struct imsgbuf	wr, rd;
	struct imsg	imsg;
	int		sv[2], rv;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(imsgbuf_init(&wr, sv[0]), 0);
	cr_assert_eq(imsgbuf_init(&rd, sv[1]), 0);
	cr_assert_eq(imsg_compose(&wr, IMSG_CACHE_MEMLIMIT, 0, 0, -1, &limit,
	    sizeof(limit)), 1);
	cr_assert_eq(imsgbuf_flush(&wr), 0);
	cr_assert_eq(imsgbuf_read(&rd), 1);
	cr_assert_gt(imsg_get(&rd, &imsg), 0);
	rv = admin_memlimit(&imsg);
	imsg_free(&imsg);
	imsgbuf_clear(&wr);
	imsgbuf_clear(&rd);
	close(sv[0]);
	close(sv[1]);
	return (rv);
}

/* -m 64, item memory reserved for 256 MB, 1 MB pages. */
static void
setup(void)
{
	memset(&net_conf, 0, sizeof(net_conf));
	net_conf.nc_cache.cc_maxbytes = 64 * MB;
	net_conf.nc_cache.cc_memlimit_max = 256 * MB;
	net_conf.nc_cache.cc_slab_page_size = 1 * MB;
	admin_settings.ps_maxbytes = 0;
}

TestSuite(net_memlimit, .init = setup);

Test(net_memlimit, storage_limits_taken)
{
	cr_assert_eq(tell(64 * MB), 0);
	cr_assert_eq(admin_settings.ps_maxbytes, 64 * MB);
	cr_assert_eq(tell(8 * MB), 0);
	cr_assert_eq(admin_settings.ps_maxbytes, 8 * MB);
	cr_assert_eq(tell(256 * MB), 0);
	cr_assert_eq(admin_settings.ps_maxbytes, 256 * MB);
}

Test(net_memlimit, impossible_limits_refused)
{
	cr_assert_eq(tell(16 * MB), 0);
	cr_assert_eq(tell(0), -1);
	cr_assert_eq(tell(257 * MB), -1);
	cr_assert_eq(tell(UINT64_MAX), -1);
	/* Under a page: only -m itself may be that small. */
	cr_assert_eq(tell(MB - 1), -1);
	/* A refused value changes nothing. */
	cr_assert_eq(admin_settings.ps_maxbytes, 16 * MB);
}

Test(net_memlimit, small_m_below_a_page)
{
	net_conf.nc_cache.cc_maxbytes = MB / 2;
	net_conf.nc_cache.cc_memlimit_max = 0;
	cr_assert_eq(tell(MB / 2), 0);
	cr_assert_eq(tell(MB / 4), -1);
	/* The reserve is one page at least. */
	cr_assert_eq(tell(MB), 0);
	cr_assert_eq(tell(2 * MB), -1);
}
