/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A tiny table-driven unit-test harness: TEST() defines a case, CHECK*()
 * record failures without stopping the case, RUN_TESTS() runs them all and
 * prints "N passed, N failed". */
#ifndef OI_TEST_HARNESS_H
#define OI_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int test_case_failed;

#define TEST(name) static void name(void)

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			__LINE__, #cond); \
		test_case_failed = 1; \
	} \
} while (0)

#define CHECK_STREQ(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) { \
		fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", \
			__FILE__, __LINE__, #a, #b, \
			check_a_ ? check_a_ : "(null)", \
			check_b_ ? check_b_ : "(null)"); \
		test_case_failed = 1; \
	} \
} while (0)

#define CHECK_INTEQ(a, b) do { \
	long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
	if (check_a_ != check_b_) { \
		fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", \
			__FILE__, __LINE__, #a, #b, check_a_, check_b_); \
		test_case_failed = 1; \
	} \
} while (0)

struct test_entry {
	const char *name;
	void (*fn)(void);
};

static inline int test_run_all(const struct test_entry *tests, size_t n)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		test_case_failed = 0;
		tests[i].fn();
		if (test_case_failed) {
			fprintf(stderr, "FAIL: %s\n", tests[i].name);
			failed++;
		} else {
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define RUN_TESTS(...) \
int main(void) \
{ \
	void (*fns_[])(void) = { __VA_ARGS__ }; \
	static const char names_[] = #__VA_ARGS__; \
	struct test_entry entries_[sizeof(fns_) / sizeof(fns_[0])]; \
	static char namebuf_[sizeof(names_)]; \
	memcpy(namebuf_, names_, sizeof(names_)); \
	char *save_ = NULL, *tok_ = strtok_r(namebuf_, ", \t\n", &save_); \
	for (size_t i_ = 0; i_ < sizeof(fns_) / sizeof(fns_[0]); i_++) { \
		entries_[i_].fn = fns_[i_]; \
		entries_[i_].name = tok_ ? tok_ : "?"; \
		tok_ = strtok_r(NULL, ", \t\n", &save_); \
	} \
	return test_run_all(entries_, sizeof(fns_) / sizeof(fns_[0])); \
}

#endif
