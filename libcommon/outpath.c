/*
 * outpath.c: output patterns, registered temporary files, output sets renamed
 * into place when complete, and file identity (outpath.h). Calls only util.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "outpath.h"

#define DC_STR_(x) #x
#define DC_STR(x) DC_STR_(x)     /* NAME_MAX as "255" */

/* ---------------------------------------------------------------- patterns */

int
dc_out_pattern(const char *pat, const char *convs, int *seen)
{
	const char *s, *c;

	*seen = 0;
	for (s = pat; *s; s++) {
		if (*s != '%')
			continue;
		if (*++s == '%')
			continue;
		if (*s == '\0' || (c = strchr(convs, *s)) == NULL)
			return (unsigned char)*s;
		*seen |= 1 << (c - convs);
	}
	return -1;
}

const char *
dc_out_idbad(const char *id)
{
	const char *s;

	if (*id == '\0')
		return "empty";
	if (strcmp(id, "-") == 0)
		return "'-' is not a file name";
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return "names a directory, not a file in it";
	for (s = id; *s; s++) {
		if (*s == '/')
			return "holds a '/'";
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return "holds a control character";
	}
	if (s - id > NAME_MAX)
		return "longer than " DC_STR(NAME_MAX) " bytes";
	return NULL;
}

char *
dc_out_expand(const char *pat, const char *id, int k, const char *r, const char **why)
{
	size_t cap = 1, n = 0, name = 0;
	char num[16], *out;
	const char *s, *ins;

	snprintf(num, sizeof num, "%d", k);
	for (s = pat; *s; s++, cap++)
		if (*s == '%' && s[1] == 'u')
			cap += id ? strlen(id) : 0;
		else if (*s == '%' && s[1] == 'r')
			cap += r ? strlen(r) : 0;
		else if (*s == '%' && s[1] == 'k')
			cap += sizeof num;
	*why = NULL;
	if (id && strstr(pat, "%u") && (*why = dc_out_idbad(id)) != NULL)
		return NULL;
	out = dc_xmalloc(cap);
	for (s = pat; *s; s++) {
		if (*s != '%' || s[1] == '\0') {
			out[n++] = *s;
			continue;
		}
		s++;
		ins = *s == 'k' ? num : *s == 'u' ? id : *s == 'r' ? r : NULL;
		if (ins == NULL)
			out[n++] = *s;
		else
			for (; *ins; ins++)
				out[n++] = *ins;
	}
	out[n] = '\0';
	/* each name of the path within NAME_MAX, the whole within PATH_MAX */
	for (s = out; *s; s++)
		name = *s == '/' ? 0 : name + 1;
	if (n >= PATH_MAX)
		*why = "the file's path would be longer than " DC_STR(PATH_MAX) " bytes";
	for (s = out, name = 0; *why == NULL && *s; s++)
		if ((name = *s == '/' ? 0 : name + 1) > NAME_MAX)
			*why = "the file name would be longer than " DC_STR(NAME_MAX) " bytes";
	if (*why) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---------------------------------------------------------------- temporaries */

/* The registered temporary files. Changed with the three signals blocked, so
 * that the handler always sees a whole array. */
static struct {
	char **p;
	size_t n, cap;
} tmps;

static void
block(sigset_t *old, int how)
{
	sigset_t s;

	if (how == SIG_BLOCK) {
		sigemptyset(&s);
		sigaddset(&s, SIGINT);
		sigaddset(&s, SIGTERM);
		sigaddset(&s, SIGHUP);
		sigprocmask(SIG_BLOCK, &s, old);
	} else
		sigprocmask(SIG_SETMASK, old, NULL);
}

void
dc_tmp_add(const char *path)
{
	char *c = dc_xstrdup(path), **p = tmps.p;
	sigset_t old;

	if (tmps.n == tmps.cap) {
		size_t cap = tmps.cap ? 2 * tmps.cap : 16;
		p = dc_xmalloc(cap * sizeof *p);
		if (tmps.n)
			memcpy(p, tmps.p, tmps.n * sizeof *p);
		block(&old, SIG_BLOCK);
		free(tmps.p);
		tmps.p = p;
		tmps.cap = cap;
		block(&old, SIG_SETMASK);
	}
	block(&old, SIG_BLOCK);
	tmps.p[tmps.n++] = c;
	block(&old, SIG_SETMASK);
}

void
dc_tmp_del(const char *path)
{
	size_t i = tmps.n;
	sigset_t old;
	char *c;

	/* newest first: sets are committed last to first */
	while (i > 0 && strcmp(tmps.p[i - 1], path) != 0)
		i--;
	if (i == 0)
		return;
	block(&old, SIG_BLOCK);
	c = tmps.p[i - 1];
	memmove(tmps.p + i - 1, tmps.p + i, (tmps.n - i) * sizeof *tmps.p);
	tmps.n--;
	block(&old, SIG_SETMASK);
	free(c);
}

void
dc_tmp_die(int sig)
{
	size_t i;

	for (i = 0; i < tmps.n; i++)
		unlink(tmps.p[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* unlink_all: every registered temporary removed, nothing freed or allocated (out
 * of memory, dc_on_oom) */
static void
unlink_all(void)
{
	size_t i;

	for (i = 0; i < tmps.n; i++)
		unlink(tmps.p[i]);
}

/* at_exit: a tool that exits (on an error: dc_errx) leaves no temporary file */
static void
at_exit(void)
{
	sigset_t old;

	block(&old, SIG_BLOCK);
	while (tmps.n > 0) {
		unlink(tmps.p[--tmps.n]);
		free(tmps.p[tmps.n]);
	}
	free(tmps.p);
	tmps.p = NULL;
	tmps.cap = 0;
	block(&old, SIG_SETMASK);
}

void
dc_tmp_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = dc_tmp_die;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < sizeof sigs / sizeof *sigs; i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	atexit(at_exit);
	dc_on_oom(unlink_all);
}

char *
dc_tmp_create(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	const char *ext = strrchr(base, '.');
	size_t n = strlen(path) + 32;
	char *tmp = dc_xmalloc(n);
	sigset_t old;
	int fd;

	/* the extension kept, for writers that choose the format by it (audio) */
	if (ext == NULL || ext == base || strlen(ext) > 16)
		ext = "";
	snprintf(tmp, n, "%.*s.dc-tmp-XXXXXX%s", (int)(base - path), path, ext);
	/* registered before a signal can find it unregistered */
	block(&old, SIG_BLOCK);
	if ((fd = mkstemps(tmp, (int)strlen(ext))) >= 0)
		dc_tmp_add(tmp);
	block(&old, SIG_SETMASK);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		errno = e;
		return NULL;
	}
	close(fd);
	return tmp;
}

int
dc_dir_writable(const char *path)
{
	struct stat st;
	char *tmp;
	int exists = stat(path, &st) == 0;

	if (exists && S_ISDIR(st.st_mode)) {
		errno = EISDIR;         /* rename(2) would refuse it at the end */
		return DC_EIO;
	}
	if (exists && !S_ISREG(st.st_mode))
		return DC_OK;   /* a device or a pipe, written in place */
	if ((tmp = dc_tmp_create(path)) == NULL)
		return DC_EIO;
	unlink(tmp);
	dc_tmp_del(tmp);
	free(tmp);
	return DC_OK;
}

/* ---------------------------------------------------------------- identity */

static struct {
	dev_t *dev;
	ino_t *ino;
	size_t n;
} inputs;

void
dc_out_input(const char *path)
{
	struct stat st;

	/* stdin: a regular file redirected (dc-istft -o x.dcs <x.dcs) is an input
	 * too; a device or a pipe is not a file that an output could replace */
	if (strcmp(path, "-") == 0) {
		if (fstat(STDIN_FILENO, &st) != 0 || !S_ISREG(st.st_mode))
			return;
	} else if (stat(path, &st) != 0)
		return;
	inputs.dev = dc_xrealloc(inputs.dev, (inputs.n + 1) * sizeof *inputs.dev);
	inputs.ino = dc_xrealloc(inputs.ino, (inputs.n + 1) * sizeof *inputs.ino);
	inputs.dev[inputs.n] = st.st_dev;
	inputs.ino[inputs.n++] = st.st_ino;
}

/* the current utterance's own files: its recording (what = 2) and the
 * references the oracle read (what = 3) */
static struct {
	dev_t *dev;
	ino_t *ino;
	int *what;
	size_t n, cap;
} current;

static void
current_add_id(dev_t dev, ino_t ino, int what)
{
	if (current.n == current.cap) {
		current.cap = current.cap ? 2 * current.cap : 4;
		current.dev = dc_xrealloc(current.dev, current.cap * sizeof *current.dev);
		current.ino = dc_xrealloc(current.ino, current.cap * sizeof *current.ino);
		current.what = dc_xrealloc(current.what, current.cap * sizeof *current.what);
	}
	current.dev[current.n] = dev;
	current.ino[current.n] = ino;
	current.what[current.n++] = what;
}

static void
current_add(const char *path, int what)
{
	struct stat st;

	if (path != NULL && stat(path, &st) == 0)
		current_add_id(st.st_dev, st.st_ino, what);
}

void
dc_out_current(const char *path)
{
	current.n = 0;
	current_add(path, 2);
}

void
dc_out_current_ref(const char *path)
{
	current_add(path, 3);
}

int
dc_file_inode(const char *path, char *buf, size_t n)
{
	struct stat st;
	int r;

	if (n > 0)
		buf[0] = '\0';
	if (strcmp(path, "-") == 0 ? fstat(STDIN_FILENO, &st) != 0 : stat(path, &st) != 0)
		return 0;
	if (!S_ISREG(st.st_mode))
		return 0;
	r = snprintf(buf, n, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	return r > 0 && (size_t)r < n;
}

void
dc_out_current_inode(const char *s, int what)
{
	uintmax_t v[2] = { 0, 0 };
	int i;

	/* "DEV:INO", each 1 to 19 decimal digits (no sign, no blank), nothing after:
	 * anything else names no file */
	if (s == NULL)
		return;
	for (i = 0; i < 2; i++) {
		const char *d = s;

		for (; *s >= '0' && *s <= '9' && s - d < 19; s++)
			v[i] = 10 * v[i] + (uintmax_t)(*s - '0');
		if (s == d || (*s >= '0' && *s <= '9') || *s++ != (i == 0 ? ':' : '\0'))
			return;
	}
	current_add_id((dev_t)v[0], (ino_t)v[1], what);
}

int
dc_out_isinput(const char *path)
{
	struct stat st;
	size_t i;

	if (stat(path, &st) != 0)
		return 0;
	for (i = 0; i < current.n; i++)
		if (current.dev[i] == st.st_dev && current.ino[i] == st.st_ino)
			return current.what[i];
	for (i = 0; i < inputs.n; i++)
		if (inputs.dev[i] == st.st_dev && inputs.ino[i] == st.st_ino)
			return 1;
	return 0;
}

const char *
dc_out_inwhy(const char *path)
{
	switch (dc_out_isinput(path)) {
	case 1:
		return "the output is also an input";
	case 2:
		return "the output would replace the recording the utterance was read from "
		    "(its utt record's source)";
	case 3:
		return "the output would replace a reference the oracle read for the utterance "
		    "(its utt record's refs)";
	}
	return NULL;
}

/* dir_stat: the directory of path, stat'ed */
static int
dir_stat(const char *path, struct stat *st)
{
	const char *slash = strrchr(path, '/');
	char *d;
	int rc;

	if (slash == NULL)
		return stat(".", st);
	d = dc_xmalloc((size_t)(slash - path) + 2);
	snprintf(d, (size_t)(slash - path) + 2, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	rc = stat(d, st);
	free(d);
	return rc;
}

int
dc_same_files(char *const *p, int n, int *e)
{
	int i, j;

	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(p[i], "-") != 0 && strcmp(p[j], "-") != 0 && dc_same_file(p[i], p[j])) {
				*e = j;
				return i;
			}
	return -1;
}

int
dc_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
	const char *ba, *bb;

	if (ea || eb)
		return ea && eb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	ba = strrchr(a, '/');
	bb = strrchr(b, '/');
	if (strcmp(ba ? ba + 1 : a, bb ? bb + 1 : b) != 0)
		return 0;
	if (dir_stat(a, &sa) != 0 || dir_stat(b, &sb) != 0)
		return strcmp(a, b) == 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void
dc_keep_mode(const char *tmp, const char *path)
{
	struct stat st;
	mode_t um;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		chmod(tmp, st.st_mode & 07777);
		return;
	}
	um = umask(0);
	umask(um);
	chmod(tmp, 0666 & ~um);
}


/* ---------------------------------------------------------------- one file */

/* atomic_end: a's temporary removed (remove) or only forgotten, a cleared */
static void
atomic_end(dc_atomic *a, int remove)
{
	if (a->tmp) {
		if (remove)
			unlink(a->tmp);
		dc_tmp_del(a->tmp);
	}
	free(a->path);
	free(a->tmp);
	memset(a, 0, sizeof *a);
}

FILE *
dc_atomic_open(dc_atomic *a, const char *path)
{
	int fd;

	struct stat st;

	memset(a, 0, sizeof *a);
	/* a device or a pipe (/dev/full, /dev/stdout) is written in place, never replaced */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		a->f = fopen(path, "wb");
		return a->f;
	}
	a->path = dc_xstrdup(path);
	/* the temporary file lies beside the target, so rename(2) stays on one file
	 * system; it is registered, so that a signal removes it (outpath.h) */
	fd = (a->tmp = dc_tmp_create(path)) ? open(a->tmp, O_WRONLY | O_TRUNC) : -1;
	if (fd >= 0) {
		mode_t um = umask(0);       /* mkstemp makes 0600: give the file the usual mode */
		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	if (fd < 0 || (a->f = fdopen(fd, "wb")) == NULL) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		atomic_end(a, 1);
		errno = e;
		return NULL;
	}
	return a->f;
}

int
dc_atomic_commit(dc_atomic *a)
{
	int err = DC_OK, e = 0;

	if (a->f && dc_fclose_checked(a->f) != DC_OK) {
		e = errno;
		err = DC_EIO;
	}
	a->f = NULL;
	if (err == DC_OK && a->tmp)
		dc_keep_mode(a->tmp, a->path);     /* a replaced file keeps its mode */
	if (err == DC_OK && a->tmp && rename(a->tmp, a->path) != 0) {
		e = errno;
		err = DC_EIO;
	}
	atomic_end(a, err != DC_OK);
	errno = e;
	return err;
}

void
dc_atomic_abort(dc_atomic *a)
{
	if (a->f)
		fclose(a->f);
	atomic_end(a, 1);
}

/* ---------------------------------------------------------------- output sets */

const char *
dc_outset_add(dc_outset *s, const char *path, const char **why)
{
	struct stat st;
	const char *base;
	char *tmp;
	size_t i;

	*why = NULL;
	if ((*why = dc_out_inwhy(path)) != NULL)
		return NULL;
	for (i = 0; i < s->n; i++)
		if (dc_same_file(s->path[i], path)) {
			*why = "two outputs are the same file";
			return NULL;
		}
	/* a name too long for rename(2): say so now, not when the set's earlier
	 * files have already replaced what the user had (the temporary's own
	 * name is short, so it would be made and written) */
	base = strrchr(path, '/');
	if (strlen(base ? base + 1 : path) > NAME_MAX || strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	/* a directory cannot be replaced by a file: say so now, not at the rename */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return NULL;
	}
	/* a device or a pipe (/dev/full, a FIFO) is written in place, never replaced */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		tmp = dc_xstrdup(path);
	else if ((tmp = dc_tmp_create(path)) == NULL)
		return NULL;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->path = dc_xrealloc(s->path, s->cap * sizeof *s->path);
		s->tmp = dc_xrealloc(s->tmp, s->cap * sizeof *s->tmp);
	}
	s->path[s->n] = dc_xstrdup(path);
	s->tmp[s->n] = tmp;
	return s->tmp[s->n++];
}

int
dc_outset_commit(dc_outset *s, const char **failed)
{
	size_t i, j;
	int e;

	/* first to last (a list written last lands last), then forgotten last to
	 * first, so that dc_tmp_del finds each at the end of the registry */
	for (i = 0; i < s->n; i++) {
		if (strcmp(s->tmp[i], s->path[i]) == 0)
			continue;       /* written in place */
		dc_keep_mode(s->tmp[i], s->path[i]);
		if (rename(s->tmp[i], s->path[i]) != 0)
			break;
	}
	e = errno;
	for (j = i; j > 0; j--)
		if (strcmp(s->tmp[j - 1], s->path[j - 1]) != 0)
			dc_tmp_del(s->tmp[j - 1]);
	if (i == s->n)
		return DC_OK;
	*failed = s->path[i];
	for (j = 0; j < i; j++) {
		free(s->tmp[j]);
		free(s->path[j]);
	}
	memmove(s->tmp, s->tmp + i, (s->n - i) * sizeof *s->tmp);
	memmove(s->path, s->path + i, (s->n - i) * sizeof *s->path);
	/* the rest removed by abort */
	s->n -= i;
	dc_outset_abort(s);
	errno = e;
	return DC_EIO;
}

void
dc_outset_abort(dc_outset *s)
{
	size_t i = s->n;

	while (i > 0) {
		i--;
		if (strcmp(s->tmp[i], s->path[i]) == 0)
			continue;
		unlink(s->tmp[i]);
		dc_tmp_del(s->tmp[i]);
	}
	/* the names stay until dc_outset_free, for messages */
}

void
dc_outset_free(dc_outset *s)
{
	size_t i;

	for (i = 0; i < s->cap && s->path && i < s->n; i++) {
		free(s->path[i]);
		free(s->tmp[i]);
	}
	free(s->path);
	free(s->tmp);
	memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------- written */

/*
 * The names written so far: an open-addressing hash set of strings (FNV-1a),
 * kept at most half full, so that n outputs cost O(n), not O(n^2) comparisons.
 */
static struct {
	char **slot;
	size_t cap, n;
} written;

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* written_slot: where s is in the set, or the empty slot where it would go */
static char **
written_slot(const char *s)
{
	size_t i = (size_t)fnv1a(s) & (written.cap - 1);

	while (written.slot[i] && strcmp(written.slot[i], s) != 0)
		i = (i + 1) & (written.cap - 1);
	return &written.slot[i];
}

int
dc_out_written(const char *path)
{
	return written.cap && *written_slot(path) != NULL;
}

void
dc_out_wrote(const char *path)
{
	size_t i, old = written.cap;
	char **o = written.slot;

	if (dc_out_written(path))
		return;
	if (2 * (written.n + 1) > written.cap) {
		written.cap = old ? 2 * old : 64;
		written.slot = dc_xcalloc(written.cap, sizeof *written.slot);
		for (i = 0; i < old; i++)
			if (o[i])
				*written_slot(o[i]) = o[i];
		free(o);
	}
	*written_slot(path) = dc_xstrdup(path);
	written.n++;
}

void
dc_out_written_free(void)
{
	size_t i;

	for (i = 0; i < written.cap; i++)
		free(written.slot[i]);
	free(written.slot);
	memset(&written, 0, sizeof written);
}

int
dc_path_within(const char *dir, const char *root)
{
	char *r = realpath(root, NULL), *p = dc_xstrdup(dir), *d = NULL, *s;
	size_t n;
	int in = 0;

	while (r != NULL && (d = realpath(p, NULL)) == NULL && (s = strrchr(p, '/')) != NULL) {
		if (s == p) {
			p[1] = '\0';
			continue;
		}
		*s = '\0';
	}
	if (r != NULL && d == NULL && strchr(p, '/') == NULL)
		d = realpath(".", NULL);        /* a relative name with no directory there */
	if (r != NULL && d != NULL) {
		n = strlen(r);
		in = strncmp(d, r, n) == 0 && (d[n] == '\0' || d[n] == '/' || n == 1);
	}
	free(r);
	free(d);
	free(p);
	return in;
}
