/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a fuzz target over the files given, or the files in the
 * directories given, without libFuzzer: the seed corpus and the inputs
 * of past findings become a plain test, in every build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
run_file (const char *path)
{
	FILE *f = fopen (path, "rb");
	uint8_t *data = NULL;
	long size;
	int ok = 0;

	if (f == NULL || fseek (f, 0, SEEK_END) != 0 || (size = ftell (f)) < 0 ||
	    fseek (f, 0, SEEK_SET) != 0)
		goto out;
	data = malloc ((size_t) size + 1);
	if (data == NULL || fread (data, 1, (size_t) size, f) != (size_t) size)
		goto out;
	LLVMFuzzerTestOneInput (data, (size_t) size);
	ok = 1;
out:
	if (!ok)
		fprintf (stderr, "cannot read %s\n", path);
	free (data);
	if (f != NULL)
		fclose (f);
	return ok;
}

/* Returns the number of inputs run, or -1 on an unreadable one. */
static int
run_path (const char *path)
{
	struct dirent *e;
	struct stat st;
	char child[4096];
	int n = 0;
	DIR *d;

	if (stat (path, &st) != 0 || !S_ISDIR (st.st_mode))
		return run_file (path) ? 1 : -1;
	d = opendir (path);
	if (d == NULL)
		return -1;
	while ((e = readdir (d)) != NULL && n >= 0) {
		if (e->d_name[0] == '.')
			continue;
		snprintf (child, sizeof child, "%s/%s", path, e->d_name);
		n = run_file (child) ? n + 1 : -1;
	}
	closedir (d);
	return n;
}

int
main (int argc, char **argv)
{
	int i, n, total = 0;

	for (i = 1; i < argc; i++) {
		n = run_path (argv[i]);
		if (n < 0)
			return 1;
		total += n;
	}
	printf ("%d inputs run\n", total);
	/* An empty corpus would make this test pass without testing. */
	return total > 0 ? 0 : 1;
}
