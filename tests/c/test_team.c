/* team: the listing the team view's cache is keyed by, checked against
 * `git rev-parse HEAD:<path>` and `git status`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "leadnotes/store.h"
#include "leadnotes/team.h"

#include "check.h"
#include "helpers.h"


static char base[256], root[300];

/* The first line printed by a shell command run in the notes folder. */
static void run_line(char *out, size_t size, const char *cmd)
{
	char full[1024];
	FILE *p;

	snprintf(full, sizeof(full), "cd '%s' && %s 2>/dev/null", root, cmd);
	out[0] = '\0';
	p = popen(full, "r");
	if (!p)
		return;
	if (!fgets(out, (int)size, p))
		out[0] = '\0';
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
}

/* Writes a file dated a minute ago, so that the index written by a save
 * right after is newer than it (else git calls the entry racy). */
static void write_file(const char *rel, const char *text)
{
	char path[512];
	struct timespec times[2];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	th_write_file(path, text, strlen(text));
	clock_gettime(CLOCK_REALTIME, &times[0]);
	times[0].tv_sec -= 60;
	times[1] = times[0];
	utimensat(AT_FDCWD, path, times, 0);
}

static const ln_store_file *find(const ln_store_files *files, const char *path)
{
	size_t i;

	for (i = 0; i < files->count; i++)
		if (strcmp(files->items[i].path, path) == 0)
			return &files->items[i];
	return NULL;
}

/* summary: a note's items in order with their state, its prompt id, wins, feedback and properties; template text is not career talk. */
static void test_summary_reads_items_prompt_wins_feedback_and_properties(void)
{
	ln_note_summary *s = NULL;
	ln_error err;
	const char *note =
		"#+TITLE: One-on-one\n"
		"* One-on-one\n:PROPERTIES:\n:PROMPT: training-05\n:END:\n"
		"** Career growth\n# Where do they want to be?\n-\n"
		"** Wins\n- Shipped it\n"
		"** Feedback both ways\n*** For them\n- Kept the demo short\n*** For me\n-\n"
		"** Action items\n*** TODO Write it\n*** DONE Old one\n- [ ] A box\n- [X] Done box\n"
		"** Leadership prompt\n#+begin_quote\nAsk what they want to learn.\n#+end_quote\n- [ ] not an item\n";

	CHECK(ln_note_summarize(&s, note, strlen(note), 0, &err) == 0 && s, "summary: a note is read");
	if (!s)
		return;
	CHECK(s->item_count == 4, "summary: two headlines and two checkboxes, none from the prompt section");
	CHECK(s->item_count == 4 && strcmp(s->items[0].text, "Write it") == 0 && s->items[0].open &&
			!s->items[1].open && s->items[2].open && !s->items[3].open,
		"summary: items in order with their state");
	CHECK(s->prompt_count == 1 && strcmp(s->prompts[0], "training-05") == 0, "summary: the recorded prompt id");
	CHECK(!s->career, "summary: template boilerplate and the prompt are not career talk");
	CHECK(s->win_count == 1 && strcmp(s->wins[0], "Shipped it") == 0, "summary: wins");
	CHECK(s->feedback_count == 1 && strcmp(s->feedback[0], "Kept the demo short") == 0,
		"summary: feedback from the whole subtree");
	CHECK(s->property_count == 2 && strcmp(s->properties[0], "PROMPT") == 0 &&
			strcmp(s->properties[2], "TITLE") == 0 && strcmp(s->properties[3], "One-on-one") == 0,
		"summary: drawer properties, then file keywords");
	ln_note_summary_free(s);
}

/* summary: a career word elsewhere is not career talk; feedback given and received, blockers and career lines come from their sections. */
static void test_summary_finds_career_talk_only_in_career_sections(void)
{
	ln_note_summary *s = NULL;
	ln_error err;

	CHECK(ln_note_summarize(&s, "* Topics\n- She asked about a conference\n", 40, 0, &err) == 0 && s && !s->career,
		"summary: a career word outside a career section is not career talk");
	ln_note_summary_free(s);
	s = NULL;
	{
		const char *sections = "* Feedback both ways\n** For Ana\n- Clear demo\n** For me\n- Stop adding items at the end\n"
				   "* Blockers I can remove\n- The staging cluster\n* Career growth\n- Wants to lead the migration\n";
		CHECK(ln_note_summarize(&s, sections, strlen(sections), 0, &err) == 0 && s && s->career &&
				s->feedback_count == 1 && strcmp(s->feedback[0], "Clear demo") == 0 && s->received_count == 1 &&
				strcmp(s->received[0], "Stop adding items at the end") == 0 && s->blocker_count == 1 &&
				s->career_count == 1 && strcmp(s->career_lines[0], "Wants to lead the migration") == 0,
			"summary: feedback given and received apart, blockers and career lines from their sections");
	}
	ln_note_summary_free(s);
}

/* summary: Markdown with CRLF line ends and a prompt comment. */
static void test_summary_reads_markdown_crlf_and_a_prompt_comment(void)
{
	ln_note_summary *s = NULL;
	ln_error err;

	CHECK(ln_note_summarize(&s, "## Career\r\n- wants to mentor\r\n<!-- prompt: x-1 -->\r\n", 52, 1, &err) == 0 && s &&
			s->career && s->prompt_count == 1 && strcmp(s->prompts[0], "x-1") == 0,
		"summary: Markdown, CRLF, a prompt comment");
	ln_note_summary_free(s);
}

/* summary: an item's keyword, ID, owner, planning, tags and carry properties, and a checkbox's box. */
static void test_summary_reads_an_items_id_owner_planning_tags_and_carry(void)
{
	ln_note_summary *s = NULL;
	ln_error err;

	{
		const char *item = "* Actions\n** TODO Plan it :infra:ops:\nDEADLINE: <2026-01-12 Mon> SCHEDULED: <2026-01-08 Thu>\n"
				   ":PROPERTIES:\n:ID: 5b1c\n:OWNER: Ana\n:FIRST_SEEN: [2026-01-05 Mon]\n:CARRIED: 2\n:END:\n"
				   "- [-] half\n";
		CHECK(ln_note_summarize(&s, item, strlen(item), 0, &err) == 0 && s && s->item_count == 2,
			"summary: an item headline and a checkbox");
		if (s && s->item_count == 2) {
			const ln_note_item *it = &s->items[0];
			CHECK(it->level == 2 && strcmp(it->keyword, "TODO") == 0 && strcmp(it->id, "5b1c") == 0 &&
					strcmp(it->owner, "Ana") == 0 && strcmp(it->deadline, "<2026-01-12 Mon>") == 0 &&
					strcmp(it->scheduled, "<2026-01-08 Thu>") == 0 && strcmp(it->tags, ":infra:ops:") == 0 &&
					strcmp(it->first_seen, "[2026-01-05 Mon]") == 0 && strcmp(it->carried, "2") == 0,
				"summary: an item's keyword, ID, owner, planning, tags and carry properties");
			CHECK(s->items[1].level == 0 && strcmp(s->items[1].keyword, "[-]") == 0 && !s->items[1].id &&
					!s->items[1].tags,
				"summary: a checkbox's box, and no ID or tags");
		}
		ln_note_summary_free(s);
		s = NULL;
	}
}

/* summary: empty input, and NUL bytes. */
static void test_summary_reads_empty_input_and_nul_bytes(void)
{
	ln_note_summary *s = NULL;
	ln_error err;

	CHECK(ln_note_summarize(&s, NULL, 0, 0, &err) == 0 && s && s->item_count == 0, "summary: empty input");
	ln_note_summary_free(s);
	s = NULL;
	{
		const char bin[] = "* TODO a\0b\n- [ ] \377\0\n\0\0prompt: \0";
		CHECK(ln_note_summarize(&s, bin, sizeof(bin) - 1, 0, &err) == 0 && s, "summary: NUL bytes are read");
		ln_note_summary_free(s);
	}
	ln_note_summary_free(NULL);
}

/* Three notes saved through the store: git status stays clean. */
static void save_three_notes(ln_store *store)
{
	char sub[512], expect[128];
	ln_error err;
	snprintf(sub, sizeof(sub), "%s/alice", root);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/bob", root);
	mkdir(sub, 0700);
	write_file("alice/2026-01-05-one-on-one.org", "* TODO one\n");
	write_file("alice/profile.org", "* Profile\n");
	write_file("bob/2026-01-06-one-on-one.org", "- [ ] two\n");
	CHECK(ln_store_save(NULL, store, "alice/2026-01-05-one-on-one.org", NULL, &err) == 0, "team: save");
	CHECK(ln_store_save(NULL, store, "alice/profile.org", NULL, &err) == 0, "team: save");
	CHECK(ln_store_save(NULL, store, "bob/2026-01-06-one-on-one.org", NULL, &err) == 0, "team: save");
	run_line(expect, sizeof(expect), "git status --porcelain");
	CHECK(expect[0] == '\0', "team: git status is clean after the saves");
}

/* The listing of saved files: sorted, each with HEAD's blob id, clean. */
static void test_files_list_gives_saved_files_with_heads_blob_ids(ln_store *store)
{
	ln_store_files files = { NULL, 0 };
	ln_error err;
	const ln_store_file *f;
	char expect[128];
	size_t i;
	int sorted = 1;

	CHECK(ln_store_files_list(&files, store, NULL, &err) == 0, "team: lists the folder");
	CHECK(files.count == 3, "team: three files");
	for (i = 1; i < files.count; i++)
		if (strcmp(files.items[i - 1].path, files.items[i].path) >= 0)
			sorted = 0;
	CHECK(sorted, "team: sorted by path");
	f = find(&files, "alice/2026-01-05-one-on-one.org");
	run_line(expect, sizeof(expect), "git rev-parse HEAD:alice/2026-01-05-one-on-one.org");
	CHECK(f && strcmp(f->blob, expect) == 0, "team: blob id equals git rev-parse HEAD:path (the index equals HEAD)");
	CHECK(f && !f->dirty, "team: a saved file is clean");
	CHECK(f && f->stat[0], "team: a stat signature is given");
	ln_store_files_free(&files);
}

/* After an edit, an addition and a deletion: edited and new files are
 * dirty, the deleted one is gone, the untouched one stays clean. */
static void test_files_list_marks_edited_and_new_files_dirty(ln_store *store)
{
	ln_store_files files = { NULL, 0 };
	ln_error err;
	const ln_store_file *f;
	char expect[128], sub[512];

	write_file("alice/2026-01-05-one-on-one.org", "* TODO one\n* TODO two more\n");
	write_file("bob/2026-01-20-one-on-one.org", "new\n");
	snprintf(sub, sizeof(sub), "%s/alice/profile.org", root);
	unlink(sub);
	CHECK(ln_store_files_list(&files, store, NULL, &err) == 0, "team: lists again");
	f = find(&files, "alice/2026-01-05-one-on-one.org");
	run_line(expect, sizeof(expect), "git rev-parse HEAD:alice/2026-01-05-one-on-one.org");
	CHECK(f && f->dirty && strcmp(f->blob, expect) == 0, "team: an edited file is dirty, with HEAD's blob");
	f = find(&files, "bob/2026-01-20-one-on-one.org");
	CHECK(f && f->dirty && f->blob[0] == '\0', "team: a new file is dirty, without a blob");
	CHECK(find(&files, "alice/profile.org") == NULL, "team: a deleted file is not listed");
	f = find(&files, "bob/2026-01-06-one-on-one.org");
	CHECK(f && !f->dirty, "team: an untouched file stays clean");
	ln_store_files_free(&files);
}

/* One person's folder lists only its files; a folder outside is refused. */
static void test_files_list_of_one_folder_and_refused_folders(ln_store *store)
{
	ln_store_files files = { NULL, 0 };
	ln_error err;

	CHECK(ln_store_files_list(&files, store, "bob", &err) == 0 && files.count == 2, "team: one person's folder");
	CHECK(files.count == 2 && strncmp(files.items[0].path, "bob/", 4) == 0, "team: paths stay relative to the notes folder");
	ln_store_files_free(&files);
	CHECK(ln_store_files_list(&files, store, "nobody", &err) == 0 && files.count == 0, "team: a missing folder is empty");
	ln_store_files_free(&files);
	CHECK(ln_store_files_list(&files, store, "../etc", &err) == LN_EINVALID, "team: a folder outside is refused");
	CHECK(ln_store_files_list(&files, store, "/etc", &err) == LN_EINVALID, "team: an absolute folder is refused");
	CHECK(ln_store_files_list(&files, store, "a//b", &err) == LN_EINVALID, "team: an empty part is refused");
	ln_store_files_free(NULL);
}

int main(void)
{
	ln_store *store = NULL;
	ln_error err;

	if (th_tmpdir(base, sizeof(base), "team") < 0)
		return 1;
	snprintf(root, sizeof(root), "%s/notes", base);
	if (ln_store_open(&store, root, &err) < 0) {
		fprintf(stderr, "cannot open a store: %s\n", err.message);
		return 1;
	}
	save_three_notes(store);
	test_files_list_gives_saved_files_with_heads_blob_ids(store);
	test_files_list_marks_edited_and_new_files_dirty(store);
	test_files_list_of_one_folder_and_refused_folders(store);
	test_summary_reads_items_prompt_wins_feedback_and_properties();
	test_summary_finds_career_talk_only_in_career_sections();
	test_summary_reads_markdown_crlf_and_a_prompt_comment();
	test_summary_reads_an_items_id_owner_planning_tags_and_carry();
	test_summary_reads_empty_input_and_nul_bytes();
	ln_store_free(store);
	th_remove_tree(base);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
