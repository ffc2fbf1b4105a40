/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "rv.h"
#include "log.h"

CK_RV
rv_from_jpki (enum jpki_result r)
{
	switch (r) {
	case JPKI_OK: return CKR_OK;
	case JPKI_PIN_INCORRECT: return CKR_PIN_INCORRECT;
	case JPKI_PIN_BLOCKED: return CKR_PIN_LOCKED;
	case JPKI_PIN_REJECTED: return CKR_PIN_INVALID;
	case JPKI_SECURITY_STATUS: return CKR_USER_NOT_LOGGED_IN;
	case JPKI_BAD_INPUT: return CKR_DATA_LEN_RANGE;
	case JPKI_CARD_REMOVED: return CKR_DEVICE_REMOVED;
	case JPKI_NO_MEMORY: return CKR_HOST_MEMORY;
	/* The card refused the signature's scheme (PSS on a card without it):
	 * C_Sign may not answer CKR_MECHANISM_INVALID, the next C_SignInit does. */
	case JPKI_NOT_SUPPORTED: return CKR_FUNCTION_FAILED;
	case JPKI_NOT_JPKI:
	case JPKI_NOT_FOUND:
	case JPKI_BAD_RESPONSE:
	case JPKI_CARD_RESET:
	case JPKI_TRANSPORT_ERROR:
		break;
	}
	LOG ("card result %s -> CKR_DEVICE_ERROR", jpki_result_name (r));
	return CKR_DEVICE_ERROR;
}

/* An object's file that the card lacks, gives only after the PIN, or
 * gave broken: that object is not there, the token goes on. */
static bool
object_missing (enum jpki_result r)
{
	return r == JPKI_NOT_FOUND || r == JPKI_SECURITY_STATUS || r == JPKI_BAD_RESPONSE;
}

CK_RV
rv_from_jpki_asked (enum rv_asked asked, enum jpki_result r)
{
	switch (asked) {
	case RV_ASKED_COMMAND:
		break;
	case RV_ASKED_BIND:
		if (r == JPKI_NOT_JPKI)
			return CKR_OK;
		break;
	case RV_ASKED_PIN:
		if (r == JPKI_NOT_FOUND)
			return CKR_USER_PIN_NOT_INITIALIZED;
		break;
	case RV_ASKED_OBJECT:
		if (object_missing (r))
			return CKR_OBJECT_HANDLE_INVALID;
		break;
	case RV_ASKED_KEY:
		if (object_missing (r))
			return CKR_KEY_HANDLE_INVALID;
		break;
	}
	return rv_from_jpki (r);
}

CK_RV
rv_from_pcsc (enum pcsc_result r)
{
	switch (r) {
	case PCSC_OK: return CKR_OK;
	case PCSC_NO_CARD:
	case PCSC_NO_SERVICE:
	case PCSC_NO_READERS:
	case PCSC_CARD_REMOVED: return CKR_DEVICE_REMOVED;
	case PCSC_NO_MEMORY: return CKR_HOST_MEMORY;
	case PCSC_TIMEOUT:
	case PCSC_CANCELLED:
	case PCSC_CARD_RESET:
	case PCSC_SHARING:
	case PCSC_ERROR:
		break;
	}
	LOG ("transport result %d -> CKR_DEVICE_ERROR", (int) r);
	return CKR_DEVICE_ERROR;
}

/* A session outlives no token: its card gone, the device was removed. */
CK_RV
rv_for_session (CK_RV slot_rv)
{
	return slot_rv == CKR_TOKEN_NOT_PRESENT ? CKR_DEVICE_REMOVED : slot_rv;
}
