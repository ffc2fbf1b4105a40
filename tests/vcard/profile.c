/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "profile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

const struct credential_spec credential_specs[CREDENTIAL_COUNT] = {
	[CREDENTIAL_AUTH] = { "auth", 0x0017, 0x0018, 3, 4, 4, false },
	[CREDENTIAL_SIGN] = { "sign", 0x001A, 0x001B, 5, 6, 16, true },
};

/* Small text files (PINs, tries, card.conf) are read whole up to this. */
#define SMALL_FILE_MAX 4096

__attribute__((format(printf, 3, 4)))
static void set_error(char *error, size_t error_size, const char *fmt, ...)
{
	va_list ap;

	if (!error || error_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(error, error_size, fmt, ap);
	va_end(ap);
}

static char *path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + 1 + strlen(name) + 1;
	char *path = malloc(len);

	if (path)
		snprintf(path, len, "%s/%s", dir, name);
	return path;
}

/* Returns 1 with the contents in *data (caller frees), 0 when the file does
 * not exist, -1 on any other error or when it exceeds max bytes. */
static int read_whole_file(const char *path, size_t max, uint8_t **data, size_t *size)
{
	int ret = -1;
	int fd;
	struct stat st;
	uint8_t *buf = NULL;
	size_t done = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = errno == ENOENT ? 0 : -1;
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		goto out;
	/* +1 so that an empty file still gets a buffer */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		done += (size_t)n;
	}
	*data = buf;
	*size = done;
	buf = NULL;
	ret = 1;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "000A" -> 0x000A; only 4 uppercase hex digits name an EF. */
static bool parse_fid(const char *name, uint16_t *fid)
{
	unsigned value = 0;

	if (strlen(name) != 4)
		return false;
	for (int i = 0; i < 4; i++) {
		int digit = hex_digit_value(name[i]);

		if (digit < 0)
			return false;
		value = value << 4 | (unsigned)digit;
	}
	*fid = (uint16_t)value;
	return true;
}

static bool fid_is_reserved(uint16_t fid)
{
	if (fid == 0x3F00)
		return true;
	for (int i = 0; i < CREDENTIAL_COUNT; i++)
		if (fid == credential_specs[i].key_fid || fid == credential_specs[i].pin_fid)
			return true;
	return false;
}

static bool load_efs(struct profile *p, char *error, size_t error_size)
{
	bool ok = false;
	char *ef_dir = path_join(p->dir, "ef");
	char *path = NULL;
	DIR *d = NULL;
	struct dirent *entry;

	if (!ef_dir)
		goto out;
	d = opendir(ef_dir);
	if (!d) {
		set_error(error, error_size, "%s: %s", ef_dir, strerror(errno));
		goto out;
	}
	while ((entry = readdir(d)) != NULL) {
		struct profile_ef *ef;
		uint16_t fid;
		int r;

		if (entry->d_name[0] == '.')
			continue;
		if (!parse_fid(entry->d_name, &fid) || fid_is_reserved(fid)) {
			set_error(error, error_size,
				  "%s/%s: not an EF name (4 uppercase hex digits, not a key, PIN or MF id)",
				  ef_dir, entry->d_name);
			goto out;
		}
		if (p->ef_count == PROFILE_MAX_EFS) {
			set_error(error, error_size, "%s: more than %d EFs", ef_dir, PROFILE_MAX_EFS);
			goto out;
		}
		free(path);
		path = path_join(ef_dir, entry->d_name);
		if (!path)
			goto out;
		ef = &p->efs[p->ef_count];
		r = read_whole_file(path, PROFILE_MAX_EF_SIZE, &ef->data, &ef->size);
		if (r != 1) {
			set_error(error, error_size,
				  "%s: unreadable, not a regular file or larger than %d bytes",
				  path, PROFILE_MAX_EF_SIZE);
			goto out;
		}
		ef->fid = fid;
		p->ef_count++;
	}
	ok = true;
out:
	if (d)
		closedir(d);
	free(path);
	free(ef_dir);
	return ok;
}

static bool load_key(struct profile *p, enum credential cred, char *error, size_t error_size)
{
	bool ok = false;
	char name[32];
	char *path;
	FILE *f = NULL;
	EVP_PKEY *pkey = NULL;

	snprintf(name, sizeof(name), "%s.key", credential_specs[cred].name);
	path = path_join(p->dir, name);
	if (!path)
		goto out;
	f = fopen(path, "r");
	if (!f) {
		ok = errno == ENOENT;
		if (!ok)
			set_error(error, error_size, "%s: %s", path, strerror(errno));
		goto out;
	}
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	if (!pkey || !EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_get_bits(pkey) != 2048) {
		set_error(error, error_size, "%s: not an RSA-2048 private key in PEM", path);
		goto out;
	}
	p->keys[cred] = pkey;
	pkey = NULL;
	ok = true;
out:
	EVP_PKEY_free(pkey);
	if (f)
		fclose(f);
	free(path);
	return ok;
}

/* Drops one trailing "\n" (or "\r\n") so that files written by echo work. */
static size_t strip_newline(const uint8_t *text, size_t len)
{
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	return len;
}

static bool load_pin(struct profile *p, enum credential cred, char *error, size_t error_size)
{
	bool ok = false;
	char name[32];
	char *path;
	uint8_t *text = NULL;
	size_t len = 0;
	int r;

	snprintf(name, sizeof(name), "pins/%s", credential_specs[cred].name);
	path = path_join(p->dir, name);
	if (!path)
		goto out;
	r = read_whole_file(path, SMALL_FILE_MAX, &text, &len);
	if (r == 0) {
		ok = true;
		goto out;
	}
	if (r < 0) {
		set_error(error, error_size, "%s: unreadable", path);
		goto out;
	}
	len = strip_newline(text, len);
	if (len == 0 || len > PROFILE_MAX_PIN_LEN) {
		set_error(error, error_size, "%s: PIN must be 1 to %d bytes", path,
			  PROFILE_MAX_PIN_LEN);
		goto out;
	}
	memcpy(p->pins[cred].value, text, len);
	p->pins[cred].len = len;
	p->pins[cred].present = true;
	ok = true;
out:
	if (text)
		OPENSSL_cleanse(text, len);
	free(text);
	free(path);
	return ok;
}

static bool load_tries(struct profile *p, enum credential cred, char *error, size_t error_size)
{
	bool ok = false;
	char name[32];
	char *path;
	uint8_t *text = NULL;
	size_t len = 0;
	unsigned long tries;
	char *end;
	int r;

	p->pins[cred].tries = credential_specs[cred].max_tries;
	snprintf(name, sizeof(name), "state/%s-tries", credential_specs[cred].name);
	path = path_join(p->dir, name);
	if (!path)
		goto out;
	r = read_whole_file(path, SMALL_FILE_MAX, &text, &len);
	if (r == 0) {
		ok = true;
		goto out;
	}
	if (r < 0)
		goto bad;
	text[strip_newline(text, len)] = '\0';
	errno = 0;
	tries = strtoul((char *)text, &end, 10);
	if (errno || end == (char *)text || *end != '\0'
	    || tries > credential_specs[cred].max_tries)
		goto bad;
	p->pins[cred].tries = (unsigned)tries;
	ok = true;
	goto out;
bad:
	set_error(error, error_size, "%s: want a number of tries from 0 to %u", path,
		  credential_specs[cred].max_tries);
out:
	free(text);
	free(path);
	return ok;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

static bool load_card_conf(struct profile *p, char *error, size_t error_size)
{
	bool ok = false;
	char *path = path_join(p->dir, "card.conf");
	uint8_t *text = NULL;
	size_t len = 0;
	char *line, *save = NULL;
	int r;

	p->empty_verify_after_login = EMPTY_VERIFY_63CX;
	if (!path)
		goto out;
	r = read_whole_file(path, SMALL_FILE_MAX, &text, &len);
	if (r <= 0) {
		ok = r == 0;
		if (!ok)
			set_error(error, error_size, "%s: unreadable", path);
		goto out;
	}
	text[len] = '\0';
	for (line = strtok_r((char *)text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq, *key, *value;

		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			set_error(error, error_size, "%s: not key=value: %s", path, line);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		if (strcmp(key, "empty-verify-after-login") != 0) {
			set_error(error, error_size, "%s: unknown key %s", path, key);
			goto out;
		}
		if (strcasecmp(value, "63cx") == 0) {
			p->empty_verify_after_login = EMPTY_VERIFY_63CX;
		} else if (strcmp(value, "9000") == 0) {
			p->empty_verify_after_login = EMPTY_VERIFY_9000;
		} else {
			set_error(error, error_size, "%s: %s must be 63cx or 9000", path, key);
			goto out;
		}
	}
	ok = true;
out:
	free(text);
	free(path);
	return ok;
}

bool profile_load(struct profile *p, const char *dir, char *error, size_t error_size)
{
	bool ok = false;

	memset(p, 0, sizeof(*p));
	set_error(error, error_size, "out of memory");
	p->dir = strdup(dir);
	if (!p->dir)
		goto out;
	if (!load_efs(p, error, error_size) || !load_card_conf(p, error, error_size))
		goto out;
	for (int i = 0; i < CREDENTIAL_COUNT; i++) {
		if (!load_key(p, i, error, error_size) || !load_pin(p, i, error, error_size)
		    || !load_tries(p, i, error, error_size))
			goto out;
	}
	ok = true;
out:
	if (!ok)
		profile_free(p);
	return ok;
}

void profile_free(struct profile *p)
{
	for (size_t i = 0; i < p->ef_count; i++)
		free(p->efs[i].data);
	for (int i = 0; i < CREDENTIAL_COUNT; i++)
		EVP_PKEY_free(p->keys[i]);
	free(p->dir);
	OPENSSL_cleanse(p, sizeof(*p));
}

const struct profile_ef *profile_find_ef(const struct profile *p, uint16_t fid)
{
	for (size_t i = 0; i < p->ef_count; i++)
		if (p->efs[i].fid == fid)
			return &p->efs[i];
	return NULL;
}

/* Tests read these files while the card runs: write a temp file and rename
 * it so that a reader never sees a half-written one. */
static bool write_file_atomic(const char *dir, const char *subdir, const char *name,
			      const void *data, size_t len)
{
	bool ok = false;
	char *parent = path_join(dir, subdir);
	char *path = NULL, *tmp = NULL;
	int fd = -1;
	size_t done = 0;

	if (!parent)
		goto out;
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		goto out;
	path = path_join(parent, name);
	tmp = path ? malloc(strlen(path) + 5) : NULL;
	if (!tmp)
		goto out;
	sprintf(tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out;
	while (done < len) {
		ssize_t n = write(fd, (const uint8_t *)data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		done += (size_t)n;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	ok = rename(tmp, path) == 0;
out:
	if (fd >= 0)
		close(fd);
	if (!ok && tmp)
		unlink(tmp);
	free(tmp);
	free(path);
	free(parent);
	return ok;
}

bool profile_store_tries(const struct profile *p, enum credential cred)
{
	char name[32], text[16];

	snprintf(name, sizeof(name), "%s-tries", credential_specs[cred].name);
	snprintf(text, sizeof(text), "%u\n", p->pins[cred].tries);
	return write_file_atomic(p->dir, "state", name, text, strlen(text));
}

bool profile_store_pin(const struct profile *p, enum credential cred)
{
	return write_file_atomic(p->dir, "pins", credential_specs[cred].name,
				 p->pins[cred].value, p->pins[cred].len);
}

bool credential_pin_shape_ok(enum credential cred, const uint8_t *pin, size_t len)
{
	const struct credential_spec *spec = &credential_specs[cred];

	if (len < spec->pin_min_len || len > spec->pin_max_len)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool digit = pin[i] >= '0' && pin[i] <= '9';
		bool letter = pin[i] >= 'A' && pin[i] <= 'Z';

		if (!digit && !(letter && spec->pin_letters))
			return false;
	}
	return true;
}
