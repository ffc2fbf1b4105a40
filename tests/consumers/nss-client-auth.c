/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nss-client-auth: pick a TLS client certificate the way a browser does,
 * with NSS as Debian ships it, and count the PIN prompts per token.
 *
 *   nss-client-auth DBDIR firefox
 *       Firefox's selection (FindClientCertificatesWithPrivateKeys in
 *       security/manager/ssl/nsNSSComponent.cpp): every present slot that is
 *       not "friendly" is logged in to (PK11_Authenticate) before its
 *       certificates are listed; user certificates for SSL client use are
 *       kept.  Then the key of the certificate picked is found
 *       (PK11_FindKeyByAnyCert), it signs, and NSS's softoken verifies the
 *       signature with the certificate's public key.
 *   nss-client-auth DBDIR connect HOST PORT COUNT [MINVER:MAXVER]
 *       COUNT TLS connections, each a full handshake (no session cache),
 *       with NSS_GetClientAuthData choosing the certificate by itself
 *       (nickname NULL, as "select automatically").  Sends an HTTP GET and
 *       prints the answer.  Versions: tls1.2, tls1.3.
 *
 * The password callback stands for the browser's PIN dialog.  Every call
 * prints "PROMPT token=<label> retry=<0|1>".  It answers the authentication
 * token with $JPKI_AUTH_PIN; the signature token with $JPKI_SIGN_PIN only if
 * NSS_TEST_SIGN_ANSWER=pin, otherwise it cancels (returns NULL), as a person
 * who knows not to type the signature PIN into a browser would.
 * NSS_TEST_AUTH_TOKEN names another module's authentication token (the
 * benchmark runs OpenSC's module too).  It never
 * answers a retry.  At the end: "PROMPTS auth=N sign=N other=N".
 * Exit status 0 when every step worked, 1 otherwise. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cert.h>
#include <cryptohi.h>
#include <keyhi.h>
#include <nss.h>
#include <pk11pub.h>
#include <prerror.h>
#include <prio.h>
#include <prnetdb.h>
#include <secmod.h>
#include <ssl.h>
#include <sslproto.h>

#define AUTH_TOKEN "My Number Auth (4-digit PIN)"
#define SIGN_TOKEN "My Number Sign (6-16 char PIN)"

static int prompts_auth, prompts_sign, prompts_other;

static char *password_cb(PK11SlotInfo *slot, PRBool retry, void *arg)
{
	const char *token = PK11_GetTokenName(slot);
	const char *pin = NULL;
	const char *answer = getenv("NSS_TEST_SIGN_ANSWER");
	const char *auth_token = getenv("NSS_TEST_AUTH_TOKEN");

	(void)arg;
	printf("PROMPT token=%s retry=%d\n", token, retry ? 1 : 0);
	fflush(stdout);
	if (strcmp(token, auth_token && *auth_token ? auth_token : AUTH_TOKEN) == 0) {
		prompts_auth++;
		pin = getenv("JPKI_AUTH_PIN");
	} else if (strcmp(token, SIGN_TOKEN) == 0) {
		prompts_sign++;
		if (answer && strcmp(answer, "pin") == 0)
			pin = getenv("JPKI_SIGN_PIN");
	} else {
		prompts_other++;
	}
	if (retry || !pin || !*pin)
		return NULL;
	return PORT_Strdup(pin);
}

static const char *err(void)
{
	const char *name = PR_ErrorToName(PR_GetError());
	return name ? name : "unknown error";
}

static void show_cert(const char *what, CERTCertificate *cert)
{
	printf("%s nickname=%s subject=%s token=%s\n", what,
	       cert->nickname ? cert->nickname : "(none)", cert->subjectName,
	       cert->slot ? PK11_GetTokenName(cert->slot) : "(none)");
}

/* Sign with the key and have NSS's softoken verify with the certificate. */
static int sign_and_verify(CERTCertificate *cert, SECKEYPrivateKey *key)
{
	static const unsigned char data[] = "nss-client-auth signature test";
	SECItem sig = { siBuffer, NULL, 0 };
	SECKEYPublicKey *pub;
	SECStatus rv;

	if (SEC_SignData(&sig, data, sizeof(data), key,
			 SEC_OID_PKCS1_SHA256_WITH_RSA_ENCRYPTION) != SECSuccess) {
		printf("SIGN failed: %s\n", err());
		return 1;
	}
	pub = CERT_ExtractPublicKey(cert);
	rv = pub ? VFY_VerifyDataDirect(data, sizeof(data), pub, &sig,
					SEC_OID_PKCS1_RSA_ENCRYPTION, SEC_OID_SHA256,
					NULL, NULL)
		 : SECFailure;
	SECKEY_DestroyPublicKey(pub);
	SECITEM_FreeItem(&sig, PR_FALSE);
	printf("SIGN %s\n", rv == SECSuccess ? "verified" : "does not verify");
	return rv == SECSuccess ? 0 : 1;
}

/* Firefox's FindClientCertificatesWithPrivateKeys, external slots part. */
static int firefox_select(void)
{
	CERTCertList *found = CERT_NewCertList();
	SECMODListLock *lock = SECMOD_GetDefaultModuleListLock();
	SECMODModuleList *list;
	CERTCertListNode *node;
	CERTCertificate *cert = NULL;
	SECKEYPrivateKey *key;
	int rc;

	SECMOD_GetReadLock(lock);
	for (list = SECMOD_GetDefaultModuleList(); list; list = list->next) {
		for (int i = 0; i < list->module->slotCount; i++) {
			PK11SlotInfo *slot = list->module->slots[i];
			CERTCertList *certs;

			if (PK11_IsInternal(slot) || PK11_HasRootCerts(slot))
				continue; /* only our module is of interest */
			if (!PK11_IsPresent(slot))
				continue;
			printf("SLOT %s token=%s friendly=%d login-required=%d\n",
			       PK11_GetSlotName(slot), PK11_GetTokenName(slot),
			       PK11_IsFriendly(slot), PK11_NeedLogin(slot));
			if (!PK11_IsFriendly(slot) &&
			    PK11_Authenticate(slot, PR_TRUE, NULL) != SECSuccess)
				continue;
			certs = PK11_ListCertsInSlot(slot);
			if (!certs)
				continue;
			if (CERT_FilterCertListForUserCerts(certs) == SECSuccess) {
				for (node = CERT_LIST_HEAD(certs);
				     !CERT_LIST_END(node, certs);
				     node = CERT_LIST_NEXT(node))
					CERT_AddCertToListTail(found,
						CERT_DupCertificate(node->cert));
			}
			CERT_DestroyCertList(certs);
		}
	}
	SECMOD_ReleaseReadLock(lock);

	CERT_FilterCertListByUsage(found, certUsageSSLClient, PR_FALSE);
	for (node = CERT_LIST_HEAD(found); !CERT_LIST_END(node, found);
	     node = CERT_LIST_NEXT(node)) {
		show_cert("CANDIDATE", node->cert);
		if (!cert)
			cert = CERT_DupCertificate(node->cert);
	}
	CERT_DestroyCertList(found);
	if (!cert) {
		printf("SELECTED none\n");
		return 1;
	}
	show_cert("SELECTED", cert);
	key = PK11_FindKeyByAnyCert(cert, NULL);
	if (!key) {
		printf("KEY not found: %s\n", err());
		CERT_DestroyCertificate(cert);
		return 1;
	}
	rc = sign_and_verify(cert, key);
	SECKEY_DestroyPrivateKey(key);
	CERT_DestroyCertificate(cert);
	return rc;
}

static SECStatus accept_server_cert(void *arg, PRFileDesc *fd)
{
	(void)arg;
	(void)fd;
	return SECSuccess; /* the test's own throwaway server certificate */
}

static int parse_version(const char *s, PRUint16 *v)
{
	if (strcmp(s, "tls1.2") == 0)
		*v = SSL_LIBRARY_VERSION_TLS_1_2;
	else if (strcmp(s, "tls1.3") == 0)
		*v = SSL_LIBRARY_VERSION_TLS_1_3;
	else
		return -1;
	return 0;
}

static int connect_once(const PRNetAddr *addr, const char *host,
			const SSLVersionRange *range)
{
	static const char request[] = "GET / HTTP/1.0\r\n\r\n";
	static int pinarg; /* NSS looks for tokens' certs only with one */
	PRFileDesc *tcp, *fd;
	SSLChannelInfo info;
	CERTCertificate *mine;
	char buf[4096];
	PRInt32 n;
	int rc = 1;

	tcp = PR_NewTCPSocket();
	fd = tcp ? SSL_ImportFD(NULL, tcp) : NULL;
	if (!fd) {
		printf("TLS socket: %s\n", err());
		return 1;
	}
	if (SSL_OptionSet(fd, SSL_SECURITY, PR_TRUE) != SECSuccess ||
	    SSL_OptionSet(fd, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE) != SECSuccess ||
	    SSL_OptionSet(fd, SSL_NO_CACHE, PR_TRUE) != SECSuccess ||
	    SSL_VersionRangeSet(fd, range) != SECSuccess ||
	    SSL_SetURL(fd, host) != SECSuccess ||
	    SSL_SetPKCS11PinArg(fd, &pinarg) != SECSuccess ||
	    SSL_BadCertHook(fd, accept_server_cert, NULL) != SECSuccess ||
	    SSL_GetClientAuthDataHook(fd, NSS_GetClientAuthData, NULL) != SECSuccess) {
		printf("TLS setup: %s\n", err());
		goto out;
	}
	if (PR_Connect(fd, addr, PR_SecondsToInterval(10)) != PR_SUCCESS) {
		printf("TCP connect: %s\n", err());
		goto out;
	}
	if (SSL_ForceHandshakeWithTimeout(fd, PR_SecondsToInterval(30)) != SECSuccess) {
		printf("HANDSHAKE failed: %s\n", err());
		goto out;
	}
	if (SSL_GetChannelInfo(fd, &info, sizeof(info)) == SECSuccess)
		printf("HANDSHAKE ok version=%s\n",
		       info.protocolVersion == SSL_LIBRARY_VERSION_TLS_1_3 ? "tls1.3" :
		       info.protocolVersion == SSL_LIBRARY_VERSION_TLS_1_2 ? "tls1.2" :
		       "other");
	mine = SSL_LocalCertificate(fd);
	if (mine) {
		show_cert("CLIENTCERT", mine);
		CERT_DestroyCertificate(mine);
	} else {
		printf("CLIENTCERT none\n");
	}
	if (PR_Write(fd, request, sizeof(request) - 1) != (PRInt32)sizeof(request) - 1) {
		printf("WRITE failed: %s\n", err());
		goto out;
	}
	/* A TLS 1.3 server refuses a missing certificate only after our
	 * Finished: the failure shows here. */
	n = PR_Recv(fd, buf, sizeof(buf) - 1, 0, PR_SecondsToInterval(30));
	if (n <= 0) {
		printf("READ failed: %s\n", n < 0 ? err() : "end of file");
		goto out;
	}
	buf[n] = '\0';
	printf("RESPONSE %.*s\n", (int)strcspn(buf, "\r\n"), buf);
	rc = mine ? 0 : 1;
out:
	PR_Close(fd ? fd : tcp);
	return rc;
}

static int connect_many(const char *host, const char *port, int count,
			const char *versions)
{
	SSLVersionRange range = { SSL_LIBRARY_VERSION_TLS_1_2, SSL_LIBRARY_VERSION_TLS_1_3 };
	PRNetAddr addr;
	char min[16] = "", *colon;
	int failures = 0;

	if (versions) {
		snprintf(min, sizeof(min), "%s", versions);
		colon = strchr(min, ':');
		if (!colon) {
			fprintf(stderr, "bad version range %s\n", versions);
			return 2;
		}
		*colon = '\0';
		if ((*min && parse_version(min, &range.min) != 0) ||
		    (colon[1] && parse_version(colon + 1, &range.max) != 0)) {
			fprintf(stderr, "bad version range %s\n", versions);
			return 2;
		}
	}
	/* HOST is a numeric address: the tests run with no resolver. */
	if (PR_StringToNetAddr(host, &addr) != PR_SUCCESS) {
		printf("address %s: %s\n", host, err());
		return 1;
	}
	addr.inet.port = PR_htons((PRUint16)atoi(port));
	for (int i = 1; i <= count; i++) {
		printf("CONNECTION %d\n", i);
		failures += connect_once(&addr, host, &range);
	}
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 3 || (strcmp(argv[2], "firefox") != 0 &&
			 (strcmp(argv[2], "connect") != 0 || argc < 6))) {
		fprintf(stderr, "usage: %s DBDIR firefox\n"
				"       %s DBDIR connect HOST PORT COUNT [MIN:MAX]\n",
			argv[0], argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	PK11_SetPasswordFunc(password_cb);
	if (NSS_Init(argv[1]) != SECSuccess) {
		fprintf(stderr, "NSS_Init %s: %s\n", argv[1], err());
		return 1;
	}
	if (NSS_SetDomesticPolicy() != SECSuccess) {
		fprintf(stderr, "NSS_SetDomesticPolicy: %s\n", err());
		return 1;
	}
	if (strcmp(argv[2], "firefox") == 0)
		rc = firefox_select();
	else
		rc = connect_many(argv[3], argv[4], atoi(argv[5]),
				  argc > 6 ? argv[6] : NULL);
	printf("PROMPTS auth=%d sign=%d other=%d\n", prompts_auth, prompts_sign,
	       prompts_other);
	SSL_ClearSessionCache();
	if (NSS_Shutdown() != SECSuccess)
		fprintf(stderr, "NSS_Shutdown: %s\n", err());
	return rc;
}
