/*
 * test_fuzz_regress.c: replays through the fuzz harnesses (tests/fuzz/) their seed
 * corpora (tests/fuzz/corpus/<harness>/) and every input that once broke one
 * (tests/data/fuzz-regress/<harness>/): a crash, a sanitizer report or a broken
 * invariant (an abort) fails the test. The harnesses are compiled in here with
 * FUZZ_NO_MAIN, by the ordinary compiler, so this runs in every build, sanitized
 * or not, without clang or libFuzzer.
 */
#define FUZZ_NO_MAIN
#include "../fuzz/fuzz_stream.c"
#include "../fuzz/fuzz_model.c"
#include "../fuzz/fuzz_audio.c"

#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "t.h"

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* replay: every file of dir through fn, in name order; returns how many. */
static int
replay(const char *dir, const char *name, int (*fn)(const uint8_t *, size_t))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[4096], what[4200];
	int n = 0, i, rc;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
			continue;
		names = realloc(names, (size_t)(n + 1) * sizeof *names);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmpstr);
	for (i = 0; i < n; i++) {
		FILE *f;
		unsigned char *buf = NULL;
		size_t len = 0, cap = 0, got;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		snprintf(what, sizeof what, "%s: %s", name, names[i]);
		if ((f = fopen(path, "rb")) == NULL) {
			printf("FAIL: %s: %s\n", what, strerror(errno));
			t_failed++;
			continue;
		}
		do {
			if (len == cap)
				buf = realloc(buf, cap = cap ? 2 * cap : 65536);
			got = fread(buf + len, 1, cap - len, f);
			len += got;
		} while (got > 0);
		fclose(f);
		/* libFuzzer hands over a copy of exactly len bytes, and NULL for none:
		 * so does this, so that ASan sees a read past the end */
		{
			uint8_t *copy = len ? malloc(len) : NULL;
			if (len)
				memcpy(copy, buf, len);
			fflush(stdout);
			rc = fn(copy, len);
			free(copy);
		}
		/* a harness returns 0 (libFuzzer's rule); a crash ends the test here */
		T_OK(what, rc == 0);
		free(buf);
		free(names[i]);
	}
	free(names);
	return n;
}

int
main(void)
{
	static const struct {
		const char *name;
		int (*fn)(const uint8_t *, size_t);
	} h[] = { { "stream", fuzz_stream }, { "model", fuzz_model }, { "audio", fuzz_audio } };
	const char *root = getenv("ROOT");
	char dir[4096], name[64];
	size_t i;

	fuzz_init();
	if (root == NULL)
		root = ".";
	for (i = 0; i < sizeof h / sizeof h[0]; i++) {
		int n;
		snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", root, h[i].name);
		snprintf(name, sizeof name, "seed %s", h[i].name);
		n = replay(dir, name, h[i].fn);
		snprintf(name, sizeof name, "%s: seeds found", h[i].name);
		T_OK(name, n > 0);
		snprintf(dir, sizeof dir, "%s/tests/data/fuzz-regress/%s", root, h[i].name);
		snprintf(name, sizeof name, "regress %s", h[i].name);
		n = replay(dir, name, h[i].fn);
		/* every harness has found something once: an empty or missing
		 * directory would replay nothing and pass */
		snprintf(name, sizeof name, "%s: regress cases found", h[i].name);
		T_OK(name, n > 0);
	}
	return t_done();
}
