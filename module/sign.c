/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sign.h"

#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "mech.h"
#include "object.h"
#include "session.h"
#include "slot.h"

static void
sign_end (struct session *s)
{
	struct sign_state *st = session_sign_state (s);

	sign_op_clear (&st->op);
	st->active = false;
	st->multipart = false;
}

CK_RV
sign_init (CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	const struct mech_row *mech;
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	if (mechanism == NULL)
		return CKR_ARGUMENTS_BAD;
	if (session_sign_state (s)->active)
		return CKR_OPERATION_ACTIVE;
	/* Only a PSS mechanism makes the card say whether it has PSS. */
	mech = mech_find (mechanism->mechanism, true);
	if (mech != NULL && mech->padding == MECH_PSS) {
		bool offered;

		rv = card_offers_pss_cardlocked (card, &offered);
		if (rv != CKR_OK)
			return rv;
		if (!offered)
			mech = NULL;
	}
	if (mech == NULL) {
		LOG ("mechanism 0x%lx not supported", mechanism->mechanism);
		return CKR_MECHANISM_INVALID;
	}
	rv = mech_check_params (mech, mechanism->pParameter, mechanism->ulParameterLen);
	if (rv != CKR_OK)
		return rv;
	rv = object_check_signing_key (s, card, key);
	if (rv != CKR_OK)
		return rv;
	rv = sign_op_init (&session_sign_state (s)->op, mech);
	if (rv != CKR_OK)
		return rv;
	session_sign_state (s)->active = true;
	session_sign_state (s)->key = key;
	return CKR_OK;
}

/* Length query, buffer check, then the card: the first two leave the
 * operation active, as v2.40 section 5.2 says. */
static CK_RV
sign_finish (struct session *s, struct card *card, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	struct sign_op *op = &session_sign_state (s)->op;
	uint8_t input[JPKI_RSA_BYTES], out[JPKI_RSA_BYTES];
	size_t input_len = 0, out_len = 0;
	CK_RV rv;

	if (sig == NULL) {
		*sig_len = JPKI_RSA_BYTES;
		return CKR_OK;
	}
	if (*sig_len < JPKI_RSA_BYTES) {
		*sig_len = JPKI_RSA_BYTES;
		return CKR_BUFFER_TOO_SMALL;
	}
	rv = sign_op_card_input (op, input, &input_len);
	if (rv == CKR_OK)
		rv = card_sign_cardlocked (card, slot_key (session_slot (s)), op->mech->padding == MECH_PSS,
		                           input, input_len, out, &out_len);
	if (rv == CKR_OK) {
		memcpy (sig, out, out_len);
		*sig_len = out_len;
	}
	OPENSSL_cleanse (input, sizeof input);
	sign_end (s);
	return rv;
}

static CK_RV
signing_session (CK_SESSION_HANDLE handle, struct session **s, struct card **card)
{
	CK_RV rv = session_get (handle, s, card);

	if (rv != CKR_OK)
		return rv;
	if (!session_sign_state (*s)->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (!card_logged_in_cardlocked (*card, slot_key (session_slot (*s)))) {
		sign_end (*s);
		return CKR_USER_NOT_LOGGED_IN;
	}
	return CKR_OK;
}

CK_RV
sign_single (CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR sig,
             CK_ULONG_PTR sig_len)
{
	struct session *s;
	struct card *card;
	CK_RV rv = signing_session (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	if ((data == NULL && data_len > 0) || sig_len == NULL) {
		sign_end (s);
		return CKR_ARGUMENTS_BAD;
	}
	if (session_sign_state (s)->multipart)
		return CKR_OPERATION_ACTIVE;
	/* The data goes in once, even when the caller asks for the length first. */
	if (sig != NULL && *sig_len >= JPKI_RSA_BYTES) {
		rv = sign_op_update (&session_sign_state (s)->op, data, data_len);
		if (rv != CKR_OK) {
			sign_end (s);
			return rv;
		}
	}
	return sign_finish (s, card, sig, sig_len);
}

CK_RV
sign_update (CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG data_len)
{
	struct session *s;
	struct card *card;
	CK_RV rv = signing_session (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	if (data == NULL && data_len > 0) {
		sign_end (s);
		return CKR_ARGUMENTS_BAD;
	}
	session_sign_state (s)->multipart = true;
	rv = sign_op_update (&session_sign_state (s)->op, data, data_len);
	if (rv != CKR_OK)
		sign_end (s);
	return rv;
}

CK_RV
sign_final (CK_SESSION_HANDLE handle, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	struct session *s;
	struct card *card;
	CK_RV rv = signing_session (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	if (sig_len == NULL) {
		sign_end (s);
		return CKR_ARGUMENTS_BAD;
	}
	return sign_finish (s, card, sig, sig_len);
}
