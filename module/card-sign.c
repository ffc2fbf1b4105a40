/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signing with a card's key, every signature checked before it leaves;
 * whether the card signs PSS. */
#include "card-private.h"

#include <openssl/crypto.h>

#include "log.h"
#include "mech.h"
#include "rv.h"
#include "sig-check.h"

CK_RV
card_offers_pss_cardlocked (struct card *card, bool *offered)
{
	enum mech_pss_choice choice = mech_pss_choice ();
	enum jpki_result r;
	CK_RV rv;

	*offered = false;
	if (choice == MECH_PSS_OFF)
		return CKR_OK;
	if (jpki_pss_support (card->conn.jpki) == JPKI_SUPPORT_UNKNOWN) {
		rv = card_begin_cardlocked (card);
		if (rv != CKR_OK)
			return rv;
		r = jpki_ask_pss (card->conn.jpki);
		/* Not asked (the card gone, say): the caller's answer says so, and
		 * the card is asked next time. */
		rv = card_end_cardlocked (card, RV_ASKED_COMMAND, r);
		if (rv != CKR_OK) {
			LOG ("could not ask the card whether it signs PSS: %s", jpki_result_name (r));
			return rv;
		}
	}
	switch (jpki_pss_support (card->conn.jpki)) {
	case JPKI_SUPPORT_LIKELY:
	case JPKI_SUPPORT_YES:
		*offered = true;
		break;
	case JPKI_SUPPORT_UNTOLD:
		/* Listing PSS the card may not have would break logins that work
		 * (NSS keeps choosing it): only when the user asks for it. */
		*offered = choice == MECH_PSS_ON;
		break;
	case JPKI_SUPPORT_UNKNOWN:
	case JPKI_SUPPORT_NO:
		break;
	}
	return CKR_OK;
}

/* The check of the card's answer, with the scheme it was asked for. */
static bool
card_signature_matches (const struct cert_info *cert, bool pss, const uint8_t *card_input,
                        size_t input_len, const uint8_t *sig, size_t sig_len)
{
	if (pss)
		return pss_signature_matches (cert->public_key, card_input, input_len, sig, sig_len);
	return signature_matches (cert->public_key, card_input, input_len, sig, sig_len);
}

/* One signature from the card, checked; *named_dropped when it named its
 * key, did not verify, and the key EF is to be selected instead. */
static CK_RV
sign_checked (struct card *card, enum jpki_key key, bool pss, const struct cert_info *cert,
              const uint8_t *card_input, size_t input_len, uint8_t *sig, size_t *sig_len,
              bool *named_dropped)
{
	enum jpki_scheme scheme = pss ? JPKI_SCHEME_PSS : JPKI_SCHEME_PKCS1;
	enum jpki_result r;
	bool verified;
	CK_RV rv;

	*named_dropped = false;
	rv = card_begin_cardlocked (card);
	if (rv != CKR_OK)
		return rv;
	r = jpki_sign (card->conn.jpki, key, scheme, card_input, input_len, sig, JPKI_RSA_BYTES,
	               sig_len);
	rv = card_end_cardlocked (card, RV_ASKED_COMMAND, r);
	if (r == JPKI_SECURITY_STATUS) {
		LOG ("the card no longer has our PIN verified");
		card_forget_logins_cardlocked (card);
	}
	if (rv != CKR_OK)
		return rv;
	verified = card_signature_matches (cert, pss, card_input, input_len, sig, *sig_len);
	*named_dropped = jpki_note_signature_checked (card->conn.jpki, scheme, verified);
	if (!verified) {
		if (pss)
			LOG ("the card's PSS signature (%zu bytes) does not verify with SHA-256, "
			     "MGF1-SHA-256 and salt %d (a card with another salt length, or a faulty "
			     "one): withheld", *sig_len, MECH_PSS_SALT_LEN);
		else
			LOG ("the card's signature (%zu bytes) does not verify: withheld", *sig_len);
		OPENSSL_cleanse (sig, JPKI_RSA_BYTES);
		return CKR_DEVICE_ERROR;
	}
	return CKR_OK;
}

CK_RV
card_sign_cardlocked (struct card *card, enum jpki_key key, bool pss, const uint8_t *card_input,
                      size_t input_len, uint8_t *sig, size_t *sig_len)
{
	const struct cert_info *cert = NULL;
	bool named_dropped;
	CK_RV rv;

	if (!card->tok[key].logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	/* A key whose certificate is missing cannot be checked: the card's fault. */
	rv = card_certificate_cardlocked (card, key, CARD_CERT_USER, RV_ASKED_COMMAND, &cert);
	if (rv != CKR_OK)
		return rv;
	rv = sign_checked (card, key, pss, cert, card_input, input_len, sig, sig_len, &named_dropped);
	/* A card that ignores the key named in P2 signs with the selected EF:
	 * once more with the key EF selected. */
	if (named_dropped)
		rv = sign_checked (card, key, pss, cert, card_input, input_len, sig, sig_len,
		                   &named_dropped);
	return rv;
}
