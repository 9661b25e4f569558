/* leadnotes: the prompt bank (templates/prompts.org and the user's own
 * file) and the choice of one prompt for a person, a context and a day. */
#ifndef LEADNOTES_PROMPTS_H
#define LEADNOTES_PROMPTS_H

#include <stddef.h>

#include "leadnotes/common.h"

/* The eight duties of a manager, as bits. */
enum {
	LN_DUTY_HIRING = 1u << 0,
	LN_DUTY_COMMUNICATING = 1u << 1,
	LN_DUTY_PLANNING = 1u << 2,
	LN_DUTY_ORGANIZING = 1u << 3,
	LN_DUTY_TRAINING = 1u << 4,
	LN_DUTY_MONITORING = 1u << 5,
	LN_DUTY_EVALUATING = 1u << 6,
	LN_DUTY_FIRING = 1u << 7
};
#define LN_DUTY_COUNT 8

/* Managing (responsibility, process, outcomes, control) and leading
 * (vision, example, influence, trust, inspiring), as bits. */
enum { LN_KIND_MANAGE = 1u << 0, LN_KIND_LEAD = 1u << 1 };

/* Where a prompt fits, as bits. */
enum {
	LN_CONTEXT_ONE_ON_ONE = 1u << 0,
	LN_CONTEXT_EVALUATION = 1u << 1,
	LN_CONTEXT_WEEKLY = 1u << 2,     /* the manager's weekly reflection */
	LN_CONTEXT_ONBOARDING = 1u << 3  /* a report's first months, or the manager's own */
};
#define LN_CONTEXT_COUNT 4

/* One prompt. Its strings live as long as the bank that holds it. */
typedef struct ln_prompt {
	const char *id;   /* stable id from the :ID: property */
	const char *text; /* the headline without its tags */
	unsigned duties;  /* LN_DUTY_* bits */
	unsigned kinds;   /* LN_KIND_* bits */
	unsigned contexts; /* LN_CONTEXT_* bits */
	int line;         /* 1-based line of the headline in its file */
	int enabled;      /* 0 once switched off by ln_prompts_disable */
} ln_prompt;

typedef struct ln_prompts ln_prompts;

/* Makes an empty bank in *out; the caller frees it with ln_prompts_free.
 * Returns 0 or LN_ENOMEM. */
LN_API int ln_prompts_new(ln_prompts **out);

/* Releases the bank and every prompt in it; bank may be NULL. */
LN_API void ln_prompts_free(ln_prompts *bank);

/* Adds the prompts of one org file (len bytes of text, NUL bytes allowed)
 * to the bank, which copies what it keeps: every headline with an :ID:
 * property in the drawer right under it is a prompt; its tags give duties,
 * kinds and contexts (unknown tags are ignored). A prompt whose id is
 * already in the bank replaces it. Returns 0; LN_EPARSE with err's line set
 * and the bank unchanged on a malformed id, a prompt without text or an id
 * given twice in the same text; LN_ENOMEM. */
LN_API int ln_prompts_parse(ln_prompts *bank, const char *text, size_t len, ln_error *err);

/* Switches the prompt with this id off. Returns 0 or LN_ENOTFOUND. */
LN_API int ln_prompts_disable(ln_prompts *bank, const char *id);

/* How many prompts the bank holds, enabled or not. */
LN_API size_t ln_prompts_count(const ln_prompts *bank);

/* The i-th prompt (0-based) in the order prompts were first added,
 * borrowed from the bank until it is freed or the prompt is replaced; NULL
 * past the end. */
LN_API const ln_prompt *ln_prompts_at(const ln_prompts *bank, size_t i);

/* The prompt with this id, or NULL. Borrowed from the bank, as
 * ln_prompts_at's. */
LN_API const ln_prompt *ln_prompts_find(const ln_prompts *bank, const char *id);

/* The name of a single LN_DUTY_* bit ("hiring", "communicating"...), a
 * static string; NULL for anything else. */
LN_API const char *ln_prompts_duty_name(unsigned duty);

/* The name of a single LN_KIND_* bit, "manage" or "lead", a static
 * string; NULL for anything else. */
LN_API const char *ln_prompts_kind_name(unsigned kind);

/* The name of a single LN_CONTEXT_* bit ("one-on-one", "evaluation",
 * "weekly", "onboarding"), a static string; NULL for anything else. */
LN_API const char *ln_prompts_context_name(unsigned context);

/* The LN_DUTY_* bit named name (as ln_prompts_duty_name gives it), or 0. */
LN_API unsigned ln_prompts_duty_bit(const char *name);

/* The LN_CONTEXT_* bit named name (as ln_prompts_context_name gives it,
 * or "one_on_one"), or 0. */
LN_API unsigned ln_prompts_context_bit(const char *name);

/* What a choice is made from. */
typedef struct ln_prompt_query {
	unsigned context;          /* one LN_CONTEXT_* bit, or 0 for any */
	const char *person;        /* part of the seed; NULL is "" */
	const char *date;          /* YYYY-MM-DD, part of the seed; required */
	unsigned prefer_duties;    /* each bit a preference (training on a career gap) */
	unsigned prefer_contexts;  /* each bit a preference (onboarding in the first 90 days) */
	const char *const *seen;   /* ids shown to this person recently */
	size_t nseen;
} ln_prompt_query;

/* Chooses one enabled prompt into *out (borrowed from the bank). The pool
 * is every enabled prompt not in q->seen (all enabled ones once none is
 * left unseen), narrowed by each preference in turn when that leaves at
 * least one: evaluating duty for the evaluation context, each bit of
 * prefer_contexts, each bit of prefer_duties, then prompts tagged with
 * q->context. The pick is a hash of person, context and date, so the same
 * query gives the same prompt. Returns 0, LN_EINVALID for a malformed date
 * or LN_ENOTFOUND when no prompt is enabled. */
LN_API int ln_prompts_select(const ln_prompt **out, const ln_prompts *bank, const ln_prompt_query *q,
	ln_error *err);

#endif
