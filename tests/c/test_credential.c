/* credential.c and ssh_transport.c without a server: which URLs go to
 * ssh, and credentials redacted out of messages. The servers are in
 * tests/lua/remote_ssh_spec.lua and remote_http_spec.lua. */
#include "check.h"
#include "leadnotes/credential.h"
#include "leadnotes/ssh.h"

#include <stdlib.h>
#include <string.h>

static int redacts_to(const char *text, const char *expected)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", text);
	ln_credential_redact(buf, sizeof(buf));
	if (strcmp(buf, expected) != 0)
		fprintf(stderr, "  redacted: %s\n  expected: %s\n", buf, expected);
	return strcmp(buf, expected) == 0;
}

int main(void)
{
	char small[24];
	char *cmd = NULL;
	int shell = -1;

	CHECK(ln_ssh_url_is_ssh("ssh://git@forge.example/me/notes.git"), "ssh:// is SSH");
	CHECK(ln_ssh_url_is_ssh("git+ssh://host/notes.git") && ln_ssh_url_is_ssh("ssh+git://host/x"),
		"git+ssh:// and ssh+git:// are SSH");
	CHECK(ln_ssh_url_is_ssh("me@server:notes.git") && ln_ssh_url_is_ssh("notes-alias:notes.git"),
		"scp-like host:path is SSH, a Host alias too");
	CHECK(ln_ssh_url_is_ssh("[::1]:notes.git"), "an IPv6 scp-like address is SSH");
	CHECK(!ln_ssh_url_is_ssh("/srv/notes.git") && !ln_ssh_url_is_ssh("./a:b/notes.git"),
		"a path, even with a ':' after a '/', is not SSH");
	CHECK(!ln_ssh_url_is_ssh("https://forge.example/notes.git") && !ln_ssh_url_is_ssh("file:///srv/x") &&
		!ln_ssh_url_is_ssh("git://host/x") && !ln_ssh_url_is_ssh("") && !ln_ssh_url_is_ssh(NULL),
		"https, file, git URLs and nothing are not SSH");

	unsetenv("GIT_SSH");
	setenv("GIT_SSH_COMMAND", "ssh -F /dev/null", 1);
	CHECK(ln_ssh_command(&cmd, &shell, NULL) == 0 && strcmp(cmd, "ssh -F /dev/null") == 0 && shell == 1,
		"GIT_SSH_COMMAND is a shell command line");
	free(cmd);
	unsetenv("GIT_SSH_COMMAND");
	setenv("GIT_SSH", "/usr/bin/ssh", 1);
	CHECK(ln_ssh_command(&cmd, &shell, NULL) == 0 && strcmp(cmd, "/usr/bin/ssh") == 0 && shell == 0,
		"GIT_SSH is a program");
	free(cmd);
	unsetenv("GIT_SSH");
	CHECK(ln_ssh_command(&cmd, &shell, NULL) == 0 && strcmp(cmd, "ssh") == 0 && shell == 0, "else ssh");
	free(cmd);

	CHECK(redacts_to("cannot fetch from 'origin' (https://alice:s3cret-token@forge.example/n.git): 401",
		"cannot fetch from 'origin' (https://alice:***@forge.example/n.git): 401"),
		"a password in an https URL is redacted, the user name kept");
	CHECK(redacts_to("http://ghp_abcdef@forge.example/n.git and https://x:y@h/p",
		"http://***@forge.example/n.git and https://x:***@h/p"),
		"a lone token as the user of an http URL is redacted; every URL in the text");
	CHECK(redacts_to("ssh://git@forge.example/n.git", "ssh://git@forge.example/n.git"),
		"an SSH user name is no secret and stays");
	CHECK(redacts_to("ssh://git:pw@host/n.git", "ssh://git:***@host/n.git"), "an SSH password is redacted");
	CHECK(redacts_to("no URL here: a@b, x://", "no URL here: a@b, x://"), "text without a URL is left alone");
	snprintf(small, sizeof(small), "https://u:pw@h/x");
	ln_credential_redact(small, sizeof(small));
	CHECK(strcmp(small, "https://u:***@h/x") == 0, "a redaction that grows the text fits its buffer");
	{
		char text[64] = "see https://u:p@host.example/long/path";
		ln_credential_redact(text, 24);
		CHECK(strlen(text) == 23 && !strstr(text, ":p@"), "a longer result is cut to the size given, never overflows");
	}

	return check_report();
}
