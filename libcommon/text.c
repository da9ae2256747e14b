/*
 * text.c: ids from file names, JSON strings and list files (text.h). Calls only
 * util.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "text.h"

/* ---------------------------------------------------------------- names */

const char *
dc_path_name(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0 ? "stdin" : path;
}

const char *
dc_path_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *
dc_path_stem(const char *path, const char *ext, char *buf, size_t n)
{
	const char *b = dc_path_base(path), *dot;
	size_t len = strlen(b);

	if (ext == NULL) {
		dot = strrchr(b, '.');
		if (dot && dot != b)
			len = (size_t)(dot - b);
	} else if (len > strlen(ext) && strcmp(b + len - strlen(ext), ext) == 0)
		len -= strlen(ext);
	snprintf(buf, n, "%.*s", (int)len, b);
	return buf;
}

/* ---------------------------------------------------------------- escapes */

/* esc1: the escape of byte c into e (no NUL); returns its length */
static int
esc1(unsigned char c, int quote, char *e)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\t' || c == '\n' || c == '\r') {
		e[0] = '\\';
		e[1] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
		return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		e[0] = '\\';
		e[1] = 'x';
		e[2] = hex[c >> 4];
		e[3] = hex[c & 15];
		return 4;
	}
	if (quote && (c == '"' || c == '\\')) {
		e[0] = '\\';
		e[1] = (char)c;
		return 2;
	}
	e[0] = (char)c;
	return 1;
}

char *
dc_esc(const char *s, int quote, char *buf, size_t n)
{
	const unsigned char *p;
	size_t o = 0, total = 0;
	char e[4];
	int len;

	if (n == 0)
		return buf;
	for (p = (const unsigned char *)s; *p; p++)
		total += (size_t)esc1(*p, quote, e);
	for (p = (const unsigned char *)s; *p; p++) {
		len = esc1(*p, quote, e);
		/* too long for buf: as much as leaves room for "..." */
		if (total >= n && o + (size_t)len + 4 > n)
			break;
		memcpy(buf + o, e, (size_t)len);
		o += (size_t)len;
	}
	if (*p && n >= 4) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o < n ? o : n - 1] = '\0';
	return buf;
}

/* ---------------------------------------------------------------- text fields */

const char *
dc_field_bad(const char *s, int comma, int first)
{
	const char *p;

	if (first && (*s == '\0' || *s == '#' || *s == ' '))
		return *s == '\0' ? "empty" : "begins with '#' or a blank (a list reader skips the row)";
	for (p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "holds a control character (tab, newline, ...), which a list cannot hold";
		if (comma && *p == ',')
			return "holds a comma, which separates the paths of a list's column";
	}
	return NULL;
}

/* ---------------------------------------------------------------- JSON */

void
dc_json_str(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;

	putc('"', f);
	while (p < e) {
		unsigned c = *p;
		int len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		    (c & 0xf8) == 0xf0 ? 4 : 0;
		int i, ok = len > 0 && p + len <= e;
		uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;

		for (i = 1; ok && i < len; i++) {
			ok = (p[i] & 0xc0) == 0x80;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* no overlong forms, no surrogates, nothing past U+10FFFF */
		if (ok && ((len == 2 && cp < 0x80) || (len == 3 && (cp < 0x800 ||
		    (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))))
			ok = 0;
		if (!ok) {
			fputs("\\ufffd", f);
			p++;
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fwrite(p, 1, (size_t)len, f);
		p += len;
	}
	putc('"', f);
}

/* ---------------------------------------------------------------- lists */

struct dc_list {
	FILE *f;
	char *line;
	size_t cap;
	int lineno;
	int nul;
};

dc_list *
dc_list_open(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	dc_list *l;

	if (f == NULL)
		return NULL;
	l = dc_xcalloc(1, sizeof *l);
	l->f = f;
	return l;
}

ssize_t
dc_getline(char **line, size_t *cap, FILE *f)
{
	size_t n = 0;
	int c;

	if (*cap < 256) {
		*line = dc_xrealloc(*line, 256);
		*cap = 256;
	}
	while ((c = getc(f)) != EOF) {
		if (n + 2 > *cap) {
			*cap *= 2;
			*line = dc_xrealloc(*line, *cap);
		}
		(*line)[n++] = (char)c;
		if (c == '\n')
			break;
		if (n > DC_LINE_MAX)
			return -2;
	}
	(*line)[n] = '\0';
	return n == 0 ? -1 : (ssize_t)n;
}

int
dc_list_next(dc_list *l, char **col, int max, int *ncol)
{
	ssize_t len;
	char *s;

	while ((len = dc_getline(&l->line, &l->cap, l->f)) >= 0) {
		l->lineno++;
		if (memchr(l->line, '\0', (size_t)len) != NULL)
			l->nul = 1;
		while (len > 0 && (l->line[len - 1] == '\n' || l->line[len - 1] == '\r'))
			l->line[--len] = '\0';
		for (s = l->line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		*ncol = dc_split(l->line, '\t', col, max);
		return DC_OK;
	}
	if (len == -2) {
		l->lineno++;
		return DC_ELINE;
	}
	return ferror(l->f) ? DC_EIO : DC_EEOF;
}

int
dc_list_line(const dc_list *l)
{
	return l->lineno;
}

int
dc_list_nul(const dc_list *l)
{
	return l->nul;
}

void
dc_list_close(dc_list *l)
{
	if (l == NULL)
		return;
	if (l->f != stdin)
		fclose(l->f);
	free(l->line);
	free(l);
}

int
dc_split(char *s, int sep, char **f, int max)
{
	int n = 0;

	for (;;) {
		char *e = strchr(s, sep);
		if (n == max)
			return max + 1;
		f[n++] = s;
		if (e == NULL)
			return n;
		*e = '\0';
		s = e + 1;
	}
}

void
dc_list_mixhead(FILE *f, int speeds)
{
	fprintf(f, "id\tmix\tsources\toriginals\tgains_db\tsamples%s\n", speeds ? "\tspeeds" : "");
}

void
dc_list_mixrow(FILE *f, const dc_mixrow *r)
{
	int j;

	fprintf(f, "%s\t%s\t", r->id, r->mix);
	for (j = 0; j < r->k; j++)
		fprintf(f, "%s%s", j ? "," : "", r->src[j]);
	fputc('\t', f);
	for (j = 0; j < r->k; j++)
		fprintf(f, "%s%s", j ? "," : "", r->orig[j]);
	fputc('\t', f);
	for (j = 0; j < r->k; j++)
		fprintf(f, "%s%.4f", j ? "," : "", r->gain[j]);
	fprintf(f, "\t%lld", (long long)r->samples);
	for (j = 0; r->speed && j < r->k; j++)
		fprintf(f, "%s%.4f", j ? "," : "\t", r->speed[j]);
	fputc('\n', f);
}
