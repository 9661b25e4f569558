/* The assertion macro and tally every C unit test shares. Each test file
 * includes this once and ends main() with `return check_report();`. */
#ifndef LEADNOTES_TEST_CHECK_H
#define LEADNOTES_TEST_CHECK_H

#include <stdio.h>

static int passed, failed;

/* Counts a check; a failed one is printed with its place and its name. */
#define CHECK(cond, name)                                                    \
	do {                                                                     \
		if (cond) {                                                          \
			passed++;                                                        \
		} else {                                                             \
			failed++;                                                        \
			fprintf(stderr, "FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, name, #cond); \
		}                                                                    \
	} while (0)

/* Prints the tally; main() returns this: 0 when every check passed, else 1. */
static inline int check_report(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#endif
