/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mbnames file text: SPEC 5.12's sample settings byte for byte, the
 * two-argument folderfilter, de-duplication and account order. */
#include <stdlib.h>
#include <string.h>

#include "cfgexpr.h"
#include "config.h"
#include "harness.h"
#include "mbnames.h"

static char *text_for(const char *extra, const char *const *accounts,
		      const char *const (*pairs)[2], size_t n)
{
	char *conf = NULL;
	if (asprintf(&conf,
		     "[general]\naccounts = Work, Home\n\n"
		     "[mbnames]\nenabled = yes\nfilename = /nonexistent/mb\n"
		     "header = \"mailboxes \"\n"
		     "peritem = \"+%%(accountname)s/%%(foldername)s\"\n"
		     "sep = \" \"\nfooter = \"\\n\"\n%s", extra) < 0)
		return NULL;
	char *err = NULL;
	struct config *cfg = config_parse("test.rc", conf, &err);
	free(conf);
	if (!cfg) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return NULL;
	}
	char *text = NULL;
	if (cfgexpr_init(cfg, (const char *const[]){ NULL }, NULL, &err) < 0 ||
	    mbnames_init(cfg, accounts, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
	} else {
		for (size_t i = 0; i < n; i++)
			mbnames_add(pairs[i][0], pairs[i][1]);
		text = mbnames_text();
	}
	mbnames_free();
	cfgexpr_free();
	config_free(&cfg);
	return text;
}

TEST(test_sample_settings)
{
	static const char *const pairs[][2] = {
		{ "Work", "INBOX" }, { "Work", "Sent" }, { "Work", "INBOX" },
	};
	char *t = text_for("", (const char *const[]){ "Work", NULL }, pairs,
			   3);
	CHECK_STREQ(t, "mailboxes \"+Work/INBOX\" \"+Work/Sent\"\n");
	free(t);
}

TEST(test_account_order_and_filter)
{
	static const char *const pairs[][2] = {
		{ "Home", "INBOX" }, { "Work", "INBOX" }, { "Work", "Trash" },
		{ "Home", "Spam" },
	};
	char *t = text_for("folderfilter = lambda acct, f: f not in "
			   "('Trash', 'Spam')\n",
			   (const char *const[]){ "Work", "Home", NULL },
			   pairs, 4);
	CHECK_STREQ(t, "mailboxes \"+Work/INBOX\" \"+Home/INBOX\"\n");
	free(t);
}

TEST(test_disabled)
{
	char *err = NULL;
	struct config *cfg = config_parse("t", "[general]\naccounts = A\n",
					  &err);
	CHECK(cfg != NULL);
	CHECK_INTEQ(mbnames_init(cfg, (const char *const[]){ "A", NULL },
				 &err), 0);
	mbnames_add("A", "INBOX");
	CHECK(mbnames_text() == NULL);
	CHECK_INTEQ(mbnames_write(), 0);
	mbnames_free();
	config_free(&cfg);
}

RUN_TESTS(test_sample_settings, test_account_order_and_filter, test_disabled)
