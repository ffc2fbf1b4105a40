/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A certificate's expiry as a card holder counts it: the date in Japan,
 * days left, and whether renewal is open (three months before expiry). */
#include "jpki-cli.h"

#include <string.h>

#include <openssl/asn1.h>

#define JAPAN_OFFSET (9 * 3600)

bool
cert_validity (X509 *cert, time_t now, struct validity *v)
{
	struct tm tm, japan;
	time_t end, renewal, local;

	memset (v, 0, sizeof *v);
	if (cert == NULL || !ASN1_TIME_to_tm (X509_get0_notAfter (cert), &tm))
		return false;
	end = timegm (&tm);
	local = end + JAPAN_OFFSET;
	gmtime_r (&local, &japan);
	strftime (v->not_after, sizeof v->not_after, "%Y-%m-%d", &japan);
	tm.tm_mon -= 3;
	renewal = timegm (&tm);
	v->expired = now > end;
	v->days_left = v->expired ? 0 : (long) ((end - now) / 86400);
	v->renewal_open = !v->expired && now >= renewal;
	return true;
}
