/* leadnotes: signed commits and seals. The signature is made by the program
 * git would run (gpg or ssh-keygen, as configured) over the object's
 * content, and stored where git stores it: the gpgsig header of a commit,
 * the end of a tag's message. Files passed to the program live in a
 * private folder under <gitdir>/leadnotes/ and are removed afterwards. */
#include "leadnotes/signing.h"
#include "leadnotes/buf.h"
#include "fsutil.h"

#include <git2.h>
#include <git2/sys/commit.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIGNING_PGP_BEGIN "-----BEGIN PGP SIGNATURE-----"
#define SIGNING_SSH_BEGIN "-----BEGIN SSH SIGNATURE-----"

/* The private folder for one signing: its path and the files in it. */
typedef struct signing_dir {
	ln_buf dir;
	ln_buf payload, sig, out, errs, key;
} signing_dir;

/* A string from the configuration into *out (empty when unset). */
static void signing_config_string(ln_buf *out, git_config *cfg, const char *key)
{
	git_buf value = GIT_BUF_INIT;
	ln_buf_clear(out);
	if (git_config_get_string_buf(&value, cfg, key) == 0)
		ln_buf_puts(out, value.ptr);
	git_buf_dispose(&value);
}

/* The signing program into *out, as git chooses it: for ssh (gpg.format =
 * ssh) gpg.ssh.program, else ssh-keygen; for OpenPGP gpg.openpgp.program,
 * else gpg.program, else gpg. */
static void signing_program(ln_buf *out, git_config *cfg, int ssh)
{
	if (ssh) {
		signing_config_string(out, cfg, "gpg.ssh.program");
		if (!out->size)
			ln_buf_puts(out, "ssh-keygen");
		return;
	}
	signing_config_string(out, cfg, "gpg.openpgp.program");
	if (!out->size)
		signing_config_string(out, cfg, "gpg.program");
	if (!out->size)
		ln_buf_puts(out, "gpg");
}

int ln_signing_wanted(git_repository *repo, const char *kind)
{
	git_config *cfg = NULL;
	int value = 0;
	char key[32];
	snprintf(key, sizeof(key), "%s.gpgsign", kind);
	/* the live configuration: a snapshot would copy every setting */
	if (git_repository_config(&cfg, repo) == 0 && git_config_get_bool(&value, cfg, key) < 0)
		value = 0;
	git_error_clear();
	git_config_free(cfg);
	return value != 0;
}

static int signing_write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t done = 0;
	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return close(fd);
}

static int signing_read_file(ln_buf *out, const char *path)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;
	ln_buf_clear(out);
	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ln_buf_put(out, chunk, n);
	fclose(f);
	return ln_buf_failed(out) ? -1 : 0;
}

static int signing_dir_open(signing_dir *d, git_repository *repo, ln_error *err)
{
	memset(d, 0, sizeof(*d));
	ln_buf_printf(&d->dir, "%sleadnotes", git_repository_path(repo));
	if (ln_buf_failed(&d->dir))
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	if (mkdir(d->dir.ptr, 0700) < 0 && errno != EEXIST)
		return ln_error_set(err, LN_EIO, "cannot create %s: %s", d->dir.ptr, strerror(errno));
	ln_buf_puts(&d->dir, "/sign.XXXXXX");
	if (ln_buf_failed(&d->dir) || !mkdtemp(d->dir.ptr))
		return ln_error_set(err, LN_EIO, "cannot create a folder for signing: %s", strerror(errno));
	ln_buf_printf(&d->payload, "%s/payload", d->dir.ptr);
	ln_buf_printf(&d->sig, "%s/payload.sig", d->dir.ptr);
	ln_buf_printf(&d->out, "%s/out", d->dir.ptr);
	ln_buf_printf(&d->errs, "%s/err", d->dir.ptr);
	ln_buf_printf(&d->key, "%s/key.pub", d->dir.ptr);
	if (ln_buf_failed(&d->payload) || ln_buf_failed(&d->sig) || ln_buf_failed(&d->out) ||
		ln_buf_failed(&d->errs) || ln_buf_failed(&d->key))
		return ln_error_set(err, LN_ENOMEM, "out of memory");
	return LN_OK;
}

static void signing_dir_close(signing_dir *d)
{
	ln_buf *files[] = { &d->payload, &d->sig, &d->out, &d->errs, &d->key };
	size_t i;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i]->ptr)
			unlink(files[i]->ptr);
		ln_buf_free(files[i]);
	}
	if (d->dir.ptr)
		rmdir(d->dir.ptr);
	ln_buf_free(&d->dir);
}

/* Runs argv (argv[0] found on PATH, no shell) with stdin from in (NULL:
 * /dev/null) and stdout, stderr into out, errs. Returns the exit status,
 * or -1 when it could not run or was killed. */
static int signing_run(char *const argv[], const char *in, const char *out, const char *errs)
{
	pid_t pid = fork();
	int status = 0;
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fi = open(in ? in : "/dev/null", O_RDONLY);
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(errs, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fi < 0 || fo < 0 || fe < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The first line of what the program said on stderr, for a message. */
static void signing_first_line(char *line, size_t size, const char *errs)
{
	ln_buf text = LN_BUF_INIT;
	size_t n = 0;
	line[0] = '\0';
	if (signing_read_file(&text, errs) == 0 && text.ptr) {
		const char *p = text.ptr;
		/* skip gpg's status lines: the reason is in the others */
		while (*p && strncmp(p, "[GNUPG:]", 8) == 0) {
			const char *nl = strchr(p, '\n');
			p = nl ? nl + 1 : p + strlen(p);
		}
		while (p[n] && p[n] != '\n' && n + 1 < size) {
			line[n] = (char)((unsigned char)p[n] < 0x20 ? ' ' : p[n]);
			n++;
		}
		line[n] = '\0';
	}
	ln_buf_free(&text);
	if (!line[0])
		snprintf(line, size, "it gave no reason");
}

/* "~/x" with $HOME. */
static void signing_expand_home(ln_buf *path)
{
	const char *home = getenv("HOME");
	if (path->ptr && strncmp(path->ptr, "~/", 2) == 0 && home) {
		ln_buf full = LN_BUF_INIT;
		ln_buf_printf(&full, "%s/%s", home, path->ptr + 2);
		ln_buf_clear(path);
		ln_buf_puts(path, full.ptr ? full.ptr : "");
		ln_buf_free(&full);
	}
}

/* Signs payload as configured into *sig_out (ASCII armour). committer
 * names the default key for OpenPGP, as git uses it. */
static int signing_sign(ln_buf *sig_out, git_repository *repo, const char *payload, size_t len,
	const git_signature *committer, ln_error *err)
{
	git_config *cfg = NULL;
	signing_dir d;
	ln_buf format = LN_BUF_INIT, program = LN_BUF_INIT, key = LN_BUF_INIT;
	char why[200];
	int rc = LN_OK, status;

	memset(&d, 0, sizeof(d));
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return ln__error_from_git(err, GIT_ERROR, "cannot read the git configuration");
	signing_config_string(&format, cfg, "gpg.format");
	signing_config_string(&key, cfg, "user.signingkey");
	if ((rc = signing_dir_open(&d, repo, err)) < 0)
		goto cleanup;
	if (signing_write_file(d.payload.ptr, payload, len) < 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", d.payload.ptr, strerror(errno));
		goto cleanup;
	}
	if (!format.size || strcmp(format.ptr, "openpgp") == 0) {
		char *argv[6];
		signing_program(&program, cfg, 0);
		if (!key.size)
			ln_buf_printf(&key, "%s <%s>", committer->name, committer->email);
		if (ln_buf_failed(&program) || ln_buf_failed(&key)) {
			rc = ln_error_set(err, LN_ENOMEM, "out of memory");
			goto cleanup;
		}
		argv[0] = program.ptr;
		argv[1] = "--status-fd=2";
		argv[2] = "-bsau";
		argv[3] = key.ptr;
		argv[4] = NULL;
		status = signing_run(argv, d.payload.ptr, d.sig.ptr, d.errs.ptr);
		if (status == 0) {
			ln_buf said = LN_BUF_INIT;
			int created = signing_read_file(&said, d.errs.ptr) == 0 && said.ptr &&
				strstr(said.ptr, "[GNUPG:] SIG_CREATED ") != NULL;
			ln_buf_free(&said);
			if (!created)
				status = 1;
		}
	} else if (strcmp(format.ptr, "ssh") == 0) {
		char *argv[10];
		int n = 0, literal = 0;
		signing_program(&program, cfg, 1);
		if (!key.size) {
			rc = ln_error_set(err, LN_EINVALID, "gpg.format is ssh but user.signingkey is not set: git would not "
				"sign either; set it to your key (git config user.signingkey ~/.ssh/id_ed25519.pub); "
				"nothing was committed");
			goto cleanup;
		}
		if (strncmp(key.ptr, "key::", 5) == 0 || strncmp(key.ptr, "ssh-", 4) == 0) {
			/* a public key given literally: the agent holds the private one */
			const char *k = strncmp(key.ptr, "key::", 5) == 0 ? key.ptr + 5 : key.ptr;
			if (signing_write_file(d.key.ptr, k, strlen(k)) < 0) {
				rc = ln_error_set(err, LN_EIO, "cannot write %s: %s", d.key.ptr, strerror(errno));
				goto cleanup;
			}
			literal = 1;
		} else {
			signing_expand_home(&key);
		}
		argv[n++] = program.ptr;
		argv[n++] = "-Y";
		argv[n++] = "sign";
		argv[n++] = "-n";
		argv[n++] = "git";
		argv[n++] = "-f";
		argv[n++] = literal ? d.key.ptr : key.ptr;
		if (literal)
			argv[n++] = "-U";
		argv[n++] = d.payload.ptr;
		argv[n] = NULL;
		status = signing_run(argv, NULL, d.out.ptr, d.errs.ptr);
	} else {
		rc = ln_error_set(err, LN_EINVALID, "gpg.format is '%s': leadnotes signs with openpgp or ssh only; "
			"nothing was committed", format.ptr);
		goto cleanup;
	}
	if (status != 0) {
		signing_first_line(why, sizeof(why), d.errs.ptr);
		rc = ln_error_set(err, LN_ERROR, "signing is asked for (gpg.format %s) but %s could not sign: %s; "
			"nothing was committed", format.size ? format.ptr : "openpgp", program.ptr,
			status < 0 ? "it could not be run" : status == 127 ? "it was not found" : why);
		goto cleanup;
	}
	if (signing_read_file(sig_out, d.sig.ptr) < 0 || !sig_out->size) {
		rc = ln_error_set(err, LN_ERROR, "%s made no signature; nothing was committed", program.ptr);
		goto cleanup;
	}

cleanup:
	signing_dir_close(&d);
	ln_buf_free(&format);
	ln_buf_free(&program);
	ln_buf_free(&key);
	git_config_free(cfg);
	return rc;
}

int ln_signing_commit_create(git_oid *out, git_repository *repo, const git_signature *author,
	const git_signature *committer, const char *message, const git_tree *tree, size_t parent_count,
	const git_commit *parents[], ln_error *err)
{
	git_buf content = GIT_BUF_INIT;
	ln_buf sig = LN_BUF_INIT;
	int rc = LN_OK;

	if (!ln_signing_wanted(repo, "commit")) {
		if (git_commit_create(out, repo, NULL, author, committer, NULL, message, tree, parent_count, parents) < 0)
			return ln__error_from_git(err, GIT_ERROR, "cannot write the commit");
		return LN_OK;
	}
	if (git_commit_create_buffer(&content, repo, author, committer, NULL, message, tree, parent_count, parents) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "cannot write the commit");
		goto cleanup;
	}
	if ((rc = signing_sign(&sig, repo, content.ptr, content.size, committer, err)) < 0)
		goto cleanup;
	if (git_commit_create_with_signature(out, repo, content.ptr, sig.ptr, NULL) < 0)
		rc = ln__error_from_git(err, GIT_ERROR, "cannot write the signed commit");

cleanup:
	git_buf_dispose(&content);
	ln_buf_free(&sig);
	return rc;
}

int ln_signing_tag_create(git_oid *out, git_repository *repo, const char *name, const git_object *target,
	const git_signature *tagger, const char *message, ln_error *err)
{
	git_odb *odb = NULL;
	git_reference *ref = NULL;
	ln_buf content = LN_BUF_INIT, sig = LN_BUF_INIT, refname = LN_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	int offset = tagger->when.offset, rc = LN_OK;

	if (!ln_signing_wanted(repo, "tag")) {
		if (git_tag_create(out, repo, name, target, tagger, message, 0) < 0)
			return ln__error_from_git(err, GIT_ERROR, "cannot create the tag");
		return LN_OK;
	}
	git_oid_tostr(hex, sizeof(hex), git_object_id(target));
	ln_buf_printf(&content, "object %s\ntype %s\ntag %s\ntagger %s <%s> %lld %c%02d%02d\n\n%s", hex,
		git_object_type2string(git_object_type(target)), name, tagger->name, tagger->email,
		(long long)tagger->when.time, offset < 0 ? '-' : '+', (offset < 0 ? -offset : offset) / 60,
		(offset < 0 ? -offset : offset) % 60, message);
	if (content.size && content.ptr[content.size - 1] != '\n')
		ln_buf_putc(&content, '\n');
	ln_buf_printf(&refname, "refs/tags/%s", name);
	if (ln_buf_failed(&content) || ln_buf_failed(&refname)) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if ((rc = signing_sign(&sig, repo, content.ptr, content.size, tagger, err)) < 0)
		goto cleanup;
	ln_buf_put(&content, sig.ptr, sig.size);
	if (ln_buf_failed(&content)) {
		rc = ln_error_set(err, LN_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (git_repository_odb(&odb, repo) < 0 || git_odb_write(out, odb, content.ptr, content.size, GIT_OBJECT_TAG) < 0 ||
		git_reference_create(&ref, repo, refname.ptr, out, 0, "leadnotes seal (signed)") < 0)
		rc = ln__error_from_git(err, GIT_ERROR, "cannot create the signed tag");

cleanup:
	git_reference_free(ref);
	git_odb_free(odb);
	ln_buf_free(&content);
	ln_buf_free(&sig);
	ln_buf_free(&refname);
	return rc;
}

/* Splits a raw tag into the signed part and its signature (a line that
 * begins one of the armours); 0 when it has none. */
static int signing_split_tag(const char *data, size_t len, size_t *payload_len)
{
	size_t i;
	for (i = 0; i < len; i++) {
		if ((i == 0 || data[i - 1] == '\n') &&
			((len - i >= strlen(SIGNING_PGP_BEGIN) && memcmp(data + i, SIGNING_PGP_BEGIN, strlen(SIGNING_PGP_BEGIN)) == 0) ||
			 (len - i >= strlen(SIGNING_SSH_BEGIN) && memcmp(data + i, SIGNING_SSH_BEGIN, strlen(SIGNING_SSH_BEGIN)) == 0))) {
			*payload_len = i;
			return 1;
		}
	}
	return 0;
}

/* Checks sig over payload with the program for its armour. */
static int signing_check(ln_signature_state *state, char **detail, git_repository *repo, const char *payload,
	size_t payload_len, const char *sig, size_t sig_len, ln_error *err)
{
	git_config *cfg = NULL;
	signing_dir d;
	ln_buf program = LN_BUF_INIT, allowed = LN_BUF_INIT, said = LN_BUF_INIT, principal = LN_BUF_INIT;
	char line[200];
	int rc = LN_OK, status, ssh = sig_len >= strlen(SIGNING_SSH_BEGIN) &&
		memcmp(sig, SIGNING_SSH_BEGIN, strlen(SIGNING_SSH_BEGIN)) == 0;

	memset(&d, 0, sizeof(d));
	*state = LN_SIGNATURE_UNCHECKED;
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return ln__error_from_git(err, GIT_ERROR, "cannot read the git configuration");
	if ((rc = signing_dir_open(&d, repo, err)) < 0)
		goto cleanup;
	if (signing_write_file(d.payload.ptr, payload, payload_len) < 0 || signing_write_file(d.sig.ptr, sig, sig_len) < 0) {
		rc = ln_error_set(err, LN_EIO, "cannot write in %s: %s", d.dir.ptr, strerror(errno));
		goto cleanup;
	}
	if (!ssh) {
		char *argv[6] = { NULL, "--status-fd=1", "--verify", NULL, "-", NULL };
		signing_program(&program, cfg, 0);
		argv[0] = program.ptr;
		argv[3] = d.sig.ptr;
		status = signing_run(argv, d.payload.ptr, d.out.ptr, d.errs.ptr);
		signing_read_file(&said, d.out.ptr);
		if (said.ptr && strstr(said.ptr, "[GNUPG:] BADSIG ")) {
			*state = LN_SIGNATURE_BAD;
			if (detail)
				*detail = ln__strdup("the OpenPGP signature does not match");
		} else if (status == 0 && said.ptr && strstr(said.ptr, "[GNUPG:] GOODSIG ")) {
			const char *who = strstr(said.ptr, "[GNUPG:] GOODSIG ") + 17;
			const char *nl = strchr(who, '\n');
			*state = LN_SIGNATURE_GOOD;
			if (detail) {
				ln_buf_printf(&principal, "good OpenPGP signature by %.*s", (int)(nl ? nl - who : (long)strlen(who)), who);
				*detail = ln_buf_detach(&principal);
			}
		} else {
			signing_first_line(line, sizeof(line), d.errs.ptr);
			if (detail) {
				ln_buf_printf(&principal, "signed with OpenPGP, not checked here: %s", line);
				*detail = ln_buf_detach(&principal);
			}
		}
	} else {
		signing_program(&program, cfg, 1);
		signing_config_string(&allowed, cfg, "gpg.ssh.allowedSignersFile");
		signing_expand_home(&allowed);
		if (allowed.size) {
			char *find[] = { program.ptr, "-Y", "find-principals", "-f", allowed.ptr, "-s", d.sig.ptr, NULL };
			if (signing_run(find, NULL, d.out.ptr, d.errs.ptr) == 0 && signing_read_file(&principal, d.out.ptr) == 0 &&
				principal.size) {
				char *nl = strchr(principal.ptr, '\n');
				char *verify[] = { program.ptr, "-Y", "verify", "-f", allowed.ptr, "-I", principal.ptr, "-n", "git",
					"-s", d.sig.ptr, NULL };
				if (nl)
					*nl = '\0';
				status = signing_run(verify, d.payload.ptr, d.out.ptr, d.errs.ptr);
				*state = status == 0 ? LN_SIGNATURE_GOOD : LN_SIGNATURE_BAD;
				if (detail) {
					ln_buf_printf(&said, status == 0 ? "good SSH signature by %s" :
						"the SSH signature by %s does not match", principal.ptr);
					*detail = ln_buf_detach(&said);
				}
				goto cleanup;
			}
		}
		/* no allowed signers (or none of them): the signature can still be
		 * checked against the object, not its signer */
		{
			char *check[] = { program.ptr, "-Y", "check-novalidate", "-n", "git", "-s", d.sig.ptr, NULL };
			status = signing_run(check, d.payload.ptr, d.out.ptr, d.errs.ptr);
		}
		*state = status == 0 ? LN_SIGNATURE_UNCHECKED : LN_SIGNATURE_BAD;
		if (detail)
			*detail = ln__strdup(status == 0 ? "the SSH signature matches; its signer is not checked (no "
				"gpg.ssh.allowedSignersFile lists it)" : "the SSH signature does not match");
	}

cleanup:
	signing_dir_close(&d);
	ln_buf_free(&program);
	ln_buf_free(&allowed);
	ln_buf_free(&said);
	ln_buf_free(&principal);
	git_config_free(cfg);
	return rc;
}

int ln_signing_verify(ln_signature_state *state, char **detail, git_repository *repo, const git_oid *id,
	ln_error *err)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
	int rc = LN_OK;

	*state = LN_SIGNATURE_NONE;
	if (detail)
		*detail = NULL;
	if (git_repository_odb(&odb, repo) < 0 || git_odb_read(&obj, odb, id) < 0) {
		rc = ln__error_from_git(err, GIT_ERROR, "cannot read the object to verify");
		goto cleanup;
	}
	if (git_odb_object_type(obj) == GIT_OBJECT_COMMIT) {
		int found = git_commit_extract_signature(&sig, &data, repo, (git_oid *)id, NULL);
		if (found == GIT_ENOTFOUND)
			goto cleanup;
		if (found < 0) {
			rc = ln__error_from_git(err, GIT_ERROR, "cannot read the commit's signature");
			goto cleanup;
		}
		rc = signing_check(state, detail, repo, data.ptr, data.size, sig.ptr, sig.size, err);
	} else if (git_odb_object_type(obj) == GIT_OBJECT_TAG) {
		const char *raw = git_odb_object_data(obj);
		size_t len = git_odb_object_size(obj), payload_len = 0;
		if (signing_split_tag(raw, len, &payload_len))
			rc = signing_check(state, detail, repo, raw, payload_len, raw + payload_len, len - payload_len, err);
	}

cleanup:
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	git_odb_object_free(obj);
	git_odb_free(odb);
	return rc;
}
