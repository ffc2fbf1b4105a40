/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "variant.h"

const bool variant_has_auth_token = true;
const bool variant_has_sign_token = false;
