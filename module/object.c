/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "object.h"

#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "log.h"
#include "slot.h"
#include "util.h"

enum object_kind { OBJECT_CERT, OBJECT_CA_CERT, OBJECT_PUBLIC_KEY, OBJECT_PRIVATE_KEY };

struct object_row {
	enum object_kind kind;
	CK_OBJECT_CLASS class;
	enum card_cert cert;          /* where the values come from */
	const char *label[2];         /* per token: auth, sign */
	uint8_t id[2];                /* CKA_ID per token */
};

static const struct object_row rows[] = {
	{ OBJECT_CERT, CKO_CERTIFICATE, CARD_CERT_USER,
	  { "JPKI User Authentication Certificate", "JPKI Digital Signature Certificate" },
	  { 0x01, 0x02 } },
	{ OBJECT_CA_CERT, CKO_CERTIFICATE, CARD_CERT_CA,
	  { "JPKI User Authentication CA", "JPKI Digital Signature CA" },
	  { 0x81, 0x82 } },
	{ OBJECT_PUBLIC_KEY, CKO_PUBLIC_KEY, CARD_CERT_USER,
	  { "JPKI User Authentication Key", "JPKI Digital Signature Key" },
	  { 0x01, 0x02 } },
	{ OBJECT_PRIVATE_KEY, CKO_PRIVATE_KEY, CARD_CERT_USER,
	  { "JPKI User Authentication Key", "JPKI Digital Signature Key" },
	  { 0x01, 0x02 } },
};

/* The token guards its certificate (and so its public key) as the card
 * does: the signature token always, a phone's authentication token too. */
static bool
object_private (const struct card *card, enum jpki_key key, const struct object_row *row)
{
	switch (row->kind) {
	case OBJECT_PRIVATE_KEY: return true;
	case OBJECT_CA_CERT: return false;
	default: return card_cert_needs_login (card, key);
	}
}
#define ROWS_PER_SLOT N_ELEMENTS (rows)

struct object_ref {
	const struct object_row *row;
	struct card *card;
	enum jpki_key key;
	const struct cert_info *cert;
	bool private;
};

/* Low 16 bits: slot and row.  Private objects add the token's login
 * epoch above them, so that their handles die at logout as v2.40 says
 * (C_Logout), even if the user logs in again. */
#define HANDLE_BASE_BITS 16

static CK_OBJECT_HANDLE
object_handle (CK_SLOT_ID slot, struct card *card, size_t row)
{
	enum jpki_key key = slot_key (slot);
	CK_OBJECT_HANDLE epoch = 0;

	if (object_private (card, key, &rows[row]))
		epoch = card_login_epoch_cardlocked (card, key) % 0xFFFF + 1;
	return (epoch << HANDLE_BASE_BITS) | (slot * ROWS_PER_SLOT + row + 1);
}

/* The object when it is visible now: private ones only after login, and
 * only those whose certificate the card has. */
static CK_RV
object_ref_get (CK_SLOT_ID slot, struct card *card, size_t row, enum rv_asked asked,
                struct object_ref *ref)
{
	enum jpki_key key = slot_key (slot);

	ref->row = &rows[row];
	ref->card = card;
	ref->key = key;
	ref->private = object_private (card, key, ref->row);
	if (ref->private && !card_logged_in_cardlocked (card, key))
		return CKR_OBJECT_HANDLE_INVALID;
	return card_certificate_cardlocked (card, key, ref->row->cert, asked, &ref->cert);
}

/* The row a handle names in the session's slot, or -1. */
static int
object_row_of (struct session *s, struct card *card, CK_OBJECT_HANDLE handle)
{
	CK_OBJECT_HANDLE base = handle & ((1UL << HANDLE_BASE_BITS) - 1);
	size_t row;

	if (base == 0 || (base - 1) / ROWS_PER_SLOT != session_slot (s))
		return -1;
	row = (base - 1) % ROWS_PER_SLOT;
	if (object_handle (session_slot (s), card, row) != handle)
		return -1;
	return (int) row;
}

static CK_RV
object_ref_from_handle (struct session *s, struct card *card, CK_OBJECT_HANDLE handle,
                        struct object_ref *ref)
{
	int row = object_row_of (s, card, handle);

	if (row < 0)
		return CKR_OBJECT_HANDLE_INVALID;
	return object_ref_get (session_slot (s), card, (size_t) row, RV_ASKED_OBJECT, ref);
}

static void
set_date (struct attr_value *v, const char yyyymmdd[8])
{
	memcpy (&v->scratch.date, yyyymmdd, sizeof v->scratch.date);
	attr_set_bytes (v, &v->scratch.date, sizeof v->scratch.date);
}

static CK_RV
get_common (const struct object_ref *o, CK_ATTRIBUTE_TYPE type, struct attr_value *v)
{
	switch (type) {
	case CKA_CLASS: attr_set_number (v, o->row->class); return CKR_OK;
	case CKA_TOKEN: attr_set_flag (v, true); return CKR_OK;
	case CKA_PRIVATE: attr_set_flag (v, o->private); return CKR_OK;
	case CKA_MODIFIABLE:
	case CKA_COPYABLE:
	case CKA_DESTROYABLE: attr_set_flag (v, false); return CKR_OK;
	case CKA_LABEL:
		attr_set_bytes (v, o->row->label[o->key], strlen (o->row->label[o->key]));
		return CKR_OK;
	case CKA_ID: attr_set_bytes (v, &o->row->id[o->key], 1); return CKR_OK;
	default: return CKR_ATTRIBUTE_TYPE_INVALID;
	}
}

static CK_RV
get_certificate (const struct object_ref *o, CK_ATTRIBUTE_TYPE type, struct attr_value *v)
{
	const struct cert_info *c = o->cert;
	switch (type) {
	case CKA_CERTIFICATE_TYPE: attr_set_number (v, CKC_X_509); break;
	case CKA_TRUSTED: attr_set_flag (v, false); break;
	case CKA_CERTIFICATE_CATEGORY:
		attr_set_number (v, o->row->kind == OBJECT_CA_CERT ? 2 : 1);
		break;
	case CKA_CHECK_VALUE:
		if (!cert_fingerprint (c, "SHA1", v->scratch.bytes, 3))
			return CKR_HOST_MEMORY;
		attr_set_bytes (v, v->scratch.bytes, 3);
		break;
	case CKA_START_DATE: set_date (v, c->not_before); break;
	case CKA_END_DATE: set_date (v, c->not_after); break;
	case CKA_SUBJECT: attr_set_bytes (v, c->subject.data, c->subject.len); break;
	case CKA_ISSUER: attr_set_bytes (v, c->issuer.data, c->issuer.len); break;
	case CKA_SERIAL_NUMBER: attr_set_bytes (v, c->serial.data, c->serial.len); break;
	case CKA_VALUE: attr_set_bytes (v, c->der.data, c->der.len); break;
	case CKA_PUBLIC_KEY_INFO: attr_set_bytes (v, c->spki.data, c->spki.len); break;
	case CKA_URL:
	case CKA_HASH_OF_SUBJECT_PUBLIC_KEY:
	case CKA_HASH_OF_ISSUER_PUBLIC_KEY: attr_set_bytes (v, NULL, 0); break;
	case CKA_JAVA_MIDP_SECURITY_DOMAIN: attr_set_number (v, 0); break;
	default: return get_common (o, type, v);
	}
	return CKR_OK;
}

static CK_RV
get_key (const struct object_ref *o, CK_ATTRIBUTE_TYPE type, struct attr_value *v)
{
	const struct cert_info *c = o->cert;
	bool private = o->row->kind == OBJECT_PRIVATE_KEY;

	switch (type) {
	case CKA_KEY_TYPE: attr_set_number (v, CKK_RSA); break;
	case CKA_SUBJECT: attr_set_bytes (v, c->subject.data, c->subject.len); break;
	case CKA_START_DATE:
	case CKA_END_DATE: attr_set_bytes (v, NULL, 0); break;
	case CKA_DERIVE:
	case CKA_LOCAL:
	case CKA_ENCRYPT:
	case CKA_DECRYPT:
	case CKA_WRAP:
	case CKA_UNWRAP:
	case CKA_SIGN_RECOVER:
	case CKA_VERIFY_RECOVER:
	case CKA_TRUSTED:
	case CKA_EXTRACTABLE:
	case CKA_WRAP_WITH_TRUSTED:
	case CKA_ALWAYS_AUTHENTICATE: attr_set_flag (v, false); break;
	case CKA_SIGN: attr_set_flag (v, private); break;
	case CKA_VERIFY: attr_set_flag (v, !private); break;
	case CKA_SENSITIVE:
	case CKA_ALWAYS_SENSITIVE:
	case CKA_NEVER_EXTRACTABLE:
		if (!private)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		attr_set_flag (v, true);
		break;
	case CKA_KEY_GEN_MECHANISM: attr_set_number (v, CK_UNAVAILABLE_INFORMATION); break;
	case CKA_MODULUS: attr_set_bytes (v, c->modulus.data, c->modulus.len); break;
	case CKA_MODULUS_BITS: attr_set_number (v, c->modulus_bits); break;
	case CKA_PUBLIC_EXPONENT: attr_set_bytes (v, c->exponent.data, c->exponent.len); break;
	case CKA_PUBLIC_KEY_INFO: attr_set_bytes (v, c->spki.data, c->spki.len); break;
	case CKA_ALLOWED_MECHANISMS: {
		CK_ULONG n = N_ELEMENTS (v->scratch.mechanisms);
		bool pss;
		CK_RV rv = card_offers_pss_cardlocked (o->card, &pss);

		if (rv != CKR_OK)
			return rv;
		if (mech_list (v->scratch.mechanisms, &n, pss) != CKR_OK)
			return CKR_GENERAL_ERROR;
		attr_set_bytes (v, v->scratch.mechanisms, n * sizeof (CK_MECHANISM_TYPE));
		break;
	}
	case CKA_PRIVATE_EXPONENT:
	case CKA_PRIME_1:
	case CKA_PRIME_2:
	case CKA_EXPONENT_1:
	case CKA_EXPONENT_2:
	case CKA_COEFFICIENT:
	case CKA_VALUE:
		return private ? CKR_ATTRIBUTE_SENSITIVE : CKR_ATTRIBUTE_TYPE_INVALID;
	default: return get_common (o, type, v);
	}
	return CKR_OK;
}

static CK_RV
object_attribute (void *object, CK_ATTRIBUTE_TYPE type, struct attr_value *v)
{
	const struct object_ref *o = object;

	if (o->row->class == CKO_CERTIFICATE)
		return get_certificate (o, type, v);
	return get_key (o, type, v);
}

/* Attributes known without the certificate (get_common answers them). */
static bool
known_without_card (CK_ATTRIBUTE_TYPE type)
{
	switch (type) {
	case CKA_CLASS: case CKA_TOKEN: case CKA_PRIVATE: case CKA_MODIFIABLE:
	case CKA_COPYABLE: case CKA_DESTROYABLE: case CKA_LABEL: case CKA_ID:
		return true;
	default:
		return false;
	}
}

/* Whether the template's attributes that need no card data let the
 * object match: a search for a key by class, id or label reads no
 * certificate it does not want. */
static bool
may_match_without_card (CK_SLOT_ID slot, struct card *card, size_t row, const CK_ATTRIBUTE *tmpl,
                        CK_ULONG count)
{
	struct object_ref ref = { &rows[row], card, slot_key (slot), NULL,
	                          object_private (card, slot_key (slot), &rows[row]) };
	CK_RV rv = CKR_OK;

	for (CK_ULONG i = 0; i < count; i++)
		if (known_without_card (tmpl[i].type) &&
		    !attr_template_matches (object_attribute, &ref, &tmpl[i], 1, &rv))
			return false;
	return true;
}

CK_RV
object_find_init (CK_SESSION_HANDLE handle, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
	struct find_state *f;
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	f = session_find_state (s);
	if (tmpl == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;
	if (f->active)
		return CKR_OPERATION_ACTIVE;
	f->count = f->next = 0;
	for (size_t row = 0; row < ROWS_PER_SLOT; row++) {
		struct object_ref ref;
		if (!may_match_without_card (session_slot (s), card, row, tmpl, count))
			continue;
		rv = object_ref_get (session_slot (s), card, row, RV_ASKED_OBJECT, &ref);
		if (rv == CKR_OBJECT_HANDLE_INVALID)
			continue;
		if (rv != CKR_OK)
			return rv;
		if (attr_template_matches (object_attribute, &ref, tmpl, count, &rv))
			f->found[f->count++] = object_handle (session_slot (s), card, row);
		if (rv != CKR_OK)
			return rv;
	}
	f->active = true;
	return CKR_OK;
}

CK_RV
object_find (CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count)
{
	struct find_state *f;
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	if (out == NULL || count == NULL)
		return CKR_ARGUMENTS_BAD;
	f = session_find_state (s);
	if (!f->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	*count = 0;
	while (*count < max && f->next < f->count)
		out[(*count)++] = f->found[f->next++];
	return CKR_OK;
}

CK_RV
object_find_final (CK_SESSION_HANDLE handle)
{
	struct find_state *f;
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	f = session_find_state (s);
	if (!f->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	f->active = false;
	return CKR_OK;
}

/* The visible object a session's handle names. */
static CK_RV
session_object (CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object, struct object_ref *ref)
{
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	return object_ref_from_handle (s, card, object, ref);
}

CK_RV
object_get_attributes (CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR tmpl,
                       CK_ULONG count)
{
	struct object_ref ref;
	CK_RV rv = session_object (handle, object, &ref);

	if (rv != CKR_OK)
		return rv;
	return attr_fill_template (object_attribute, &ref, tmpl, count);
}

CK_RV
object_get_size (CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object, CK_ULONG_PTR size)
{
	struct object_ref ref;
	CK_RV rv = session_object (handle, object, &ref);

	if (rv != CKR_OK)
		return rv;
	if (size == NULL)
		return CKR_ARGUMENTS_BAD;
	*size = CK_UNAVAILABLE_INFORMATION;
	return CKR_OK;
}

CK_RV
object_check_signing_key (struct session *s, struct card *card, CK_OBJECT_HANDLE key)
{
	int row = object_row_of (s, card, key);
	struct object_ref ref;

	if (row < 0)
		return CKR_KEY_HANDLE_INVALID;
	switch (rows[row].kind) {
	case OBJECT_PRIVATE_KEY: break;
	case OBJECT_PUBLIC_KEY: return CKR_KEY_FUNCTION_NOT_PERMITTED;
	default: return CKR_KEY_HANDLE_INVALID;
	}
	if (!card_logged_in_cardlocked (card, slot_key (session_slot (s))))
		return CKR_USER_NOT_LOGGED_IN;
	return object_ref_get (session_slot (s), card, (size_t) row, RV_ASKED_KEY, &ref);
}
