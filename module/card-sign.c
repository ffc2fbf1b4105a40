/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signing with a card's key, every signature checked before it leaves. */
#include "card-private.h"

#include <openssl/crypto.h>

#include "log.h"
#include "mech.h"
#include "rv.h"


CK_RV
card_sign_cardlocked (struct card *card, enum jpki_key key, const uint8_t *card_input,
                      size_t input_len, uint8_t *sig, size_t *sig_len)
{
	const struct cert_info *cert = NULL;
	enum jpki_result r;
	CK_RV rv;

	if (!card->tok[key].logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	/* A key whose certificate is missing cannot be checked: the card's fault. */
	rv = card_certificate_cardlocked (card, key, CARD_CERT_USER, RV_ASKED_COMMAND, &cert);
	if (rv != CKR_OK)
		return rv;
	rv = card_begin_cardlocked (card);
	if (rv != CKR_OK)
		return rv;
	r = jpki_sign (card->conn.jpki, key, card_input, input_len, sig, JPKI_RSA_BYTES, sig_len);
	rv = card_end_cardlocked (card, RV_ASKED_COMMAND, r);
	if (r == JPKI_SECURITY_STATUS) {
		LOG ("the card no longer has our PIN verified");
		card_forget_logins_cardlocked (card);
	}
	if (rv != CKR_OK)
		return rv;
	if (!signature_matches (cert->public_key, card_input, input_len, sig, *sig_len)) {
		LOG ("the card's signature (%zu bytes) does not verify: withheld", *sig_len);
		OPENSSL_cleanse (sig, JPKI_RSA_BYTES);
		return CKR_DEVICE_ERROR;
	}
	return CKR_OK;
}

