/* walk_probe: how long one walk of the whole history takes with libgit2 when
 * all it asks of each commit is which top-level folders (people) changed,
 * i.e. the cost of building a per-person history index on a repository
 * never seen before. Not part of the product or of the test suite; built by
 * hand to inform the store's design:
 *   cc -O2 -std=c11 tests/bench/walk_probe.c $(pkg-config --cflags --libs libgit2) -o /tmp/walk_probe
 *   /tmp/walk_probe tests/bench/repos/M [person [fast]]
 * Prints the time of a bare revwalk, of the walk that compares each
 * commit's root tree with its first parent's, and (with a person) the
 * number of commits found for them, to compare with
 * `git log --format=%H -- <person>/ | wc -l`. "fast" turns strict hash
 * verification off and enlarges the object cache. Linear histories only: a merge
 * is compared with its first parent. */
#define _POSIX_C_SOURCE 200809L
#include <git2.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int check(int rc, const char *what)
{
	if (rc < 0) {
		const git_error *e = git_error_last();
		fprintf(stderr, "walk_probe: %s: %s\n", what, e ? e->message : "unknown error");
	}
	return rc;
}

/* Counts the top-level entries that differ between a and b (b may be NULL:
 * every entry of a counts); adds 1 to *hits when `person` is among them. */
static size_t changed_entries(const git_tree *a, const git_tree *b, const char *person, size_t *hits)
{
	size_t i = 0, j = 0, na = git_tree_entrycount(a), nb = b ? git_tree_entrycount(b) : 0;
	size_t changed = 0;
	while (i < na || j < nb) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		const char *name;
		int cmp;
		if (ea && eb)
			cmp = strcmp(git_tree_entry_name(ea), git_tree_entry_name(eb));
		else
			cmp = ea ? -1 : 1;
		if (cmp == 0) {
			name = git_tree_entry_name(ea);
			i++;
			j++;
			if (git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)))
				continue;
		} else if (cmp < 0) {
			name = git_tree_entry_name(ea);
			i++;
		} else {
			name = git_tree_entry_name(eb);
			j++;
		}
		changed++;
		if (person && strcmp(name, person) == 0)
			(*hits)++;
	}
	return changed;
}

int main(int argc, char **argv)
{
	git_repository *repo = NULL;
	git_revwalk *walk = NULL;
	git_oid oid;
	double t0, t1, t2;
	size_t commits = 0, changes = 0, hits = 0;
	const char *person = argc > 2 ? argv[2] : NULL;
	int rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: walk_probe REPO [PERSON]\n");
		return 2;
	}
	t0 = now_ms();
	git_libgit2_init();
	t1 = now_ms();
	printf("git_libgit2_init: %.1f ms\n", t1 - t0);
	if (argc > 3 && strcmp(argv[3], "fast") == 0) {
		/* What the store can set: no re-hashing of every object read, and
		 * a bigger object cache. */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
		git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)512 * 1024 * 1024);
		printf("strict hash verification off, object cache 512 MB\n");
	}
	if (check(git_repository_open(&repo, argv[1]), "open") < 0)
		goto cleanup;

	/* 1. A bare walk: parse every commit, nothing else. */
	if (check(git_revwalk_new(&walk, repo), "revwalk") < 0 || check(git_revwalk_push_head(walk), "push") < 0)
		goto cleanup;
	t1 = now_ms();
	while (git_revwalk_next(&oid, walk) == 0)
		commits++;
	t2 = now_ms();
	printf("bare revwalk: %zu commits in %.0f ms\n", commits, t2 - t1);
	git_revwalk_free(walk);
	walk = NULL;

	/* 2. The walk that finds, for each commit, the changed top-level entries. */
	if (check(git_revwalk_new(&walk, repo), "revwalk") < 0 || check(git_revwalk_push_head(walk), "push") < 0)
		goto cleanup;
	t1 = now_ms();
	while (git_revwalk_next(&oid, walk) == 0) {
		git_commit *commit = NULL, *parent = NULL;
		git_tree *tree = NULL, *parent_tree = NULL;
		if (check(git_commit_lookup(&commit, repo, &oid), "commit") < 0)
			goto cleanup;
		if (check(git_commit_tree(&tree, commit), "tree") < 0) {
			git_commit_free(commit);
			goto cleanup;
		}
		if (git_commit_parentcount(commit) > 0 && git_commit_parent(&parent, commit, 0) == 0)
			git_commit_tree(&parent_tree, parent);
		changes += changed_entries(tree, parent_tree, person, &hits);
		git_tree_free(parent_tree);
		git_commit_free(parent);
		git_tree_free(tree);
		git_commit_free(commit);
	}
	t2 = now_ms();
	printf("walk with top-level tree comparison: %.0f ms (%zu person-changes)\n", t2 - t1, changes);
	if (person)
		printf("commits touching %s/: %zu\n", person, hits);
	git_revwalk_free(walk);
	walk = NULL;

	/* 3. The same, keeping the parent's tree for the next step: on a linear
	 * history each tree is then read once, not twice. Trees are looked up
	 * by id from the commit without parsing the parent commit object. */
	if (check(git_revwalk_new(&walk, repo), "revwalk") < 0 || check(git_revwalk_push_head(walk), "push") < 0)
		goto cleanup;
	changes = 0;
	hits = 0;
	t1 = now_ms();
	{
		git_tree *kept = NULL;
		while (git_revwalk_next(&oid, walk) == 0) {
			git_commit *commit = NULL;
			git_tree *tree = NULL, *parent_tree = NULL;
			if (check(git_commit_lookup(&commit, repo, &oid), "commit") < 0)
				goto cleanup;
			if (kept && git_oid_equal(git_tree_id(kept), git_commit_tree_id(commit))) {
				tree = kept;
			} else {
				git_tree_free(kept);
				if (check(git_tree_lookup(&tree, repo, git_commit_tree_id(commit)), "tree") < 0) {
					git_commit_free(commit);
					goto cleanup;
				}
			}
			kept = NULL;
			if (git_commit_parentcount(commit) > 0) {
				git_commit *parent = NULL;
				if (git_commit_parent(&parent, commit, 0) == 0) {
					git_tree_lookup(&parent_tree, repo, git_commit_tree_id(parent));
					git_commit_free(parent);
				}
			}
			changes += changed_entries(tree, parent_tree, person, &hits);
			git_tree_free(tree);
			kept = parent_tree;
			git_commit_free(commit);
		}
		git_tree_free(kept);
	}
	t2 = now_ms();
	printf("same, each tree read once: %.0f ms (%zu person-changes, %zu for the person)\n", t2 - t1, changes, hits);
	rc = 0;

cleanup:
	git_revwalk_free(walk);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
