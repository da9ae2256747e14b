/*
 * text.h: text that the tools write and read (text.c): file names turned into ids,
 * JSON strings, and list files (dc-mix's list.tsv, dc-eval's lists).
 *
 * A list file is text, one row a line, columns separated by tabs. Blank lines and
 * lines whose first non-blank character is '#' are skipped; the line ends at its
 * first '\n', its trailing '\r' and '\n' are dropped, and a NUL byte ends it early.
 * A column of several paths separates them by commas, and relative paths are taken
 * relative to the list's directory (dc_path_rel), so that a data set can move.
 * dc-mix writes list.tsv: a header line, then per mixture its id, mixture, sources,
 * originals, gains in dB, samples and, with -p, speeds; dc-oracle reads its first
 * three columns; dc-eval reads lists of id, mixture, references and estimates.
 */
#ifndef DC_TEXT_H
#define DC_TEXT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---------------------------------------------------------------- names */

/* dc_path_name: path as messages name it: "stdin" for "-" or NULL. */
const char *dc_path_name(const char *path);
/* dc_path_base: the part of path after its last '/' (a pointer into path). */
const char *dc_path_base(const char *path);
/* dc_path_stem: the file name of path without its directory and without the
 * extension ext (".dcm"), or without any extension if ext is NULL, into buf; a
 * name that is all extension keeps it. Returns buf. */
char *dc_path_stem(const char *path, const char *ext, char *buf, size_t n);

/* ---------------------------------------------------------------- escapes */

/* dc_esc: s as a message shows it, in buf (cut with "..." to fit n): a control
 * byte (below 0x20, and 0x7f) as \t, \n, \r or \xNN, and with quote also '"'
 * and '\\' as \" and \\ (for a name between quotes). Bytes from 0x80 on stay
 * as they are (UTF-8 names). Returns buf. Every message the tools print goes
 * through it (tool.c), so no raw control byte reaches the terminal. */
char *dc_esc(const char *s, int quote, char *buf, size_t n);

/* ---------------------------------------------------------------- text fields */

/* The rule of every TSV the tools write (list.tsv, dc-eval's table, dc-train's
 * log): a field never holds a control byte (tab, newline, carriage return and
 * the others below 0x20, and 0x7f); a field of several paths (comma-separated)
 * never holds a path with a comma; the first field never begins with '#' or a
 * blank and is never empty (a reader would skip the row). A name that breaks the
 * rule is refused by the writer, with dc_field_bad's reason; so a reader splits
 * at tabs and commas and reads back exactly what was written (no quoting).
 * JSON output escapes instead (dc_json_str). */
/* dc_field_bad: why s cannot be a field (NULL if it can); comma: a field of a
 * comma-separated column; first: the row's first field. */
const char *dc_field_bad(const char *s, int comma, int first);

/* ---------------------------------------------------------------- JSON */

/* dc_json_str: s[0..n) to f as a JSON string: quotes and backslashes escaped,
 * \n, \t and \r as such, other control characters as \u00XX, and bytes that are
 * not UTF-8 (overlong forms, surrogates, past U+10FFFF) as U+FFFD. */
void dc_json_str(FILE *f, const char *s, size_t n);

/* ---------------------------------------------------------------- lists */

typedef struct dc_list dc_list;

/* the longest line a list may have (a row of three paths of PATH_MAX is 12 KB):
 * a longer one is refused before more of it is read (DC_ELINE), so that a file
 * of no newlines (/dev/zero) costs no memory */
#define DC_LINE_MAX 65536
/* dc_getline: getline(3), at most DC_LINE_MAX bytes and the newline: the length,
 * -1 at the end or on an error (ferror), -2 when the line is longer. */
ssize_t dc_getline(char **line, size_t *cap, FILE *f);
/* dc_list_open: the list file at path ("-" is stdin); NULL with errno set. */
dc_list *dc_list_open(const char *path);
/* dc_list_next: the next row that is not blank or a comment, cut in place at its
 * tabs into col[0 .. *ncol), at most max columns (*ncol is max + 1 if there are
 * more; col then holds the first max). The columns live until the next call.
 * DC_OK, DC_EEOF at the end, DC_EIO (errno set) if the file cannot be read. */
int dc_list_next(dc_list *l, char **col, int max, int *ncol);
/* dc_list_line: the line number of the row dc_list_next returned last. */
int dc_list_line(const dc_list *l);
/* dc_list_nul: whether any line read so far held a NUL byte (not text). */
int dc_list_nul(const dc_list *l);
/* dc_list_close: closes the file (unless stdin) and frees the list. */
void dc_list_close(dc_list *l);
/* dc_split: s cut in place at each sep into at most max fields f[]; returns the
 * count, or max + 1 if there are more (f then holds the first max). */
int dc_split(char *s, int sep, char **f, int max);

/* One row of dc-mix's list.tsv: k sources and originals (paths), gains in dB
 * and, unless speed is NULL, speed factors. */
typedef struct {
	const char *id, *mix;
	char *const *src, *const *orig;
	const double *gain, *speed;
	int k;
	int64_t samples;
} dc_mixrow;

/* dc_list_mixhead: list.tsv's header line (with the speeds column if speeds). */
void dc_list_mixhead(FILE *f, int speeds);
/* dc_list_mixrow: one row of list.tsv, gains and speeds to 4 decimals. */
void dc_list_mixrow(FILE *f, const dc_mixrow *r);

#endif
