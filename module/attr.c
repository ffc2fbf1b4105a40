/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attr.h"

#include <string.h>

#include "log.h"

void
attr_set_flag (struct attr_value *v, bool flag)
{
	v->scratch.flag = flag ? CK_TRUE : CK_FALSE;
	v->ptr = &v->scratch.flag;
	v->len = sizeof v->scratch.flag;
}

void
attr_set_number (struct attr_value *v, CK_ULONG number)
{
	v->scratch.number = number;
	v->ptr = &v->scratch.number;
	v->len = sizeof v->scratch.number;
}

void
attr_set_bytes (struct attr_value *v, const void *ptr, CK_ULONG len)
{
	v->ptr = ptr;
	v->len = len;
}

/* One attribute, by the five cases of v2.40 C_GetAttributeValue. */
static CK_RV
fill_one (attr_getter get, void *object, CK_ATTRIBUTE *attr)
{
	struct attr_value v = { 0 };
	CK_RV rv = get (object, attr->type, &v);

	if (rv != CKR_OK) {
		attr->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return rv;
	}
	if (attr->pValue == NULL) {
		attr->ulValueLen = v.len;
		return CKR_OK;
	}
	if (attr->ulValueLen < v.len) {
		attr->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (v.len > 0)
		memcpy (attr->pValue, v.ptr, v.len);
	attr->ulValueLen = v.len;
	return CKR_OK;
}

CK_RV
attr_fill_template (attr_getter get, void *object, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
	CK_RV result = CKR_OK;

	if (tmpl == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;
	for (CK_ULONG i = 0; i < count; i++) {
		CK_RV rv = fill_one (get, object, &tmpl[i]);
		if (rv == CKR_OK)
			continue;
		LOG ("attribute 0x%lx: rv 0x%lx", tmpl[i].type, rv);
		switch (rv) {
		case CKR_ATTRIBUTE_SENSITIVE:
		case CKR_ATTRIBUTE_TYPE_INVALID:
		case CKR_BUFFER_TOO_SMALL:
			result = rv;   /* the whole template is processed first */
			break;
		default:
			return rv;
		}
	}
	return result;
}

bool
attr_template_matches (attr_getter get, void *object, const CK_ATTRIBUTE *tmpl, CK_ULONG count,
                       CK_RV *rv)
{
	*rv = CKR_OK;
	for (CK_ULONG i = 0; i < count; i++) {
		struct attr_value v = { 0 };
		CK_RV r = get (object, tmpl[i].type, &v);
		if (r != CKR_OK) {
			if (r != CKR_ATTRIBUTE_TYPE_INVALID && r != CKR_ATTRIBUTE_SENSITIVE)
				*rv = r;
			return false;
		}
		if (v.len != tmpl[i].ulValueLen ||
		    (v.len > 0 && (tmpl[i].pValue == NULL || memcmp (v.ptr, tmpl[i].pValue, v.len) != 0)))
			return false;
	}
	return true;
}
