/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz-transport.h"

#include <string.h>

#define INS_VERIFY 0x20
#define INS_CHANGE_REFERENCE_DATA 0x24

/* VERIFY with data (not the empty one that asks for the tries left) and
 * CHANGE REFERENCE DATA are the commands that can use up a try. */
static void
count_pin_commands (struct fuzz_input *in, const uint8_t *cmd, size_t cmd_len)
{
	if (cmd_len < 4)
		return;
	if (cmd[1] == INS_VERIFY && cmd_len > 4)
		in->verifies_with_pin++;
	if (cmd[1] == INS_CHANGE_REFERENCE_DATA)
		in->pin_changes++;
}

static enum jpki_transport_result
fuzz_transmit (void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len)
{
	struct fuzz_input *in = ctx;
	size_t n;

	count_pin_commands (in, cmd, cmd_len);
	if (in->len - in->pos < 2) {
		in->pos = in->len;
		return JPKI_TRANSPORT_REMOVED;
	}
	n = (size_t) in->data[in->pos] << 8 | in->data[in->pos + 1];
	in->pos += 2;
	switch (n) {
	case FUZZ_REMOVED: return JPKI_TRANSPORT_REMOVED;
	case FUZZ_RESET: return JPKI_TRANSPORT_RESET;
	case FUZZ_FAILED: return JPKI_TRANSPORT_FAILED;
	default: break;
	}
	if (n > in->len - in->pos)
		n = in->len - in->pos;
	/* A PC/SC reader never writes past the buffer it is given. */
	if (n > *resp_len)
		n = *resp_len;
	memcpy (resp, in->data + in->pos, n);
	in->pos += n;
	*resp_len = n;
	return JPKI_TRANSPORT_OK;
}

struct jpki_transport
fuzz_transport (struct fuzz_input *input)
{
	struct jpki_transport t = { fuzz_transmit, input };

	return t;
}

size_t
fuzz_frame_answer (uint8_t *out, size_t out_len, size_t cap, const uint8_t *resp, size_t resp_len)
{
	if (resp_len >= FUZZ_FAILED || cap - out_len < 2 + resp_len)
		return 0;
	out[out_len] = (uint8_t) (resp_len >> 8);
	out[out_len + 1] = (uint8_t) resp_len;
	memcpy (out + out_len + 2, resp, resp_len);
	return out_len + 2 + resp_len;
}
