/*
 * test_outpath.c: the mechanisms of dcsep(7) on their own: dc_out_expand's ids
 * and limits, dc_esc's escapes and cut, dc_field_bad's rule, dc_same_file by
 * device and inode, and an output set that keeps modes and leaves no temporary
 * file whether committed or aborted. Runs in a fresh directory of its own.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dc.h"
#include "t.h"

/* expand_why: dc_out_expand's reason for pat and id ("" if it expands), and the
 * expansion in out */
static const char *
expand_why(const char *pat, const char *id, char *out, size_t n)
{
	const char *why;
	char *s = dc_out_expand(pat, id, 2, "stft", &why);

	snprintf(out, n, "%s", s ? s : "");
	free(s);
	return why ? why : "";
}

/* ntmp: how many .dc-tmp- files are in the current directory */
static int
ntmp(void)
{
	DIR *d = opendir(".");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, ".dc-tmp-", 8) == 0;
	closedir(d);
	return n;
}

static void
put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	fputs(s, f);
	fclose(f);
}

static int
same_text(const char *path, const char *s)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strcmp(buf, s) == 0;
}

int
main(void)
{
	char dir[] = "/tmp/dc-outpath-XXXXXX", out[600], id[300], buf[64];
	const char *why, *t1, *t2, *failed;
	dc_outset s = { 0 };
	struct stat st;
	int seen;

	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		return 1;
	umask(022);

	/* patterns */
	T_EQ_INT("pattern: good", dc_out_pattern("o/%u-s%k.wav%%", "uk", &seen), -1);
	T_EQ_INT("pattern: saw %u and %k", seen, 3);
	T_EQ_INT("pattern: %x is bad", dc_out_pattern("a%x", "uk", &seen), 'x');
	T_EQ_INT("pattern: a final % is bad", dc_out_pattern("a%", "uk", &seen), 0);
	T_OK("expand: %u %k %r %%", strcmp(expand_why("o/%u-%r-s%k%%.wav", "ab", out, sizeof out), "") == 0 &&
	    strcmp(out, "o/ab-stft-s2%.wav") == 0);
	T_OK("expand: ..", strcmp(expand_why("o/%u.wav", "..", out, sizeof out),
	    "names a directory, not a file in it") == 0);
	T_OK("expand: .", strcmp(expand_why("o/%u", ".", out, sizeof out),
	    "names a directory, not a file in it") == 0);
	T_OK("expand: empty", strcmp(expand_why("o/%u", "", out, sizeof out), "empty") == 0);
	T_OK("expand: -", strcmp(expand_why("%u", "-", out, sizeof out), "'-' is not a file name") == 0);
	T_OK("expand: a/b", strcmp(expand_why("o/%u", "a/b", out, sizeof out), "holds a '/'") == 0);
	T_OK("expand: DEL", strcmp(expand_why("o/%u", "a\x7f", out, sizeof out),
	    "holds a control character") == 0);
	memset(id, 'a', 256);
	id[256] = '\0';
	T_OK("expand: 256 bytes", strcmp(expand_why("o/%u", id, out, sizeof out),
	    "longer than 255 bytes") == 0);
	id[255] = '\0';
	T_OK("expand: 255 bytes alone", strcmp(expand_why("o/%u", id, out, sizeof out), "") == 0);
	T_OK("expand: 255 bytes and an extension", strcmp(expand_why("o/%u.wav", id, out, sizeof out),
	    "the file name would be longer than 255 bytes") == 0);
	T_OK("expand: an id the pattern does not use is not checked",
	    strcmp(expand_why("o/x%k.wav", "..", out, sizeof out), "") == 0 && strcmp(out, "o/x2.wav") == 0);

	/* escapes */
	T_OK("esc: controls", strcmp(dc_esc("a\tb\nc\rd\x1b[1m\x7f", 0, buf, sizeof buf),
	    "a\\tb\\nc\\rd\\x1b[1m\\x7f") == 0);
	T_OK("esc: quote escapes \" and \\ only when asked",
	    strcmp(dc_esc("q\"\\", 1, buf, sizeof buf), "q\\\"\\\\") == 0 &&
	    strcmp(dc_esc("q\"\\", 0, buf, sizeof buf), "q\"\\") == 0);
	T_OK("esc: UTF-8 stays", strcmp(dc_esc("h\xc3\xa9", 1, buf, sizeof buf), "h\xc3\xa9") == 0);
	T_OK("esc: cut with ...", strcmp(dc_esc("0123456789abcdef", 0, buf, 12), "01234567...") == 0);
	T_OK("esc: fits exactly", strcmp(dc_esc("01234567890", 0, buf, 12), "01234567890") == 0);

	/* the rule of text fields */
	T_OK("field: plain", dc_field_bad("mix/000001.wav", 1, 0) == NULL);
	T_OK("field: tab", dc_field_bad("a\tb", 0, 0) != NULL);
	T_OK("field: newline", dc_field_bad("a\nb", 0, 0) != NULL);
	T_OK("field: comma in a path column", dc_field_bad("a,b", 1, 0) != NULL);
	T_OK("field: comma elsewhere", dc_field_bad("a,b", 0, 0) == NULL);
	T_OK("field: # first", dc_field_bad("#a", 0, 1) != NULL && dc_field_bad("#a", 0, 0) == NULL);
	T_OK("field: empty first", dc_field_bad("", 0, 1) != NULL);

	/* identity */
	put("a", "A\n");
	T_OK("same: a and ./a", dc_same_file("a", "./a"));
	T_OK("same: a hard link", link("a", "h") == 0 && dc_same_file("a", "h"));
	T_OK("same: new names in one directory", dc_same_file("n", "./n") && !dc_same_file("n", "m"));
	T_OK("same: a file and a new name", !dc_same_file("a", "n"));
	{
		char *p3[] = { "-", "a", "n", "-", "./h" }, *p2[] = { "a", "n", "-", "-" };
		int e = -1;
		T_OK("same files: ./h, a hard link of a (1), at 4; '-' twice not", dc_same_files(p3, 5, &e) == 4 &&
		    e == 1);
		T_OK("same files: none", dc_same_files(p2, 4, &e) == -1);
	}
	dc_out_input("a");
	T_OK("input: by another name", dc_out_isinput("h") && !dc_out_isinput("n"));
	put("r1", "R1\n");
	put("r2", "R2\n");
	dc_out_current("r1");
	T_OK("current: r1 (2), a still an input (1)", dc_out_isinput("./r1") == 2 && dc_out_isinput("a") == 1);
	dc_out_current("r2");
	T_OK("current: r2 in r1's place", dc_out_isinput("r2") == 2 && dc_out_isinput("r1") == 0);
	T_OK("current: its message", dc_out_inwhy("r2") && strcmp(dc_out_inwhy("r2"),
	    "the output would replace the recording the utterance was read from (its utt record's source)") == 0);
	dc_out_current("nosuch");
	T_OK("current: a name that is no file: none", dc_out_isinput("r2") == 0 && dc_out_inwhy("r2") == NULL);
	dc_out_current(NULL);
	T_OK("current: none", dc_out_isinput("r1") == 0 && dc_out_isinput("r2") == 0);
	dc_out_current("r1");
	dc_out_current_ref("r2");
	dc_out_current_ref("nosuch");
	T_OK("current: r1's reference r2 (3), r1 (2)", dc_out_isinput("./r2") == 3 && dc_out_isinput("r1") == 2);
	T_OK("current: a reference's message", dc_out_inwhy("r2") && strcmp(dc_out_inwhy("r2"),
	    "the output would replace a reference the oracle read for the utterance (its utt record's refs)") == 0);
	dc_out_current("a");
	T_OK("current: the next utterance's source forgets the references", dc_out_isinput("r2") == 0 &&
	    dc_out_isinput("r1") == 0);
	dc_out_current(NULL);
	/* the same files by device and inode (source_inode, refs_inodes) */
	{
		char ino[64], bad[96];
		struct stat sti;

		T_OK("inode: r1's, DEV:INO", dc_file_inode("r1", ino, sizeof ino) == 1 && stat("r1", &sti) == 0);
		snprintf(bad, sizeof bad, "%ju:%ju", (uintmax_t)sti.st_dev, (uintmax_t)sti.st_ino);
		T_OK("inode: as stat gives them", strcmp(ino, bad) == 0);
		T_OK("inode: no file, none", dc_file_inode("nosuch", bad, sizeof bad) == 0 && bad[0] == '\0');
		T_OK("inode: a directory, none", dc_file_inode(".", bad, sizeof bad) == 0 && bad[0] == '\0');
		T_OK("inode: too small a buffer, none", dc_file_inode("r1", bad, 3) == 0);
		dc_out_current(NULL);
		dc_out_current_inode(ino, 2);
		T_OK("inode: r1 known by its numbers alone (2)", dc_out_isinput("r1") == 2 &&
		    dc_out_isinput("r2") == 0);
		dc_out_current(NULL);
		dc_out_current_inode(ino, 3);
		T_OK("inode: as a reference (3)", dc_out_isinput("r1") == 3);
		dc_out_current(NULL);
		snprintf(bad, sizeof bad, " %s", ino);
		dc_out_current_inode(bad, 2);
		snprintf(bad, sizeof bad, "+%s", ino);
		dc_out_current_inode(bad, 2);
		snprintf(bad, sizeof bad, "%s ", ino);
		dc_out_current_inode(bad, 2);
		snprintf(bad, sizeof bad, "%s:1", ino);
		dc_out_current_inode(bad, 2);
		snprintf(bad, sizeof bad, "%ju:-%ju", (uintmax_t)sti.st_dev, (uintmax_t)sti.st_ino);
		dc_out_current_inode(bad, 2);
		snprintf(bad, sizeof bad, "%ju:00000000000000000000%ju", (uintmax_t)sti.st_dev, (uintmax_t)sti.st_ino);
		dc_out_current_inode(bad, 2);
		dc_out_current_inode("", 2);
		dc_out_current_inode(":", 2);
		dc_out_current_inode(NULL, 2);
		T_OK("inode: a blank, a sign, more after, 20 digits: no file", dc_out_isinput("r1") == 0);
		dc_out_current(NULL);
	}
	T_OK("writable: a new name in a directory", dc_dir_writable("new") == DC_OK);
	T_OK("writable: a directory refused, EISDIR", mkdir("dir", 0755) == 0 &&
	    dc_dir_writable("dir") == DC_EIO && errno == EISDIR);
	T_OK("writable: a device, written in place", dc_dir_writable("/dev/null") == DC_OK);

	/* an output set: refused, aborted, committed */
	T_OK("set: an input refused", dc_outset_add(&s, "h", &why) == NULL && why &&
	    strcmp(why, "the output is also an input") == 0);
	put("b", "B\n");
	chmod("b", 0600);
	t1 = dc_outset_add(&s, "b", &why);
	t2 = dc_outset_add(&s, "c", &why);
	T_OK("set: two temporaries", t1 && t2 && ntmp() == 2);
	T_OK("set: the same file twice refused", dc_outset_add(&s, "./c", &why) == NULL && why &&
	    strcmp(why, "two outputs are the same file") == 0);
	put(t1, "B2\n");
	put(t2, "C2\n");
	dc_outset_abort(&s);
	dc_outset_free(&s);
	T_OK("set: abort leaves b and no c", same_text("b", "B\n") && access("c", F_OK) != 0);
	T_EQ_INT("set: abort leaves no temporary", ntmp(), 0);
	t1 = dc_outset_add(&s, "b", &why);
	t2 = dc_outset_add(&s, "c", &why);
	put(t1, "B2\n");
	put(t2, "C2\n");
	T_EQ_INT("set: commit", dc_outset_commit(&s, &failed), DC_OK);
	dc_outset_free(&s);
	T_OK("set: both replaced", same_text("b", "B2\n") && same_text("c", "C2\n"));
	T_OK("set: b keeps 0600", stat("b", &st) == 0 && (st.st_mode & 07777) == 0600);
	T_OK("set: c new, 0644 (umask 022)", stat("c", &st) == 0 && (st.st_mode & 07777) == 0644);
	T_EQ_INT("set: commit leaves no temporary", ntmp(), 0);
	mkdir("d", 0777);
	errno = 0;
	T_OK("set: a directory in the way", dc_outset_add(&s, "d", &why) == NULL && why == NULL &&
	    errno == EISDIR);
	dc_outset_free(&s);

	unlink("a");
	unlink("h");
	unlink("b");
	unlink("c");
	unlink("r1");
	unlink("r2");
	rmdir("d");
	rmdir("dir");
	if (chdir("/") != 0 || rmdir(dir) != 0)
		T_OK("the test's directory removed", 0);
	return t_done();
}
