/*
 * outpath.h: where the tools' output files go, and how they get there without
 * losing anything the user had (outpath.c). One place for:
 * - output patterns (-o 'out/%u/s%k.wav'): ids checked, then expanded;
 * - one output file written atomically (dc_atomic);
 * - temporary files: every one is registered, so that SIGINT, SIGTERM and SIGHUP
 *   remove them before the tool dies of the signal;
 * - output sets: files written under temporary names in their target directories
 *   and renamed into place together, only when all are complete, each keeping
 *   the mode of the file it replaces;
 * - file identity (device and inode, not names): an output that is one of the
 *   inputs, or two outputs that are the same file, are refused.
 * Like the rest of the library it never prints; tool.c's dc_out_* wrappers do.
 */
#ifndef DC_OUTPATH_H
#define DC_OUTPATH_H

#include <stdio.h>
#include <sys/types.h>

/* ---------------------------------------------------------------- patterns */

/* dc_out_pattern: whether every '%' of pat starts one of the conversions in
 * convs ("uk", "ur") or %%; seen gets a bit per conversion found (1 << index in
 * convs). Returns -1 if good, else the bad conversion ('\0' for a final '%'). */
int dc_out_pattern(const char *pat, const char *convs, int *seen);
/* dc_out_idbad: why id cannot name a file (NULL if it can): empty, "-", "." or
 * "..", a '/', a control byte, or longer than NAME_MAX bytes. */
const char *dc_out_idbad(const char *id);
/* dc_out_expand: pat with %u the id, %k the number k, %r the string r and %% a %,
 * malloc'd; NULL with *why set if the id is bad (dc_out_idbad) or the result
 * would have a name longer than NAME_MAX or a path of PATH_MAX or more. */
char *dc_out_expand(const char *pat, const char *id, int k, const char *r, const char **why);

/* ---------------------------------------------------------------- temporaries */

/* dc_tmp_add, dc_tmp_del: register a temporary file (copied) to be removed if a
 * signal ends the tool, and forget it again. */
void dc_tmp_add(const char *path);
void dc_tmp_del(const char *path);
/* dc_tmp_signals: SIGINT, SIGTERM and SIGHUP (those not ignored) remove every
 * registered temporary file, then kill the process with the same signal; so
 * does exit(3) (an error exit: dc_errx). dc_setprog calls it. */
void dc_tmp_signals(void);
/* dc_tmp_die: what those signals do, for a tool's own handler to call (it is
 * async-signal-safe): removes every registered temporary file, then restores
 * sig's default action and raises it. */
void dc_tmp_die(int sig);
/* dc_tmp_create: a new empty file beside path (same directory, so rename(2)
 * stays on one file system) named ".dc-tmp-XXXXXX" and path's extension (".wav":
 * audio's format follows it), registered; malloc'd name,
 * NULL with errno on failure. */
char *dc_tmp_create(const char *path);
/* dc_dir_writable: whether a file can be created in path's directory (tried by
 * creating and removing one; root passes access(2) checks); DC_OK, or DC_EIO
 * with errno. DC_OK for a path that is a device or a pipe (written in place);
 * DC_EIO with EISDIR for a directory. */
int dc_dir_writable(const char *path);

/* ---------------------------------------------------------------- identity */

/* dc_out_input: path is an input ("-": stdin, where it is a regular file): no
 * output may be the same file. */
void dc_out_input(const char *path);
/* dc_out_current: path (NULL: none) is the input of the utterance at hand, in
 * place of the last one so named: a tool that writes many utterances' files
 * refuses to replace each one's own recording in O(1), where dc_out_input's list
 * would grow with the stream. */
void dc_out_current(const char *path);
/* dc_out_current_ref: path is also one of the current utterance's references
 * (dc-oracle's, its utt record's "refs"), until the next dc_out_current. */
void dc_out_current_ref(const char *path);
/* dc_file_inode: "DEV:INO", the device and inode numbers in decimal of the
 * regular file at path ("-": standard input), in buf; 1, or 0 (buf "") for no
 * regular file or a buf too small. dc-stft writes its utt record's
 * "source_inode" so, dc-oracle its "refs_inodes", so that a tool downstream
 * knows those files from any directory (a relative path names another file there). */
int dc_file_inode(const char *path, char *buf, size_t n);
/* dc_out_current_inode: the file s ("DEV:INO", as dc_file_inode writes it) is
 * the current utterance's recording (what 2) or one of its references (3), as
 * dc_out_current and dc_out_current_ref; anything else in s is ignored. */
void dc_out_current_inode(const char *s, int what);
/* dc_path_within: whether the file or directory dir (or, if it is not there yet,
 * the nearest directory above it that is) is root or lies under it, by their
 * real paths (links resolved): an output in a corpus that is read from. */
int dc_path_within(const char *dir, const char *root);
/* dc_out_isinput: whether path is the same file (device and inode) as an input:
 * 1 for one of dc_out_input's, 2 for the current one (dc_out_current), 3 for one
 * of its references (dc_out_current_ref), else 0. */
int dc_out_isinput(const char *path);
/* dc_out_inwhy: why path may not be written, as messages word it, if it is an
 * input (dc_out_isinput); else NULL. */
const char *dc_out_inwhy(const char *path);
/* dc_out_written: whether this run has written path (dc_out_wrote), to refuse
 * writing one name twice (two utterances with one id); names are compared as
 * strings, in O(1) (a hash set). dc_out_wrote adds path (copied);
 * dc_out_written_free forgets them all. */
int dc_out_written(const char *path);
void dc_out_wrote(const char *path);
void dc_out_written_free(void);
/* dc_same_file: whether a and b name one file: the same device and inode if both
 * exist, else the same directory (device and inode) and the same last name. */
int dc_same_file(const char *a, const char *b);
/* dc_same_files: the first i of the n paths p[] that names the same file
 * (dc_same_file) as an earlier one, *e that one's index; -1 if none. "-"
 * (stdin) is compared with nothing. For a tool's sources, each once. */
int dc_same_files(char *const *p, int n, int *e);
/* dc_keep_mode: gives tmp the permission bits of the file at path if there is
 * one (a replaced file keeps its mode), else 0666 less the umask. */
void dc_keep_mode(const char *tmp, const char *path);

/* ---------------------------------------------------------------- one file */

/*
 * Atomic output of one file: written to a registered temporary file beside
 * path, renamed over path on commit with the mode of the file it replaces;
 * abort removes it. Nothing appears under path until commit. A path that is a
 * device or a pipe (/dev/full, /dev/stdout) is written in place.
 */
typedef struct {
	char *path;
	char *tmp;
	FILE *f;
} dc_atomic;

FILE *dc_atomic_open(dc_atomic *a, const char *path);   /* NULL + errno on failure */
int dc_atomic_commit(dc_atomic *a);                      /* DC_EIO + errno on failure */
void dc_atomic_abort(dc_atomic *a);

/* ---------------------------------------------------------------- output sets */

typedef struct {
	char **path, **tmp;     /* n final names and their temporary files */
	size_t n, cap;
} dc_outset;

/* dc_outset_add: a temporary file for path in s; returns its name (owned by s),
 * to write the output to. NULL with *why set if path is an input ("the output is
 * also an input") or the same file as an earlier path of s ("two outputs are the
 * same file"), or with errno (why NULL) if the temporary cannot be made,
 * path is a directory (EISDIR) or its name is too long to rename to
 * (ENAMETOOLONG: a last part over NAME_MAX, or PATH_MAX in all). A
 * path that exists and is not a regular file (/dev/full, a FIFO) is its own
 * "temporary": written in place, never replaced. */
const char *dc_outset_add(dc_outset *s, const char *path, const char **why);
/* dc_outset_commit: each temporary renamed onto its path (first to last), with
 * the mode of the file it replaces. DC_EIO with errno and *failed the path if a
 * rename fails (the temporaries not yet renamed are removed). dc_outset_free
 * after it, either way. */
int dc_outset_commit(dc_outset *s, const char **failed);
/* dc_outset_abort: removes the temporaries; what was under the paths stays. */
void dc_outset_abort(dc_outset *s);
/* dc_outset_free: frees s (after commit or abort); s can be used again. */
void dc_outset_free(dc_outset *s);

#endif
