/*
 * The pool of pending replies (net child): every request a connection
 * sends gets one, kept for reuse rather than freed.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "net.h"

/* Pending entries kept for reuse instead of freed. */
#define PENDING_FREE_MAX	4096

static struct pendingq		 pending_free =
				    TAILQ_HEAD_INITIALIZER(pending_free);
static size_t			 pending_nfree;

struct pending *
pending_get(void)
{
	struct pending	*p;

	if ((p = TAILQ_FIRST(&pending_free)) != NULL) {
		TAILQ_REMOVE(&pending_free, p, p_conn_entry);
		pending_nfree--;
	} else if ((p = malloc(sizeof(*p))) == NULL)
		return (NULL);
	memset(p, 0, sizeof(*p));
	return (p);
}

void
pending_put(struct pending *p)
{
	free(p->p_text);
	p->p_text = NULL;
	free(p->p_watch);
	p->p_watch = NULL;
	if (pending_nfree >= PENDING_FREE_MAX) {
		free(p);
		return;
	}
	TAILQ_INSERT_HEAD(&pending_free, p, p_conn_entry);
	pending_nfree++;
}
