/* Shared fixtures of the C unit tests; see helpers.h. */
#include "helpers.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char *vrun(int *status, const char *fmt, va_list ap)
{
	char cmd[4096], chunk[4096];
	char *data = calloc(1, 1);
	size_t len = 0, n;
	FILE *p;
	int rc;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	if (!data)
		abort();
	if (!(p = popen(cmd, "r"))) {
		*status = -1;
		return data;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
		char *grown = realloc(data, len + n + 1);
		if (!grown)
			abort();
		data = grown;
		memcpy(data + len, chunk, n);
		len += n;
		data[len] = '\0';
	}
	rc = pclose(p);
	*status = rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	return data;
}

char *th_run(int *status, const char *fmt, ...)
{
	va_list ap;
	char *data;

	va_start(ap, fmt);
	data = vrun(status, fmt, ap);
	va_end(ap);
	return data;
}

char *th_out(const char *fmt, ...)
{
	va_list ap;
	char *data;
	int status;

	va_start(ap, fmt);
	data = vrun(&status, fmt, ap);
	va_end(ap);
	return data;
}

int th_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int th_write_file(const char *path, const void *data, size_t len)
{
	char parents[4096];
	char *slash;
	FILE *f;
	int ok;

	snprintf(parents, sizeof(parents), "%s", path);
	for (slash = strchr(parents + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(parents, 0700);
		*slash = '/';
	}
	if (!(f = fopen(path, "wb"))) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	if (!ok)
		fprintf(stderr, "cannot write %s\n", path);
	return ok ? 0 : -1;
}

char *th_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)size + 1);
		if (data && fread(data, 1, (size_t)size, f) == (size_t)size) {
			data[size] = '\0';
			if (len)
				*len = (size_t)size;
		} else {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	return data;
}

int th_tmpdir(char *out, size_t size, const char *tag)
{
	if ((size_t)snprintf(out, size, "/tmp/leadnotes-ctest-%s-XXXXXX", tag) >= size || !mkdtemp(out)) {
		fprintf(stderr, "cannot make a temporary folder for %s: %s\n", tag, strerror(errno));
		out[0] = '\0';
		return -1;
	}
	return 0;
}

void th_remove_tree(const char *dir)
{
	if (dir[0] != '\0')
		th_sh("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
}

void th_finish_tmpdir(const char *tmp, int failed)
{
	if (!failed && !getenv("LEADNOTES_KEEP_TMP"))
		th_remove_tree(tmp);
	else
		fprintf(stderr, "kept %s\n", tmp);
}

int th_fsck_ok(const char *dir)
{
	int status;
	char *out = th_run(&status, "git -C '%s' fsck --strict 2>&1", dir);
	int ok = status == 0 && !strstr(out, "error");

	if (!ok)
		fprintf(stderr, "git fsck --strict %s:\n%s\n", dir, out);
	free(out);
	return ok;
}

int th_status_clean(const char *dir)
{
	int status;
	char *out = th_run(&status, "git -C '%s' status --porcelain 2>&1", dir);
	int clean = status == 0 && out[0] == '\0';

	if (!clean)
		fprintf(stderr, "git status of %s:\n%s\n", dir, out);
	free(out);
	return clean;
}
