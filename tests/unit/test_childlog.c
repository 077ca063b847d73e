/*
 * Unit tests for what the parent makes of a child's log line
 * (privsep/childlog.c): priorities clamped to LOG_ERR, every byte outside
 * printable ASCII escaped, lines past the rate dropped and a flood
 * reported for killing.
 */

#include <sys/types.h>

#include <string.h>
#include <syslog.h>

#include <criterion/criterion.h>

#include "childlog.h"

Test(childlog, priorities_clamped_to_err)
{
	cr_assert_eq(childlog_prio(LOG_EMERG), LOG_ERR);
	cr_assert_eq(childlog_prio(LOG_ALERT), LOG_ERR);
	cr_assert_eq(childlog_prio(LOG_CRIT), LOG_ERR);
	cr_assert_eq(childlog_prio(LOG_ERR), LOG_ERR);
	cr_assert_eq(childlog_prio(LOG_WARNING), LOG_WARNING);
	cr_assert_eq(childlog_prio(LOG_INFO), LOG_INFO);
	cr_assert_eq(childlog_prio(LOG_DEBUG), LOG_DEBUG);
	cr_assert_eq(childlog_prio(-1), -1);
	cr_assert_eq(childlog_prio(LOG_DEBUG + 1), -1);
	cr_assert_eq(childlog_prio(INT32_MIN), -1);
}

Test(childlog, everything_outside_printable_ascii_escaped)
{
	/* CSI as one C1 byte, U+202E in UTF-8, ESC, DEL, NUL, backslash. */
	static const char	in[] = "a\x9b" "31m\xe2\x80\xae" "b\x1b\x7f\\";
	char			out[CHILDLOG_ESCAPED_MAX(sizeof(in))];

	childlog_escape(in, sizeof(in), out, sizeof(out));
	cr_assert_str_eq(out, "a\\x9b31m\\xe2\\x80\\xaeb\\x1b\\x7f\\x5c\\x00");
}

Test(childlog, escape_stops_at_the_buffer)
{
	char	out[9];

	memset(out, 'z', sizeof(out));
	childlog_escape("\x01\x02\x03", 3, out, sizeof(out));
	/* Whole escapes only: two fit, with the NUL. */
	cr_assert_str_eq(out, "\\x01\\x02");
}

Test(childlog, rate_drops_then_kills)
{
	struct childlog_rate	cr;
	unsigned int		dropped, i, pass = 0, drop = 0;
	enum childlog_verdict	v = CHILDLOG_PASS;

	memset(&cr, 0, sizeof(cr));
	for (i = 0; i < CHILDLOG_KILL && v != CHILDLOG_FLOOD; i++) {
		v = childlog_rate(&cr, 100, CHILDLOG_RATE, CHILDLOG_KILL,
		    &dropped);
		if (v == CHILDLOG_PASS)
			pass++;
		else if (v == CHILDLOG_DROP)
			drop++;
		cr_assert_eq(dropped, 0);
	}
	cr_assert_eq(v, CHILDLOG_FLOOD);
	cr_assert_eq(pass, CHILDLOG_RATE);
	cr_assert_eq(pass + drop + 1, CHILDLOG_KILL);
	/* A new second: the count of the last one, once, and a fresh rate. */
	cr_assert_eq(childlog_rate(&cr, 101, CHILDLOG_RATE, CHILDLOG_KILL,
	    &dropped), CHILDLOG_PASS);
	cr_assert_eq(dropped, drop);
	cr_assert_eq(childlog_rate(&cr, 101, CHILDLOG_RATE, CHILDLOG_KILL,
	    &dropped), CHILDLOG_PASS);
	cr_assert_eq(dropped, 0);
}
