/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one place where C_GetAttributeValue's rules and template matching
 * are applied.  Getters only produce bytes. */
#ifndef JPKI_ATTR_H
#define JPKI_ATTR_H

#include <stdbool.h>
#include <stdint.h>
#include <p11-kit/pkcs11.h>

struct attr_value {
	const void *ptr;
	CK_ULONG len;
	/* Room for small values made on the fly. */
	union {
		CK_BBOOL flag;
		CK_ULONG number;
		CK_DATE date;
		CK_MECHANISM_TYPE mechanisms[8];
		uint8_t bytes[64];
	} scratch;
};

/* CKR_OK with *value set, CKR_ATTRIBUTE_TYPE_INVALID or
 * CKR_ATTRIBUTE_SENSITIVE; any other code is a failure to produce it. */
typedef CK_RV (*attr_getter) (void *object, CK_ATTRIBUTE_TYPE type, struct attr_value *value);

void attr_set_flag (struct attr_value *v, bool flag);
void attr_set_number (struct attr_value *v, CK_ULONG number);
void attr_set_bytes (struct attr_value *v, const void *ptr, CK_ULONG len);

/* C_GetAttributeValue over a whole template. */
CK_RV attr_fill_template (attr_getter get, void *object, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);

/* True when every attribute of tmpl has the object's value.
 * *rv is set when a getter fails for another reason than type/sensitivity. */
bool attr_template_matches (attr_getter get, void *object, const CK_ATTRIBUTE *tmpl,
                            CK_ULONG count, CK_RV *rv);

#endif
