/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for Maildir message file names: flag sets, every name 4.0
 * wrote or read parsing to 4.0's UID, FMD5 and flags, building, renaming
 * for flag changes and the new/ versus cur/ rules. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "maildir/names.h"
#include "util.h"

#define H_INBOX "7e33429f656f1e6e9d79b29c3f82c57e"

static char *letters(uint64_t flags)
{
	static char buf[MAILDIR_FLAGS_BUFSIZE];
	maildir_flags_format(flags, buf);
	return buf;
}

TEST(test_flags)
{
	uint64_t f = 0;
	CHECK_INTEQ(maildir_flags_parse("SR", 2, &f), 0);
	CHECK(f == (MAILDIR_FLAG('R') | MAILDIR_FLAG('S')));
	CHECK_STREQ(letters(f), "RS");
	CHECK_INTEQ(maildir_flags_parse("TSRFDa", 6, &f), 0);
	CHECK_STREQ(letters(f), "DFRSTa");
	CHECK_INTEQ(maildir_flags_parse("zaZA", 4, &f), 0);
	CHECK_STREQ(letters(f), "AZaz");
	CHECK_INTEQ(maildir_flags_parse("SS", 2, &f), 0);
	CHECK_STREQ(letters(f), "S");
	CHECK_INTEQ(maildir_flags_parse("", 0, &f), 0);
	CHECK(f == 0);
	CHECK_STREQ(letters(0), "");
	f = 42;
	CHECK_INTEQ(maildir_flags_parse("S,", 2, &f), -1);
	CHECK_INTEQ(maildir_flags_parse("1", 1, &f), -1);
	CHECK_INTEQ(f, 42);
	CHECK_STREQ(letters(MAILDIR_FLAGS_ALL),
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
	CHECK_STREQ(letters(MAILDIR_FLAGS_STANDARD), "DFRST");
	CHECK(MAILDIR_FLAG('1') == 0 && MAILDIR_FLAG('[') == 0);
}

TEST(test_fmd5)
{
	char h[33];
	maildir_fmd5("INBOX", h);
	CHECK_STREQ(h, H_INBOX);
	maildir_fmd5("INBOX.Sent", h);
	CHECK_STREQ(h, "dd2c1d98c3e9c5f84458a490730ccd62");
	maildir_fmd5("INBOX/Sent", h);
	CHECK_STREQ(h, "82b8e639575e0913bfbc1a06702d22fd");
}

/* Names 4.0 wrote (or found written by others and read), with what 4.0's
 * searches make of them and what we make of them. */
static const struct {
	const char *name;
	char infosep;
	unsigned long uid;	/* 0: none */
	const char *fmd5;	/* NULL: none */
	const char *upper40;	/* 4.0's flag letters */
	const char *flags;	/* ours: 4.0's plus keywords/unsorted */
	size_t base_len;	/* where the info part starts */
} table40[] = {
	/* The SPEC 5.6 example. */
	{ "1136073600_0.4242.laptop,U=1234,FMD5=" H_INBOX ":2,RS", ':',
	  1234, H_INBOX, "RS", "RS", 69 },
	/* Every flag, none, one. */
	{ "1136073600_0.4242.laptop,U=1,FMD5=" H_INBOX ":2,DFRST", ':',
	  1, H_INBOX, "DFRST", "DFRST", 66 },
	{ "1136073600_3.4242.laptop,U=99,FMD5=" H_INBOX ":2,", ':',
	  99, H_INBOX, "", "", 67 },
	{ "1136073600_12.17.host.example.org,U=4294967295,FMD5=" H_INBOX
	  ":2,S", ':', 4294967295UL, H_INBOX, "S", "S", 84 },
	/* 4.0's name before its flags rename (5.7 step 5). */
	{ "1136073600_0.4242.laptop,U=1234,FMD5=" H_INBOX, ':',
	  1234, H_INBOX, "", "", 69 },
	/* 4.0 renamed Dovecot's ":2,Sa" to ":a2,S" (5.9 quirk). */
	{ "1136073600_0.4242.laptop,U=8,FMD5=" H_INBOX ":a2,RS", ':',
	  8, H_INBOX, "RS", "RSa", 66 },
	/* An unsanitised 4.0 host name with a colon. */
	{ "1136073600_0.4242.my:host,U=5,FMD5=" H_INBOX ":2,FS", ':',
	  5, H_INBOX, "FS", "FS", 67 },
	/* ... and sanitised, as later versions write it. */
	{ "1136073600_0.4242.my\\072host,U=5,FMD5=" H_INBOX ":2,FS", ':',
	  5, H_INBOX, "FS", "FS", 70 },
	/* Unknown upper-case letter (P, passed) kept. */
	{ "1136073600_0.4242.laptop,U=6,FMD5=" H_INBOX ":2,PS", ':',
	  6, H_INBOX, "PS", "PS", 66 },
	/* Unsorted letters (hand-made). */
	{ "1136073600_0.4242.laptop,U=6,FMD5=" H_INBOX ":2,SR", ':',
	  6, H_INBOX, "RS", "RS", 66 },
	/* A message of another folder (FMD5 of INBOX.Sent). */
	{ "1136073600_0.4242.laptop,U=6,FMD5=dd2c1d98c3e9c5f84458a490730ccd62"
	  ":2,S", ':', 6, "dd2c1d98c3e9c5f84458a490730ccd62", "S", "S", 66 },
	/* MUA deliveries: plain, Dovecot (S=, W=, keywords), mbsync. */
	{ "1136073600.12345_1.host", ':', 0, NULL, "", "", 23 },
	{ "1136073600.M123P456.host,S=1234,W=1260:2,Sab", ':',
	  0, NULL, "S", "Sab", 38 },
	{ "1136073600.M123P456.host,S=1234,W=1260:2,", ':',
	  0, NULL, "", "", 38 },
	{ "1136073600.R123.host,U=55:2,S", ':', 55, NULL, "S", "S", 25 },
	/* Later versions with maildir-windows-compatible. */
	{ "1136073600_0.4242.laptop,U=5,FMD5=" H_INBOX "!2,RS", '!',
	  5, H_INBOX, "RS", "RS", 66 },
	/* The same name read with ':' (as 4.0 would): no flags. */
	{ "1136073600_0.4242.laptop,U=5,FMD5=" H_INBOX "!2,RS", ':',
	  5, H_INBOX, "", "", 71 },
	/* Odd but readable: a later ",U=" after a non-numeric one; an
	 * upper-case hash does not count; a 31-digit one neither. */
	{ "x,U=abc,U=12:2,S", ':', 12, NULL, "S", "S", 12 },
	{ "x,U=3,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,S", ':',
	  3, NULL, "S", "S", 43 },
	{ "x,U=3,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,S", ':',
	  3, NULL, "S", "S", 42 },
	/* Only the last "2," of the info counts; none before the ':'. */
	{ "x:2,S:2,R", ':', 0, NULL, "R", "R", 1 },
	{ "a2,S:b", ':', 0, NULL, "", "", 6 },
	/* Leading zeros. */
	{ "x,U=007,FMD5=" H_INBOX ":2,S", ':', 7, H_INBOX, "S", "S", 45 },
};

TEST(test_names_40)
{
	for (size_t i = 0; i < ARRAY_SIZE(table40); i++) {
		struct maildir_name n;
		maildir_name_parse(table40[i].name, table40[i].infosep, &n);
		if (table40[i].uid) {
			CHECK(n.has_uid);
			CHECK_INTEQ(n.uid, table40[i].uid);
		} else {
			CHECK(!n.has_uid);
		}
		if (table40[i].fmd5) {
			CHECK(n.has_fmd5);
			CHECK_STREQ(n.fmd5, table40[i].fmd5);
		} else {
			CHECK(!n.has_fmd5);
		}
		CHECK_STREQ(letters(n.flags), table40[i].flags);
		/* Every 4.0 upper-case letter is ours too. */
		uint64_t up = 0;
		CHECK_INTEQ(maildir_flags_parse(table40[i].upper40,
						strlen(table40[i].upper40),
						&up), 0);
		CHECK((n.flags & up) == up);
		CHECK_INTEQ(n.base_len, table40[i].base_len);
		if (test_case_failed) {
			fprintf(stderr, "  in \"%s\"\n", table40[i].name);
			return;
		}
	}
}

/* For names this program and 4.0 produce, the upper-case letters are
 * exactly 4.0's. */
TEST(test_names_40_upper_exact)
{
	for (size_t i = 0; i < 11; i++) {
		struct maildir_name n;
		maildir_name_parse(table40[i].name, table40[i].infosep, &n);
		CHECK_STREQ(letters(n.flags & MAILDIR_FLAGS_UPPER),
			    table40[i].upper40);
	}
}

TEST(test_parse_ours)
{
	struct maildir_name n;
	maildir_name_parse("1136073600_12.4242.my\\072host,U=1234,FMD5="
			   H_INBOX ":2,RS", ':', &n);
	CHECK(n.ours);
	CHECK_INTEQ(n.seconds, 1136073600);
	CHECK_INTEQ(n.seq, 12);
	CHECK_INTEQ(n.pid, 4242);
	CHECK_INTEQ(n.host_len, strlen("my\\072host"));
	CHECK(strncmp("1136073600_12.4242.my\\072host" + n.host_off,
		      "my\\072host", n.host_len) == 0);
	CHECK(n.has_info);
	/* Not our grammar: foreign deliveries, missing parts. */
	maildir_name_parse("1136073600.M1P2.host,S=3:2,S", ':', &n);
	CHECK(!n.ours);
	maildir_name_parse("1136073600_0.1.host,U=5:2,S", ':', &n);
	CHECK(!n.ours);
	maildir_name_parse("1136073600_0.1.host,FMD5=" H_INBOX, ':', &n);
	CHECK(!n.ours);
	maildir_name_parse("1136073600_0.1.,U=5,FMD5=" H_INBOX, ':', &n);
	CHECK(!n.ours);
	maildir_name_parse("1136073600_0.1.h,U=5,FMD5=" H_INBOX, ':', &n);
	CHECK(n.ours && !n.has_info);
	maildir_name_parse("1136073600_0.1.h,U=5,FMD5=" H_INBOX "x", ':', &n);
	CHECK(!n.ours);
}

TEST(test_uid_limits)
{
	struct maildir_name n;
	/* 0 and values beyond 32 bits cannot be server UIDs: the file is
	 * then treated as new rather than as a message gone from the
	 * server (which would delete it). */
	maildir_name_parse("x,U=0,FMD5=" H_INBOX ":2,S", ':', &n);
	CHECK(!n.has_uid);
	maildir_name_parse("x,U=4294967296,FMD5=" H_INBOX ":2,S", ':', &n);
	CHECK(!n.has_uid);
	maildir_name_parse("x,U=99999999999999999999999999,FMD5=" H_INBOX,
			   ':', &n);
	CHECK(!n.has_uid);
	/* The first ",U=<digits>" decides, as in 4.0, even if invalid. */
	maildir_name_parse("x,U=0,U=5", ':', &n);
	CHECK(!n.has_uid);
	maildir_name_parse("", ':', &n);
	CHECK(!n.has_uid && !n.has_fmd5 && n.flags == 0 && n.base_len == 0);
}

static const struct {
	const char *name;
	unsigned long uid;
	const char *fmd5;
	const char *letters, *upper40;
} difftable[] = {
	/* Generated once with Python's re module running 4.0's searches
	 * (",U=(\\d+)", ":.*2,([A-Z]+)", ",FMD5=([0-9a-f]{32})") over random
	 * names: `upper40` is 4.0's flag set; `letters` adds the letters of
	 * a trailing standard info part as maildir_name_parse() documents;
	 * uid 0 stands for none (including 0 and values over 32 bits). */
	{ "R7e33429f656f1e6e9d79b29c3f82c572a", 0, NULL, "", "" },
	{ ":7e33429f656f1e6e9d79b29c3f82c57e7e33429f656f1e6e9d79b29c3f82c57e,U=a4294967296R,FMD5=", 0, NULL, "", "" },
	{ "124294967296PS", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57S2,", 0, NULL, "", "" },
	{ "_", 0, NULL, "", "" },
	{ "S2,!RR", 0, NULL, "", "" },
	{ "2P7e33429f656f1e6e9d79b29c3f82c57e.F\na122,!2,", 0, NULL, "", "" },
	{ "S7e33429f656f1e6e9d79b29c3f82c57e4294967296R,U=RxU", 0, NULL, "", "" },
	{ "122,kk.", 0, NULL, "", "" },
	{ "k0!2,R", 0, NULL, "", "" },
	{ ",FMD5=7e33429f656f1e6e9d79b29c3f82c57e,FMD5=0_", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "", "" },
	{ "124294967296_1U", 0, NULL, "", "" },
	{ ":\n2,7e33429f656f1e6e9d79b29c3f82c57ek2,", 0, NULL, "", "" },
	{ "_0S!Pk2xF_4294967296", 0, NULL, "", "" },
	{ "F7e33429f656f1e6e9d79b29c3f82c57,FMD5=U", 0, NULL, "", "" },
	{ "Sx.2,", 0, NULL, "", "" },
	{ "F!", 0, NULL, "", "" },
	{ "0,U=,FMD5=PU", 0, NULL, "", "" },
	{ "R2", 0, NULL, "", "" },
	{ "F,U=FRF:_k.\n7e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ ".2,0R:", 0, NULL, "", "" },
	{ "a.!Fx", 0, NULL, "", "" },
	{ "P", 0, NULL, "", "" },
	{ "0", 0, NULL, "", "" },
	{ "PPR", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c5702,k2,7e33429f656f1e6e9d79b29c3f82c57,FMD5=,FMD5=,FMD5=2", 0, NULL, "", "" },
	{ ".\n:", 0, NULL, "", "" },
	{ ",FMD5=42949672961x2,F,FMD5=7e33429f656f1e6e9d79b29c3f82c5712R", 0, "7e33429f656f1e6e9d79b29c3f82c571", "", "" },
	{ "_2,12,2,0k", 0, NULL, "", "" },
	{ ",FMD5=2,k02,_k2,", 0, NULL, "", "" },
	{ "2,,FMD5=,FMD5=SS2,122,", 0, NULL, "", "" },
	{ "kS:F", 0, NULL, "", "" },
	{ "F", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57xa__U2,FMD5=1a", 0, NULL, "", "" },
	{ "k2,", 0, NULL, "", "" },
	{ "!FR\n1_Fk122,", 0, NULL, "", "" },
	{ "\nSFa17e33429f656f1e6e9d79b29c3f82c57eS_\n2,,FMD5=", 0, NULL, "", "" },
	{ ".:S\n,FMD5=!U", 0, NULL, "", "" },
	{ "0x12aa2,,U=2,!,U=", 2, NULL, "", "" },
	{ "S7e33429f656f1e6e9d79b29c3f82c57aa2,4294967296,FMD5=2,!\n", 0, NULL, "", "" },
	{ "F42949672961120,U=7e33429f656f1e6e9d79b29c3f82c57e,FMD5=U.", 7, NULL, "", "" },
	{ "14294967296", 0, NULL, "", "" },
	{ ".:,FMD5=P7e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ ",U=RP7e33429f656f1e6e9d79b29c3f82c57e7e33429f656f1e6e9d79b29c3f82c57e42949672960a2,", 0, NULL, "", "" },
	{ "a2,1a7e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57.", 0, NULL, "", "" },
	{ "12kkU07e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ "2,_R1k7e33429f656f1e6e9d79b29c3f82c574294967296!P!!", 0, NULL, "", "" },
	{ ":F1FS4294967296,U=U!,U=_R", 0, NULL, "", "" },
	{ "42949672967e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ "U.1127e33429f656f1e6e9d79b29c3f82c57e122,k", 0, NULL, "", "" },
	{ "P2,!_,U=", 0, NULL, "", "" },
	{ ",FMD5=.F42949672960xR120..", 0, NULL, "", "" },
	{ "a:S.P\nF:", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57e.:\n.!R", 0, NULL, "", "" },
	{ "2,xP\n.7e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ "a_", 0, NULL, "", "" },
	{ "F_P", 0, NULL, "", "" },
	{ "!R,U=.,U=12", 12, NULL, "", "" },
	{ "P7e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ "!x1", 0, NULL, "", "" },
	{ "x7e33429f656f1e6e9d79b29c3f82c57e7e33429f656f1e6e9d79b29c3f82c57!_1\n22,.\n", 0, NULL, "", "" },
	{ "Ua.2,1", 0, NULL, "", "" },
	{ "2,RP2,2F4294967296_120a12", 0, NULL, "", "" },
	{ "FR0kx,U=S", 0, NULL, "", "" },
	{ "42949672960U", 0, NULL, "", "" },
	{ ".Paa.,U=:127e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ "_P.R7e33429f656f1e6e9d79b29c3f82c57eS12,", 0, NULL, "", "" },
	{ "1.7e33429f656f1e6e9d79b29c3f82c57e:2,7e33429f656f1e6e9d79b29c3f82c57eR:,FMD5=!a", 0, NULL, "", "" },
	{ "\n.4294967296U4294967296S,U=122,!", 122, NULL, "", "" },
	{ "2,,FMD5=", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57e7e33429f656f1e6e9d79b29c3f82c57S,FMD5=_R", 0, NULL, "", "" },
	{ "_U!2:_k:U2", 0, NULL, "", "" },
	{ "4294967296P", 0, NULL, "", "" },
	{ ",U=24294967296:12k:2,R1127e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "R", "R" },
	{ "!!S12a4294967296\n", 0, NULL, "", "" },
	{ "aF!a,FMD5=", 0, NULL, "", "" },
	{ ",U=S\n,U=R:7e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57.,U=", 0, NULL, "", "" },
	{ "2,4294967296,U=1", 1, NULL, "", "" },
	{ "4294967296!02U\nUaF!12x", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c571.P", 0, NULL, "", "" },
	{ "_k.2,FMD5=", 0, NULL, "", "" },
	{ "2,Sx\nxR1_F7e33429f656f1e6e9d79b29c3f82c57e2,", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57\nU,FMD5=.F", 0, NULL, "", "" },
	{ "1P7e33429f656f1e6e9d79b29c3f82c57e!U,FMD5=1124294967296", 0, NULL, "", "" },
	{ "U2,,FMD5=2,\n7e33429f656f1e6e9d79b29c3f82c57eF.:U", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c571212,U=7e33429f656f1e6e9d79b29c3f82c57e", 7, NULL, "", "" },
	{ ".S.,U=", 0, NULL, "", "" },
	{ ",FMD5=,U=1U:2,P2,22PR", 1, NULL, "P", "P" },
	{ "_.a,FMD5=!k1", 0, NULL, "", "" },
	{ "1212", 0, NULL, "", "" },
	{ "4294967296UR2,U", 0, NULL, "", "" },
	{ "kF!2,,U=1kSFk_k", 1, NULL, "", "" },
	{ ".2,SS127e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ "a", 0, NULL, "", "" },
	{ ".R\n_:", 0, NULL, "", "" },
	{ "F7e33429f656f1e6e9d79b29c3f82c57e!.7e33429f656f1e6e9d79b29c3f82c57eU2,S\n2,", 0, NULL, "", "" },
	{ "17e33429f656f1e6e9d79b29c3f82c57_F,U=0x2,!7e33429f656f1e6e9d79b29c3f82c57e2,", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c577e33429f656f1e6e9d79b29c3f82c57FRxx\n:2", 0, NULL, "", "" },
	{ "\n!", 0, NULL, "", "" },
	{ "2,U=!\n2,S,FMD5=xF_F2", 0, NULL, "", "" },
	{ "P!!2,,FMD5=,FMD5=!\n,FMD5=\n", 0, NULL, "", "" },
	{ "U\n\n17e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ ":a1.", 0, NULL, "", "" },
	{ "14294967296FPk2a,FMD5=,FMD5=", 0, NULL, "", "" },
	{ ":P2,", 0, NULL, "", "" },
	{ "2,Px2,.", 0, NULL, "", "" },
	{ "PaP4294967296U7e33429f656f1e6e9d79b29c3f82c572,2,P!4294967296", 0, NULL, "", "" },
	{ ",U=,U=7e33429f656f1e6e9d79b29c3f82c572,", 7, NULL, "", "" },
	{ "U2F42949672961", 0, NULL, "", "" },
	{ "R", 0, NULL, "", "" },
	{ "a!:a.0PP,U=0U:", 0, NULL, "", "" },
	{ ",U=22Uk2,7e33429f656f1e6e9d79b29c3f82c57F", 22, NULL, "", "" },
	{ ".4294967296,FMD5=7e33429f656f1e6e9d79b29c3f82c57e1", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "", "" },
	{ "\n12,FMD5=", 0, NULL, "", "" },
	{ ".2,.", 0, NULL, "", "" },
	{ ".,U=2\n,U=a", 2, NULL, "", "" },
	{ "2,x:.,FMD5=:!", 0, NULL, "", "" },
	{ "R2,k2F4294967296_P!2", 0, NULL, "", "" },
	{ "\n4294967296\nxPS", 0, NULL, "", "" },
	{ "F4294967296,FMD5=4294967296:Px2,11", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57e_", 0, NULL, "", "" },
	{ "2,!:4294967296U:.,FMD5=4294967296P", 0, NULL, "", "" },
	{ "U,FMD5=", 0, NULL, "", "" },
	{ ":4294967296!S.,FMD5=R1S2,", 0, NULL, "", "" },
	{ "1R12U,FMD5=:Rk,FMD5=,U=P", 0, NULL, "", "" },
	{ ".P7e33429f656f1e6e9d79b29c3f82c57e2,k\n7e33429f656f1e6e9d79b29c3f82c57ek,FMD5=", 0, NULL, "", "" },
	{ "2,\n2,!2,", 0, NULL, "", "" },
	{ "27e33429f656f1e6e9d79b29c3f82c57e7e33429f656f1e6e9d79b29c3f82c57e,U=,U=R121212k7e33429f656f1e6e9d79b29c3f82c57e7e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ "_F\n!_2,12U4294967296", 0, NULL, "", "" },
	{ "U", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ "k:7e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ "F12F\nS:xx7e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ "_.7e33429f656f1e6e9d79b29c3f82c57e.,U=!,FMD5=S4294967296_", 0, NULL, "", "" },
	{ "RxP:12P4294967296", 0, NULL, "", "" },
	{ "2,.0!1_x4294967296", 0, NULL, "", "" },
	{ "x", 0, NULL, "", "" },
	{ "x2,Sx\nx2.U", 0, NULL, "", "" },
	{ "F!R!FRFU", 0, NULL, "", "" },
	{ "42949672961.R", 0, NULL, "", "" },
	{ "P\n!F7e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ "F_2,!", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57R,FMD5=12,U=,FMD5=,U=_", 0, NULL, "", "" },
	{ "4294967296!2,2,P_aa2,_0", 0, NULL, "", "" },
	{ "kR127e33429f656f1e6e9d79b29c3f82c57eF,FMD5=7e33429f656f1e6e9d79b29c3f82c57!,FMD5=k,U=a", 0, NULL, "", "" },
	{ "k\n2", 0, NULL, "", "" },
	{ "4294967296", 0, NULL, "", "" },
	{ "PF12P", 0, NULL, "", "" },
	{ ":,U=PP7e33429f656f1e6e9d79b29c3f82c57ax2,1Px", 0, NULL, "", "" },
	{ "429496729627e33429f656f1e6e9d79b29c3f82c57ea!7e33429f656f1e6e9d79b29c3f82c57e0", 0, NULL, "", "" },
	{ "122,,U=7e33429f656f1e6e9d79b29c3f82c57eR7e33429f656f1e6e9d79b29c3f82c57:", 7, NULL, "", "" },
	{ "002", 0, NULL, "", "" },
	{ "kFa\nRa", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57Fa127e33429f656f1e6e9d79b29c3f82c57eU1kUP2,x", 0, NULL, "", "" },
	{ "!kR7e33429f656f1e6e9d79b29c3f82c57F4294967296,FMD5=12_\n", 0, NULL, "", "" },
	{ "2,.!12,12Pk0k4294967296", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c571,U=UkP122S2,", 0, NULL, "", "" },
	{ "FP:", 0, NULL, "", "" },
	{ "4294967296Ux\n1", 0, NULL, "", "" },
	{ ":1a21P.12,FMD5=2", 0, NULL, "DFM", "DFM" },
	{ "kSx.U!_4294967296!,U=0", 0, NULL, "", "" },
	{ "xR:,FMD5=,U=2,F:FF0", 2, NULL, "F", "F" },
	{ "2,S,FMD5=\n7e33429f656f1e6e9d79b29c3f82c57e,FMD5=07e33429f656f1e6e9d79b29c3f82c5722", 0, "07e33429f656f1e6e9d79b29c3f82c57", "", "" },
	{ "2,2,142949672967e33429f656f1e6e9d79b29c3f82c57e4294967296.!!2,,U=", 0, NULL, "", "" },
	{ "122,2,,U=", 0, NULL, "", "" },
	{ "1FPSxax:U", 0, NULL, "", "" },
	{ "\n_U7e33429f656f1e6e9d79b29c3f82c57.S", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57,FMD5=FU,FMD5=", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57e2,U2,,FMD5=12", 0, NULL, "", "" },
	{ "P7e33429f656f1e6e9d79b29c3f82c57e_U7e33429f656f1e6e9d79b29c3f82c57e:2", 0, NULL, "", "" },
	{ "U2k12aU7e33429f656f1e6e9d79b29c3f82c57!", 0, NULL, "", "" },
	{ ",FMD5=!_", 0, NULL, "", "" },
	{ "42949672961210Pxk2,", 0, NULL, "", "" },
	{ "SSx,U=SaUxFUR", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57!122,!Ua\n4294967296:_!", 0, NULL, "", "" },
	{ "2,42949672967e33429f656f1e6e9d79b29c3f82c57e429496729627e33429f656f1e6e9d79b29c3f82c57eR,U=7e33429f656f1e6e9d79b29c3f82c57e12", 7, NULL, "", "" },
	{ "\n7e33429f656f1e6e9d79b29c3f82c57_12,U=SS2,", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57Sxa", 0, NULL, "", "" },
	{ "12S,U=7e33429f656f1e6e9d79b29c3f82c57a", 7, NULL, "", "" },
	{ ".!21.2", 0, NULL, "", "" },
	{ "U22,12,!", 0, NULL, "", "" },
	{ "F2,FMD5=", 0, NULL, "", "" },
	{ "2,242949672960", 0, NULL, "", "" },
	{ "F:.!Px12k2", 0, NULL, "", "" },
	{ "PFU7e33429f656f1e6e9d79b29c3f82c57e01SS", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57U\n", 0, NULL, "", "" },
	{ "20.12_", 0, NULL, "", "" },
	{ "U07e33429f656f1e6e9d79b29c3f82c57eSP242949672967e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ "R.,U=!a12!\na1", 0, NULL, "", "" },
	{ ",FMD5=F2,", 0, NULL, "", "" },
	{ "2,a4294967296!2,1U\n0Ra", 0, NULL, "", "" },
	{ "Fk2,U_", 0, NULL, "", "" },
	{ "2", 0, NULL, "", "" },
	{ "x,FMD5=42949672962,2,FMD5=121FS,FMD5=", 0, NULL, "", "" },
	{ "P,FMD5=U", 0, NULL, "", "" },
	{ "akP2,P0Pax,U=a2", 0, NULL, "", "" },
	{ ":1k", 0, NULL, "", "" },
	{ "!U2012", 0, NULL, "", "" },
	{ "Px7e33429f656f1e6e9d79b29c3f82c57!:R", 0, NULL, "", "" },
	{ "12\n:7e33429f656f1e6e9d79b29c3f82c57e1\nU4294967296,FMD5=\n", 0, NULL, "", "" },
	{ "S.22,,U=kkS1!,U=7e33429f656f1e6e9d79b29c3f82c57", 7, NULL, "", "" },
	{ "kS4294967296", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57e_FS42949672962U0", 0, NULL, "", "" },
	{ ",U=FS", 0, NULL, "", "" },
	{ "SaF,FMD5=x", 0, NULL, "", "" },
	{ "!kSx7e33429f656f1e6e9d79b29c3f82c572,x7e33429f656f1e6e9d79b29c3f82c577e33429f656f1e6e9d79b29c3f82c571", 0, NULL, "", "" },
	{ "Sk27e33429f656f1e6e9d79b29c3f82c57ak012_0", 0, NULL, "", "" },
	{ "!\n112!RPS\n_", 0, NULL, "", "" },
	{ "0\n", 0, NULL, "", "" },
	{ "._212U2,R\nU", 0, NULL, "", "" },
	{ "4294967296aS4294967296012F,FMD5=F.0P", 0, NULL, "", "" },
	{ "P:2,2,.P.7e33429f656f1e6e9d79b29c3f82c57eS", 0, NULL, "", "" },
	{ "0R_k12!x", 0, NULL, "", "" },
	{ "a2,aRF2:S02,2,1", 0, NULL, "", "" },
	{ "_1", 0, NULL, "", "" },
	{ "!7e33429f656f1e6e9d79b29c3f82c57eS.,U=:FaFP", 0, NULL, "", "" },
	{ ":7e33429f656f1e6e9d79b29c3f82c57e.12,FMD5=0P!2P2P", 0, NULL, "DFM", "DFM" },
	{ "P12", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c5742949672960\n012.U1", 0, NULL, "", "" },
	{ ":2_", 0, NULL, "", "" },
	{ "k:4294967296R0_", 0, NULL, "", "" },
	{ "_x!!2,202,_k:4294967296", 0, NULL, "", "" },
	{ "R", 0, NULL, "", "" },
	{ "42949672962,.", 0, NULL, "", "" },
	{ ":12\n2,FU", 0, NULL, "", "" },
	{ "27e33429f656f1e6e9d79b29c3f82c57,FMD5=P12R!", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c572R22,_!.", 0, NULL, "", "" },
	{ "122", 0, NULL, "", "" },
	{ "F7e33429f656f1e6e9d79b29c3f82c57e,U=::.7e33429f656f1e6e9d79b29c3f82c57e!xS!", 0, NULL, "", "" },
	{ "\n", 0, NULL, "", "" },
	{ "F_S01:", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c5712FR.S\n_R,FMD5=12,U=", 0, NULL, "", "" },
	{ "0\nS,U=12P7e33429f656f1e6e9d79b29c3f82c57eUS", 12, NULL, "", "" },
	{ ".,FMD5=2429496729642949672960\n7e33429f656f1e6e9d79b29c3f82c57e1k0", 0, NULL, "", "" },
	{ "1429496729621Fx,FMD5=122,", 0, NULL, "", "" },
	{ "\nx!axR.P1U,FMD5=", 0, NULL, "", "" },
	{ ":k2,4294967296k", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c572,2kSU", 0, NULL, "", "" },
	{ "x2x0", 0, NULL, "", "" },
	{ "!7e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ "2U\n\n27e33429f656f1e6e9d79b29c3f82c57e21:ax", 0, NULL, "", "" },
	{ "2,2,", 0, NULL, "", "" },
	{ "4294967296!2!!7e33429f656f1e6e9d79b29c3f82c57eS:US", 0, NULL, "", "" },
	{ "R7e33429f656f1e6e9d79b29c3f82c57exU", 0, NULL, "", "" },
	{ "ka", 0, NULL, "", "" },
	{ "R12a2,7e33429f656f1e6e9d79b29c3f82c57ea00", 0, NULL, "", "" },
	{ "121USR2P2,S2,1", 0, NULL, "", "" },
	{ "242949672962,1", 0, NULL, "", "" },
	{ "k:P12,S", 0, NULL, "S", "S" },
	{ "1,U=4294967296:", 0, NULL, "", "" },
	{ "_2,1212,FMD5=._P0\n", 0, NULL, "", "" },
	{ "12x,U=U.R2,", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57e2,k", 0, NULL, "", "" },
	{ "!!7e33429f656f1e6e9d79b29c3f82c571", 0, NULL, "", "" },
	{ ":,FMD5=:122,", 0, NULL, "", "" },
	{ "U_xaS,U=", 0, NULL, "", "" },
	{ "a2,aR:k", 0, NULL, "", "" },
	{ "R7e33429f656f1e6e9d79b29c3f82c577e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57Saa", 0, NULL, "", "" },
	{ "S2,!F27e33429f656f1e6e9d79b29c3f82c57eSx2_12.", 0, NULL, "", "" },
	{ ",U=R0_0P122,2a2\n", 0, NULL, "", "" },
	{ "\nk1F7e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ "a2.__\n,U=", 0, NULL, "", "" },
	{ ",U=14294967296", 0, NULL, "", "" },
	{ "F:..k2,", 0, NULL, "", "" },
	{ "P142949672962,2,", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57e:P2,42949672962,2", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57:S.k", 0, NULL, "", "" },
	{ "1!7e33429f656f1e6e9d79b29c3f82c57_,U=7e33429f656f1e6e9d79b29c3f82c577e33429f656f1e6e9d79b29c3f82c57127e33429f656f1e6e9d79b29c3f82c57k7e33429f656f1e6e9d79b29c3f82c57e\n", 7, NULL, "", "" },
	{ ":2,Rk7e33429f656f1e6e9d79b29c3f82c57U:P\n!UU", 0, NULL, "R", "R" },
	{ "0,U=x1xRk2,1!", 0, NULL, "", "" },
	{ "Ua_112,U=22,SS", 22, NULL, "", "" },
	{ "1x!7e33429f656f1e6e9d79b29c3f82c57,FMD5=7e33429f656f1e6e9d79b29c3f82c57eUF2,12", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "", "" },
	{ "12!k4294967296\n:10_\n", 0, NULL, "", "" },
	{ "12R7e33429f656f1e6e9d79b29c3f82c57F:1\n", 0, NULL, "", "" },
	{ "0:U!2,7e33429f656f1e6e9d79b29c3f82c57a2,a2S", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c57,FMD5=P0_", 0, NULL, "", "" },
	{ ",FMD5=", 0, NULL, "", "" },
	{ "11\nxk!", 0, NULL, "", "" },
	{ "2!k:\nP1212\nS", 0, NULL, "", "" },
	{ ".\n.112", 0, NULL, "", "" },
	{ "a_2\nk!\n", 0, NULL, "", "" },
	{ "7e33429f656f1e6e9d79b29c3f82c572,0", 0, NULL, "", "" },
	{ "Px\n", 0, NULL, "", "" },
	{ "P,FMD5=120,U=12UP12k22,", 12, NULL, "", "" },
	{ ".a12R.:,U=a12::", 0, NULL, "", "" },
	{ "xU", 0, NULL, "", "" },
	{ "R,FMD5=1_,FMD5=12", 0, NULL, "", "" },
	{ "112Rk4294967296", 0, NULL, "", "" },
	{ "2,7e33429f656f1e6e9d79b29c3f82c57U,U=!2,Fx", 0, NULL, "", "" },
	{ ":1127e33429f656f1e6e9d79b29c3f82c57e", 0, NULL, "", "" },
	{ "SR2,.,FMD5=", 0, NULL, "", "" },
	{ "x42949672962,x42949672962,12,FMD5=U,FMD5=2,", 0, NULL, "", "" },
	{ "2,x,FMD5=\n!.", 0, NULL, "", "" },
	{ ":x!aF\n", 0, NULL, "", "" },
	{ ",FMD5=10SU", 0, NULL, "", "" },
	{ "1SP", 0, NULL, "", "" },
	{ ",U=2,2,12!F7e33429f656f1e6e9d79b29c3f82c57e.2,,U=7e33429f656f1e6e9d79b29c3f82c57e", 2, NULL, "", "" },
	{ "181661332_20.94906.host.example.org,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,S=4766:2,s", 0, NULL, "s", "" },
	{ "603672478_15.4850.x2,S,S=5294,U=1:1,foo", 1, NULL, "", "" },
	{ "537318447_12.15339.h,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "", "" },
	{ "829511361_18.5869.x2,S,S=5172,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,W=77:1,foo", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "", "" },
	{ "113454728_13.49164.my\\072h,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,S,x", 0, NULL, "S", "S" },
	{ "1621229331_15.9880.my\\072h,FMD5=7e33429f656f1e6e9d79b29c3f82c57,W=77,U=4294967295:2,RS", 4294967295, NULL, "RS", "RS" },
	{ "1179553535_2.48062.h,U=4294967295:2,Sab", 4294967295, NULL, "Sab", "S" },
	{ "1597819297_10.68129.host.example.org,S=4842,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,ab", 0, NULL, "ab", "" },
	{ "1268681279_0.74644.h,W=77:2,RS", 0, NULL, "RS", "RS" },
	{ "613649386_18.34425.host.example.org,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,U=4294967295:2,ab", 4294967295, "7e33429f656f1e6e9d79b29c3f82c57e", "ab", "" },
	{ "639674513_3.51291.h,U=4294967296:a2,S", 0, NULL, "Sa", "S" },
	{ "1408769554_4.33856.my\\072h,U=42,W=77:2,S,x", 42, NULL, "S", "S" },
	{ "1357729290_2.73763.my\\072h,U=4294967295,S=9478:2,ab", 4294967295, NULL, "ab", "" },
	{ "2060879131_8.55711.host.example.org,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:ab2,RS", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "RSab", "RS" },
	{ "505499196_18.28742.x2,S:2,S", 0, NULL, "S", "S" },
	{ "1827442811_15.71676.x2,S,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:ab2,RS", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "RSab", "RS" },
	{ "670781061_8.634.h,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,S", 0, NULL, "S", "S" },
	{ "2013136310_10.74357.host.example.org:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "792531121_18.28088.a:b,S=2121", 0, NULL, "", "" },
	{ "287351361_19.93771.a:b:2,SaR", 0, NULL, "RSa", "S" },
	{ "1069814763_10.43843.my\\072h:2,SaR", 0, NULL, "RSa", "S" },
	{ "680852777_5.7613.host.example.org,U=123456,S=5483,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,Sab", 123456, NULL, "Sab", "S" },
	{ "613679057_9.20132.x2,S:2,ab", 0, NULL, "ab", "" },
	{ "325494647_0.43357.my\\072h,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,DFPRST", 0, NULL, "DFPRST", "DFPRST" },
	{ "190205181_6.99808.h,W=77!2,S", 0, NULL, "", "" },
	{ "1450202045_6.72707.x2,S,U=4294967295,W=77:2,SaR", 4294967295, NULL, "RSa", "S" },
	{ "1325945216_8.97154.h,U=4294967296,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "1395133709_18.30583.h,W=77,U=4294967295:1,foo", 4294967295, NULL, "", "" },
	{ "1513109427_11.30968.x2,S,U=42:2,S,x", 42, NULL, "S", "S" },
	{ "988501533_12.82467.x2,S,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,s", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "s", "" },
	{ "1912208425_18.53506.my\\072h,S=8025,U=4294967296:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "317209293_10.6615.h,W=77,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,S=3639:2,SaR", 0, NULL, "RSa", "S" },
	{ "811821824_1.72813.host.example.org:2,", 0, NULL, "", "" },
	{ "276098212_3.365.a:b,S=2037:a2,S", 0, NULL, "Sa", "S" },
	{ "943288125_7.95418.my\\072h,U=1:ab2,RS", 1, NULL, "RSab", "RS" },
	{ "635267598_17.91103.host.example.org,U=42,W=77:2,RS", 42, NULL, "RS", "RS" },
	{ "1375123007_14.76401.a:b:2,S:2,R", 0, NULL, "R", "R" },
	{ "1909247323_4.66830.a:b,U=0,W=77:2,s", 0, NULL, "s", "" },
	{ "2123503648_20.54813.x2,S,U=4294967296,W=77,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,S:2,R", 0, NULL, "R", "R" },
	{ "813599765_9.80847.a:b:2,S:2,R", 0, NULL, "R", "R" },
	{ "1139201305_9.46756.my\\072h:2,s", 0, NULL, "s", "" },
	{ "1190987688_11.74649.host.example.org:2,", 0, NULL, "", "" },
	{ "213412480_19.55938.my\\072h,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57,U=123456", 123456, NULL, "", "" },
	{ "414999503_2.83833.host.example.org,U=4294967296,FMD5=7e33429f656f1e6e9d79b29c3f82c57:1,foo", 0, NULL, "", "" },
	{ "374747030_5.83056.x2,S:2,S:2,R", 0, NULL, "R", "R" },
	{ "65870366_17.84259.my\\072h,S=5342,U=0:2,S", 0, NULL, "S", "S" },
	{ "953875794_15.50588.x2,S:a2,S", 0, NULL, "Sa", "S" },
	{ "115286025_5.94858.h:2,S:2,R", 0, NULL, "R", "R" },
	{ "593902541_0.25259.a:b!2,S", 0, NULL, "S", "S" },
	{ "1820145656_1.77490.a:b:2,S", 0, NULL, "S", "S" },
	{ "1982750867_5.78238.my\\072h:2,S", 0, NULL, "S", "S" },
	{ "1208522994_3.14832.my\\072h!2,S", 0, NULL, "", "" },
	{ "1632531787_20.90508.h", 0, NULL, "", "" },
	{ "1163339478_7.51616.my\\072h,S=6497,U=0,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,s", 0, NULL, "s", "" },
	{ "1764480474_18.50819.host.example.org,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,S", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "800377652_6.92526.h", 0, NULL, "", "" },
	{ "1317289968_17.26832.x2,S,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,S:2,R", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "R", "R" },
	{ "1973661405_11.91528.x2,S", 0, NULL, "", "" },
	{ "1132737845_18.57234.h,S=7672,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,W=77:2,S,x", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "1166957293_9.19992.h,U=42,W=77,S=3143:1,foo", 42, NULL, "", "" },
	{ "468182685_0.93608.host.example.org,S=9029,W=77:1,foo", 0, NULL, "", "" },
	{ "762919019_1.93722.host.example.org:1,foo", 0, NULL, "", "" },
	{ "1863461496_16.70386.my\\072h,U=4294967295,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,S:2,R", 4294967295, "7e33429f656f1e6e9d79b29c3f82c57e", "R", "R" },
	{ "459351451_2.56489.a:b,U=0,W=77:2,S,x", 0, NULL, "S", "S" },
	{ "911184998_3.61283.h,U=1,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,S", 1, NULL, "S", "S" },
	{ "606261646_11.82957.host.example.org,W=77,U=123456", 123456, NULL, "", "" },
	{ "382150805_10.90455.my\\072h,S=4119", 0, NULL, "", "" },
	{ "1894736118_5.33733.my\\072h,S=9081,U=0,FMD5=7e33429f656f1e6e9d79b29c3f82c57", 0, NULL, "", "" },
	{ "119187352_20.5060.host.example.org,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,Sab", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "Sab", "S" },
	{ "1881558542_10.83732.host.example.org,S=2266,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,W=77:2,ab", 0, NULL, "ab", "" },
	{ "1320844132_16.42282.h,S=2976:2,Sab", 0, NULL, "Sab", "S" },
	{ "216683197_7.40398.x2,S,W=77:2,S:2,R", 0, NULL, "R", "R" },
	{ "233600535_10.29509.a:b,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:a2,S", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "Sa", "S" },
	{ "424500273_7.43954.my\\072h:2,s", 0, NULL, "s", "" },
	{ "2055744103_6.71041.h:2,RS", 0, NULL, "RS", "RS" },
	{ "1727915834_4.87129.x2,S,S=3375,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,S,x", 0, NULL, "S", "S" },
	{ "99468260_11.62686.h,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,S=7163,W=77:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "10834287_9.16582.host.example.org:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "1278418549_1.3545.h,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,W=77:2,S", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "988563980_13.69049.x2,S,U=4294967296,S=4048,W=77:2,SaR", 0, NULL, "RSa", "S" },
	{ "829201890_19.53.h:2,s", 0, NULL, "s", "" },
	{ "1652649442_4.60978.x2,S,U=4294967295,S=5580:ab2,RS", 4294967295, NULL, "RSab", "RS" },
	{ "1948545364_13.11600.x2,S,U=4294967296,FMD5=7e33429f656f1e6e9d79b29c3f82c57,S=7784:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "2026105078_10.71605.host.example.org,FMD5=7e33429f656f1e6e9d79b29c3f82c57!2,S", 0, NULL, "", "" },
	{ "1124812919_15.95577.a:b:2,Sab", 0, NULL, "Sab", "S" },
	{ "20998232_12.53635.h,W=77:2,S,x", 0, NULL, "S", "S" },
	{ "375038855_4.22309.a:b,U=1,W=77!2,S", 1, NULL, "S", "S" },
	{ "1914392304_14.83755.host.example.org,W=77:2,S,x", 0, NULL, "S", "S" },
	{ "671494806_15.33872.x2,S:a2,S", 0, NULL, "Sa", "S" },
	{ "1709010401_10.77051.host.example.org,U=42,S=6989,FMD5=7e33429f656f1e6e9d79b29c3f82c57", 42, NULL, "", "" },
	{ "1344210118_20.85785.host.example.org,S=5284,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,Sab", 0, NULL, "Sab", "S" },
	{ "1923373620_8.86957.x2,S,W=77:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "1281617348_20.72695.host.example.org,U=4294967296,S=431:2,SaR", 0, NULL, "RSa", "S" },
	{ "1279703422_16.26699.x2,S,U=0!2,S", 0, NULL, "", "" },
	{ "2043660910_16.73701.h:2,S", 0, NULL, "S", "S" },
	{ "1739934282_17.49967.h,S=2398,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,ab", 0, NULL, "ab", "" },
	{ "1290511954_5.68863.x2,S,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:1,foo", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "", "" },
	{ "1455048943_16.50479.h,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,W=77,U=4294967296:2,S:2,R", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "R", "R" },
	{ "1084215364_17.27925.h,U=1,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,S=5831:2,S", 1, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "1199057340_13.76929.my\\072h,FMD5=7e33429f656f1e6e9d79b29c3f82c57,U=123456:2,S:2,R", 123456, NULL, "R", "R" },
	{ "607632202_4.56272.h,S=4596,W=77,U=1:1,foo", 1, NULL, "", "" },
	{ "1362764640_17.37578.x2,S", 0, NULL, "", "" },
	{ "1276622985_11.64191.my\\072h:2,ab", 0, NULL, "ab", "" },
	{ "1156002730_5.50166.h,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57,S=4460:2,S,x", 0, NULL, "S", "S" },
	{ "1234695124_2.30134.my\\072h,W=77,U=123456,S=6358:2,DFPRST", 123456, NULL, "DFPRST", "DFPRST" },
	{ "2075748440_15.92232.my\\072h,W=77,U=1,S=9211:2,S", 1, NULL, "S", "S" },
	{ "1795638756_12.36864.my\\072h,S=8716,U=0,W=77:2,", 0, NULL, "", "" },
	{ "11510178_20.18496.a:b,FMD5=7e33429f656f1e6e9d79b29c3f82c57,S=2551,U=4294967296:2,S:2,R", 0, NULL, "R", "R" },
	{ "2023758218_20.91288.h,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,S=1553:2,ab", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "ab", "" },
	{ "1122261976_10.5473.a:b,W=77,U=123456:2,Sab", 123456, NULL, "Sab", "S" },
	{ "2119488874_6.55621.my\\072h:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "1203431668_15.36019.a:b,S=2304,U=123456,W=77!2,S", 123456, NULL, "S", "S" },
	{ "56093823_8.53695.my\\072h,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,S=3307:2,S", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "918364644_9.91161.x2,S:2,S,x", 0, NULL, "S", "S" },
	{ "537688391_7.5968.x2,S:2,ab", 0, NULL, "ab", "" },
	{ "1014712950_14.75209.a:b:1,foo", 0, NULL, "", "" },
	{ "21327096_17.37939.x2,S,S=4481,FMD5=7e33429f656f1e6e9d79b29c3f82c57,U=4294967296:2,SaR", 0, NULL, "RSa", "S" },
	{ "499585991_13.10772.h,W=77:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "451563195_2.23467.x2,S,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,U=123456:2,s", 123456, "7e33429f656f1e6e9d79b29c3f82c57e", "s", "" },
	{ "577026775_2.42913.host.example.org:2,DFPRST", 0, NULL, "DFPRST", "DFPRST" },
	{ "1980268595_8.96618.x2,S,U=4294967296:2,Sab", 0, NULL, "Sab", "S" },
	{ "753306938_18.53935.h,U=1,S=4164,FMD5=7e33429f656f1e6e9d79b29c3f82c57:ab2,RS", 1, NULL, "RSab", "RS" },
	{ "2099599191_20.45788.a:b,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,DFPRST", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "DFPRST", "DFPRST" },
	{ "1061256391_8.74827.a:b,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,U=0,W=77:2,S:2,R", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "R", "R" },
	{ "235279380_16.82063.host.example.org:2,S", 0, NULL, "S", "S" },
	{ "216407887_16.99599.host.example.org,U=42:2,S,x", 42, NULL, "S", "S" },
	{ "1324289779_10.72862.host.example.org,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,S,x", 0, NULL, "S", "S" },
	{ "2037310832_0.56309.host.example.org,S=4358,U=4294967296,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:1,foo", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "", "" },
	{ "1128167374_13.47987.host.example.org!2,S", 0, NULL, "", "" },
	{ "380933194_7.32172.host.example.org,W=77,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,Sab", 0, NULL, "Sab", "S" },
	{ "460142749_20.75047.host.example.org,S=1255,U=42:ab2,RS", 42, NULL, "RSab", "RS" },
	{ "1714727050_12.61079.my\\072h,U=4294967296,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,RS", 0, NULL, "RS", "RS" },
	{ "1203908757_10.49214.x2,S:2,", 0, NULL, "", "" },
	{ "1460208465_1.16261.a:b,S=4951:2,S:2,R", 0, NULL, "R", "R" },
	{ "1372224591_11.3494.a:b,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,S=2982", 0, NULL, "", "" },
	{ "1067331292_14.71147.my\\072h,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,U=1", 1, "7e33429f656f1e6e9d79b29c3f82c57e", "", "" },
	{ "92509695_17.43658.a:b:2,SaR", 0, NULL, "RSa", "S" },
	{ "1294290554_20.88123.h:2,S:2,R", 0, NULL, "R", "R" },
	{ "1640560979_18.35213.x2,S,W=77,U=42", 42, NULL, "", "" },
	{ "31147057_2.68095.x2,S,W=77:2,S", 0, NULL, "S", "S" },
	{ "888099092_7.51216.host.example.org:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "343044970_14.75111.my\\072h,U=0,S=8625,W=77", 0, NULL, "", "" },
	{ "479398274_20.70293.my\\072h,W=77!2,S", 0, NULL, "", "" },
	{ "1716754691_2.89759.host.example.org,S=9694,U=4294967296,W=77:2,RS", 0, NULL, "RS", "RS" },
	{ "689698588_3.38876.host.example.org,S=3150,W=77,U=4294967296:2,S,x", 0, NULL, "S", "S" },
	{ "1037396823_0.70116.h,W=77,U=1:2,S:2,R", 1, NULL, "R", "R" },
	{ "484472582_4.26659.h,U=0,W=77:1,foo", 0, NULL, "", "" },
	{ "261215009_12.21913.a:b,S=8240,U=42,W=77:ab2,RS", 42, NULL, "RSab", "RS" },
	{ "1199191570_20.42311.x2,S:2,S", 0, NULL, "S", "S" },
	{ "606869209_9.41479.my\\072h,U=4294967296,W=77:a2,S", 0, NULL, "Sa", "S" },
	{ "1997606115_9.69379.my\\072h,W=77,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,S:2,R", 0, NULL, "R", "R" },
	{ "660828769_7.70972.a:b,FMD5=7e33429f656f1e6e9d79b29c3f82c57,U=0,S=933:2,DFPRST", 0, NULL, "DFPRST", "DFPRST" },
	{ "712007927_3.26593.x2,S:2,S:2,R", 0, NULL, "R", "R" },
	{ "2068971540_1.86591.host.example.org,U=4294967295,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,W=77:2,", 4294967295, "7e33429f656f1e6e9d79b29c3f82c57e", "", "" },
	{ "745126427_18.33880.h,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,U=4294967296:a2,S", 0, NULL, "Sa", "S" },
	{ "314586197_19.31514.my\\072h,W=77!2,S", 0, NULL, "", "" },
	{ "486038987_16.14400.a:b,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,ab", 0, NULL, "ab", "" },
	{ "845235640_6.9796.host.example.org,U=42,W=77,S=1457:2,S:2,R", 42, NULL, "R", "R" },
	{ "1818941986_18.17525.x2,S,W=77:2,s", 0, NULL, "s", "" },
	{ "549333559_3.97759.my\\072h,U=42:1,foo", 42, NULL, "", "" },
	{ "108353701_9.41911.host.example.org:2,s", 0, NULL, "s", "" },
	{ "283647201_9.11312.x2,S,FMD5=7e33429f656f1e6e9d79b29c3f82c57,W=77,U=42:1,foo", 42, NULL, "", "" },
	{ "1048783610_15.40154.h,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,DFPRST", 0, NULL, "DFPRST", "DFPRST" },
	{ "1107227977_20.60322.a:b,S=4046,U=4294967295,W=77:2,ab", 4294967295, NULL, "ab", "" },
	{ "1364934315_18.13669.h,U=42:2,", 42, NULL, "", "" },
	{ "1010129239_0.55111.my\\072h,U=42:2,ab", 42, NULL, "ab", "" },
	{ "2029648097_2.96569.my\\072h,W=77,U=0:2,RS", 0, NULL, "RS", "RS" },
	{ "87576714_12.66229.h,W=77:2,S,x", 0, NULL, "S", "S" },
	{ "1345503524_6.81999.x2,S:2,s", 0, NULL, "s", "" },
	{ "2010071144_3.72502.h,W=77,U=0,S=8741:2,s", 0, NULL, "s", "" },
	{ "1880301857_9.19454.a:b:a2,S", 0, NULL, "Sa", "S" },
	{ "1684993087_3.29544.x2,S", 0, NULL, "", "" },
	{ "873649252_7.58399.h,U=4294967296,FMD5=7e33429f656f1e6e9d79b29c3f82c57,S=1193:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "1798752590_13.25653.host.example.org,W=77:1,foo", 0, NULL, "", "" },
	{ "449356352_13.94326.a:b,W=77,U=42,S=5097:1,foo", 42, NULL, "S", "S" },
	{ "1798054022_19.16004.x2,S,S=9122,U=1,W=77:2,S,x", 1, NULL, "S", "S" },
	{ "783481896_18.55169.a:b:2,S:2,R", 0, NULL, "R", "R" },
	{ "1651188584_1.45453.host.example.org,W=77,S=8645:2,SaR", 0, NULL, "RSa", "S" },
	{ "1367767169_15.77392.h,S=9556:2,s", 0, NULL, "s", "" },
	{ "180789467_19.34657.a:b,U=4294967295,S=2279:2,s", 4294967295, NULL, "s", "" },
	{ "1409849202_9.4200.my\\072h,S=4234:2,s", 0, NULL, "s", "" },
	{ "880990382_12.46347.x2,S!2,S", 0, NULL, "", "" },
	{ "754520545_1.97012.a:b,W=77,U=1,S=7713:2,SaR", 1, NULL, "RSa", "S" },
	{ "1377437601_20.87150.a:b,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,W=77,S=2001:2,ab", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "ab", "" },
	{ "1355807018_4.40463.a:b,U=4294967296:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "562922423_8.92742.host.example.org,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:ab2,RS", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "RSab", "RS" },
	{ "1368542640_19.13018.h", 0, NULL, "", "" },
	{ "1366508574_12.69740.h:2,S,x", 0, NULL, "S", "S" },
	{ "719531725_17.57810.h:2,RS", 0, NULL, "RS", "RS" },
	{ "1081056797_19.26797.h:2,Sab", 0, NULL, "Sab", "S" },
	{ "1860488496_1.31207.x2,S,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,U=42,W=77!2,S", 42, NULL, "", "" },
	{ "1325332165_15.18710.x2,S:2,SaR", 0, NULL, "RSa", "S" },
	{ "1842157631_8.60948.h:1,foo", 0, NULL, "", "" },
	{ "2066654121_19.51744.x2,S,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:1,foo", 0, NULL, "", "" },
	{ "488466633_13.85129.x2,S,U=0:2,S:2,R", 0, NULL, "R", "R" },
	{ "1994963936_9.26278.a:b,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,U=4294967296,S=6169:2,S,x", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "1707015395_20.9127.h,S=109,U=42:2,RS", 42, NULL, "RS", "RS" },
	{ "2015608144_6.81090.my\\072h,S=3403,W=77:a2,S", 0, NULL, "Sa", "S" },
	{ "1583396490_13.93506.x2,S:2,S", 0, NULL, "S", "S" },
	{ "1450550111_6.23965.a:b,W=77:1,foo", 0, NULL, "", "" },
	{ "788902215_1.90083.my\\072h:2,S,x", 0, NULL, "S", "S" },
	{ "1691805290_20.77763.h,S=8371,U=123456,W=77:1,foo", 123456, NULL, "", "" },
	{ "964879728_14.54648.my\\072h,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,U=4294967295:2,S", 4294967295, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "1367735027_14.6303.a:b,W=77,S=4722:2,S", 0, NULL, "S", "S" },
	{ "1728185982_14.46524.a:b:2,S:2,R", 0, NULL, "R", "R" },
	{ "950647933_3.37581.h,U=4294967295,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,Sab", 4294967295, NULL, "Sab", "S" },
	{ "87727636_3.53104.x2,S,W=77,U=1,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,S,x", 1, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "1409292070_13.81725.my\\072h,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,U=1:2,DFPRST", 1, "7e33429f656f1e6e9d79b29c3f82c57e", "DFPRST", "DFPRST" },
	{ "903336518_14.87805.host.example.org,W=77:a2,S", 0, NULL, "Sa", "S" },
	{ "939683174_13.23029.my\\072h:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "2103017499_11.50893.host.example.org,FMD5=7e33429f656f1e6e9d79b29c3f82c57,W=77:2,SaR", 0, NULL, "RSa", "S" },
	{ "204110916_20.53733.my\\072h,S=8679:2,s", 0, NULL, "s", "" },
	{ "518340603_9.16857.a:b:2,S,x", 0, NULL, "S", "S" },
	{ "1960733887_5.17201.x2,S:1,foo", 0, NULL, "", "" },
	{ "1436416661_3.65238.h,S=5712,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,S,x", 0, NULL, "S", "S" },
	{ "914388200_7.68043.host.example.org,S=6943:2,S,x", 0, NULL, "S", "S" },
	{ "325088748_1.28384.host.example.org,S=2249!2,S", 0, NULL, "", "" },
	{ "446720652_1.11207.h,U=1,S=2726,W=77:2,s", 1, NULL, "s", "" },
	{ "317428898_7.12763.a:b:2,SaR", 0, NULL, "RSa", "S" },
	{ "170426641_19.98674.my\\072h,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,U=4294967295:2,S", 4294967295, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "1294925775_7.16939.h,W=77,U=1,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,S,x", 1, NULL, "S", "S" },
	{ "59096152_15.88383.host.example.org,U=42,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,RS", 42, NULL, "RS", "RS" },
	{ "926207420_11.56930.my\\072h:2,S", 0, NULL, "S", "S" },
	{ "591632012_7.33553.my\\072h,S=7087:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "1523527622_3.23576.my\\072h:2,RS", 0, NULL, "RS", "RS" },
	{ "1215485945_20.39378.a:b:2,s", 0, NULL, "s", "" },
	{ "1126672563_7.34744.x2,S:2,RS", 0, NULL, "RS", "RS" },
	{ "432915898_6.22895.my\\072h:2,SaR", 0, NULL, "RSa", "S" },
	{ "2103851303_20.26187.a:b,FMD5=7e33429f656f1e6e9d79b29c3f82c57,S=5929:2,", 0, NULL, "", "" },
	{ "396536527_10.89621.a:b!2,S", 0, NULL, "S", "S" },
	{ "789909899_16.38625.host.example.org,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,U=0,W=77:2,s", 0, NULL, "s", "" },
	{ "2048690521_10.42384.host.example.org,FMD5=7e33429f656f1e6e9d79b29c3f82c57,S=8596,U=42:2,DFPRST", 42, NULL, "DFPRST", "DFPRST" },
	{ "1048321239_16.51051.h,S=8974:2,Sab", 0, NULL, "Sab", "S" },
	{ "644095849_8.86354.x2,S,U=123456,FMD5=7e33429f656f1e6e9d79b29c3f82c57!2,S", 123456, NULL, "", "" },
	{ "404764474_13.37605.my\\072h,S=8684:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "2099968216_19.58452.a:b,U=42,S=1375:2,SaR", 42, NULL, "RSa", "S" },
	{ "766086610_12.62479.h,S=5305:2,S,x", 0, NULL, "S", "S" },
	{ "40429128_7.63728.h:a2,S", 0, NULL, "Sa", "S" },
	{ "768808636_9.70171.x2,S,U=0,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,", 0, NULL, "", "" },
	{ "1853959342_15.40639.my\\072h,U=42,W=77:2,S", 42, NULL, "S", "S" },
	{ "1215430475_12.32770.a:b,W=77!2,S", 0, NULL, "S", "S" },
	{ "1759484777_2.35918.my\\072h,W=77,U=123456,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,Sab", 123456, NULL, "Sab", "S" },
	{ "1152970360_5.50433.h,W=77,U=123456,S=6155:2,S,x", 123456, NULL, "S", "S" },
	{ "1590830519_8.71090.x2,S,U=1,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,S", 1, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "876259035_11.79530.host.example.org,S=2004:2,DFPRST", 0, NULL, "DFPRST", "DFPRST" },
	{ "291160295_4.65127.h,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,S:2,R", 0, NULL, "R", "R" },
	{ "1407846468_5.35871.my\\072h:a2,S", 0, NULL, "Sa", "S" },
	{ "373670355_8.99490.host.example.org:2,S", 0, NULL, "S", "S" },
	{ "808350515_13.21754.x2,S,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,", 0, NULL, "", "" },
	{ "1555587081_20.19513.x2,S,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,S=7503:2,", 0, NULL, "", "" },
	{ "1177864076_13.71252.a:b,W=77,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,S=1073!2,S", 0, NULL, "S", "S" },
	{ "408540948_11.44119.host.example.org,U=4294967296,S=8987,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,S,x", 0, NULL, "S", "S" },
	{ "1458002256_8.20895.x2,S:2,RS", 0, NULL, "RS", "RS" },
	{ "1311839865_10.96034.host.example.org,U=123456,S=4554,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,ab", 123456, "7e33429f656f1e6e9d79b29c3f82c57e", "ab", "" },
	{ "1370976759_13.49705.h,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,S:2,R", 0, NULL, "R", "R" },
	{ "1213573746_3.86676.host.example.org:ab2,RS", 0, NULL, "RSab", "RS" },
	{ "1583873905_17.19115.x2,S:2,ab", 0, NULL, "ab", "" },
	{ "186315466_3.72373.my\\072h,W=77,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,S=9630:2,S", 0, NULL, "S", "S" },
	{ "1355277154_15.90156.my\\072h,S=7914,U=4294967296:2,s", 0, NULL, "s", "" },
	{ "511742225_17.25236.host.example.org,U=42,W=77:2,S,x", 42, NULL, "S", "S" },
	{ "313071959_17.6519.a:b,W=77,U=1,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,S,x", 1, "7e33429f656f1e6e9d79b29c3f82c57e", "S", "S" },
	{ "301915029_7.50200.a:b,W=77:2,ab", 0, NULL, "ab", "" },
	{ "362364768_7.44219.x2,S,U=123456:1,foo", 123456, NULL, "", "" },
	{ "1473947199_16.27629.x2,S,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,S=8875,U=4294967296:a2,S", 0, NULL, "Sa", "S" },
	{ "1487736920_19.73242.a:b,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57,S=6558:2,Sab", 0, NULL, "Sab", "S" },
	{ "2131392410_5.94806.x2,S,S=5918,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,ab", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "ab", "" },
	{ "1060304616_18.39626.a:b,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:1,foo", 0, NULL, "", "" },
	{ "1548833471_10.45049.x2,S,W=77,S=8044,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,RS", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "RS", "RS" },
	{ "1331818867_5.27956.x2,S,U=123456:2,SaR", 123456, NULL, "RSa", "S" },
	{ "107156189_3.57615.x2,S,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,DFPRST", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "DFPRST", "DFPRST" },
	{ "1296395254_3.18623.my\\072h,U=123456,W=77", 123456, NULL, "", "" },
	{ "41147595_18.88719.my\\072h,S=4615,W=77:2,DFPRST", 0, NULL, "DFPRST", "DFPRST" },
	{ "1408856738_16.84129.host.example.org,S=4725,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,W=77:2,RS", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "RS", "RS" },
	{ "476526808_19.28760.x2,S,W=77:2,s", 0, NULL, "s", "" },
	{ "1696284291_16.55044.host.example.org,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,S=5842,U=4294967296:a2,S", 0, "7e33429f656f1e6e9d79b29c3f82c57e", "Sa", "S" },
	{ "1135688477_8.69473.h,U=4294967295:2,", 4294967295, NULL, "", "" },
	{ "930945443_2.76007.my\\072h,FMD5=7e33429f656f1e6e9d79b29c3f82c57,S=6583:2,s", 0, NULL, "s", "" },
	{ "37758564_9.68337.x2,S,S=1881,W=77,U=1:2,SaR", 1, NULL, "RSa", "S" },
	{ "2080180694_20.14971.host.example.org,U=42:2,Sab", 42, NULL, "Sab", "S" },
	{ "1798157269_19.22816.h:2,S", 0, NULL, "S", "S" },
	{ "475184946_3.64260.h,FMD5=7E33429F656F1E6E9D79B29C3F82C57E:2,S,x", 0, NULL, "S", "S" },
	{ "211583849_12.13179.h,W=77,U=42,FMD5=7e33429f656f1e6e9d79b29c3f82c57e:2,s", 42, "7e33429f656f1e6e9d79b29c3f82c57e", "s", "" },
	{ "198990277_14.64501.x2,S,W=77,S=1849,FMD5=7e33429f656f1e6e9d79b29c3f82c57:1,foo", 0, NULL, "", "" },
	{ "1472911873_0.13399.h:a2,S", 0, NULL, "Sa", "S" },
	{ "83858111_9.34560.a:b,W=77,U=42,S=4782:a2,S", 42, NULL, "Sa", "S" },
	{ "409450025_15.62789.x2,S,U=123456,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,s", 123456, NULL, "s", "" },
	{ "884147218_10.34889.host.example.org,S=8984,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,", 0, NULL, "", "" },
	{ "815648608_4.71266.a:b,S=728,W=77:a2,S", 0, NULL, "Sa", "S" },
	{ "1279299880_2.40137.h,FMD5=7E33429F656F1E6E9D79B29C3F82C57E,S=2360:a2,S", 0, NULL, "Sa", "S" },
	{ "257329193_16.81220.host.example.org", 0, NULL, "", "" },
	{ "309422043_15.36934.a:b,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57e,U=1:2,Sab", 1, "7e33429f656f1e6e9d79b29c3f82c57e", "Sab", "S" },
	{ "1705957908_17.2995.h,U=4294967295,S=8606:1,foo", 4294967295, NULL, "", "" },
	{ "721553121_19.85007.host.example.org,U=4294967295:2,S:2,R", 4294967295, NULL, "R", "R" },
	{ "547230291_0.8436.h,S=240:2,s", 0, NULL, "s", "" },
	{ "1194253847_10.98182.my\\072h,S=6946:2,s", 0, NULL, "s", "" },
	{ "856816071_14.20168.h,W=77:2,s", 0, NULL, "s", "" },
	{ "899406961_12.32977.my\\072h,U=0,W=77:2,S", 0, NULL, "S", "S" },
	{ "857058505_8.45671.my\\072h,U=42:2,S,x", 42, NULL, "S", "S" },
	{ "1910514246_14.60112.my\\072h,FMD5=7e33429f656f1e6e9d79b29c3f82c57:2,S", 0, NULL, "S", "S" },
	{ "1106747520_2.56053.a:b,U=1,W=77,FMD5=7e33429f656f1e6e9d79b29c3f82c57!2,S", 1, NULL, "S", "S" },
};

TEST(test_names_differential)
{
	for (size_t i = 0; i < ARRAY_SIZE(difftable); i++) {
		struct maildir_name n;
		maildir_name_parse(difftable[i].name, ':', &n);
		CHECK_INTEQ(n.has_uid ? n.uid : 0, difftable[i].uid);
		if (difftable[i].fmd5)
			CHECK(n.has_fmd5 && !strcmp(n.fmd5, difftable[i].fmd5));
		else
			CHECK(!n.has_fmd5);
		CHECK_STREQ(letters(n.flags), difftable[i].letters);
		uint64_t up = 0;
		maildir_flags_parse(difftable[i].upper40,
				    strlen(difftable[i].upper40), &up);
		CHECK((n.flags & up) == up);
		if (test_case_failed) {
			fprintf(stderr, "  in \"%s\"\n", difftable[i].name);
			return;
		}
	}
}

TEST(test_build)
{
	uint64_t rs = MAILDIR_FLAG('R') | MAILDIR_FLAG('S');
	char *s = maildir_name_build("1136073600_0.4242.laptop", 1234, H_INBOX,
				     ':', rs, false);
	CHECK_STREQ(s, "1136073600_0.4242.laptop,U=1234,FMD5=" H_INBOX
		    ":2,RS");
	free(s);
	/* cur/ without flags keeps the ":2," marker. */
	s = maildir_name_build("1_0.1.h", 7, H_INBOX, ':', 0, false);
	CHECK_STREQ(s, "1_0.1.h,U=7,FMD5=" H_INBOX ":2,");
	free(s);
	/* new/ without flags: no info part (9 row 10). */
	s = maildir_name_build("1_0.1.h", 7, H_INBOX, ':', 0, true);
	CHECK_STREQ(s, "1_0.1.h,U=7,FMD5=" H_INBOX);
	free(s);
	/* No UID: a new local message. */
	s = maildir_name_build("1_0.1.h", 0, H_INBOX, '!',
			       MAILDIR_FLAG('S') | MAILDIR_FLAG('a'), false);
	CHECK_STREQ(s, "1_0.1.h!2,Sa");
	free(s);
	CHECK(maildir_flags_in_new(0));
	CHECK(!maildir_flags_in_new(MAILDIR_FLAG('F')));
	CHECK(!maildir_flags_in_new(MAILDIR_FLAG('S')));
}

TEST(test_build_parse_roundtrip)
{
	for (uint64_t bits = 0; bits < 64; bits++) {
		uint64_t flags = 0;
		static const char some[] = "DFRSTa";
		for (int i = 0; i < 6; i++)
			if (bits & (1u << i))
				flags |= MAILDIR_FLAG(some[i]);
		for (int sepi = 0; sepi < 2; sepi++) {
			char sep = sepi ? '!' : ':';
			char *s = maildir_name_build("1136073600_5.77.h\\057x",
						     bits + 1, H_INBOX, sep,
						     flags,
						     maildir_flags_in_new(flags));
			struct maildir_name n;
			maildir_name_parse(s, sep, &n);
			CHECK(n.ours && n.has_uid && n.uid == bits + 1);
			CHECK(n.has_fmd5 && !strcmp(n.fmd5, H_INBOX));
			CHECK(n.flags == flags);
			CHECK_INTEQ(n.seq, 5);
			free(s);
		}
	}
}

static const struct {
	const char *name;
	bool in_new;
	const char *flags;
	const char *want;
	bool want_new;
} renames[] = {
	/* Delivered to new/ without info; gains \Seen: to cur/. */
	{ "1_0.1.h,U=7,FMD5=" H_INBOX, true, "S",
	  "1_0.1.h,U=7,FMD5=" H_INBOX ":2,S", false },
	/* Flagged but unseen also leaves new/ (new/ holds no flags). */
	{ "1_0.1.h,U=7,FMD5=" H_INBOX, true, "F",
	  "1_0.1.h,U=7,FMD5=" H_INBOX ":2,F", false },
	/* Losing \Seen does not move a message back to new/. */
	{ "1_0.1.h,U=7,FMD5=" H_INBOX ":2,S", false, "",
	  "1_0.1.h,U=7,FMD5=" H_INBOX ":2,", false },
	/* 4.0's ":2," in new/ is dropped when the name changes anyway. */
	{ "1_0.1.h,U=7,FMD5=" H_INBOX ":2,T", true, "",
	  "1_0.1.h,U=7,FMD5=" H_INBOX, true },
	/* Unchanged. */
	{ "1_0.1.h,U=7,FMD5=" H_INBOX ":2,RS", false, "RS",
	  "1_0.1.h,U=7,FMD5=" H_INBOX ":2,RS", false },
	{ "1_0.1.h,U=7,FMD5=" H_INBOX, true, "",
	  "1_0.1.h,U=7,FMD5=" H_INBOX, true },
	/* Keywords kept in place, sorted after the capitals. */
	{ "1.M1P2.h,S=5:2,Sab", false, "RSab", "1.M1P2.h,S=5:2,RSab", false },
	/* 4.0-mangled keywords are put back where they belong. */
	{ "1_0.1.h,U=8,FMD5=" H_INBOX ":a2,RS", false, "Sa",
	  "1_0.1.h,U=8,FMD5=" H_INBOX ":2,Sa", false },
	/* An unsanitised host name with ':' keeps its base. */
	{ "1_0.1.my:h,U=5,FMD5=" H_INBOX ":2,S", false, "FS",
	  "1_0.1.my:h,U=5,FMD5=" H_INBOX ":2,FS", false },
	/* Two info parts (hand-made): both replaced by one. */
	{ "x:2,S:2,R", false, "F", "x:2,F", false },
	{ "x:2,S:2,R", true, "", "x", true },
	/* A non-standard info part is kept; ours is added. */
	{ "1.x:1,foo", false, "S", "1.x:1,foo:2,S", false },
};

TEST(test_set_flags)
{
	for (size_t i = 0; i < ARRAY_SIZE(renames); i++) {
		uint64_t flags;
		CHECK_INTEQ(maildir_flags_parse(renames[i].flags,
						strlen(renames[i].flags),
						&flags), 0);
		bool to_new = !renames[i].want_new;
		char *s = maildir_name_set_flags(renames[i].name, ':', flags,
						 renames[i].in_new, &to_new);
		CHECK_STREQ(s, renames[i].want);
		CHECK(to_new == renames[i].want_new);
		/* The result reads back with the same UID and flags. */
		struct maildir_name a, b;
		maildir_name_parse(renames[i].name, ':', &a);
		maildir_name_parse(s, ':', &b);
		CHECK(a.has_uid == b.has_uid && a.uid == b.uid);
		CHECK(b.flags == flags);
		/* And is stable. */
		bool again_new;
		char *t = maildir_name_set_flags(s, ':', flags, to_new,
						 &again_new);
		CHECK_STREQ(t, s);
		CHECK(again_new == to_new);
		free(t);
		free(s);
	}
}

TEST(test_hostname)
{
	char *s = maildir_hostname_sanitise("a/b:c");
	CHECK_STREQ(s, "a\\057b\\072c");
	free(s);
	s = maildir_hostname_sanitise("x,U=5!\\\t");
	CHECK_STREQ(s, "x\\054U=5\\041\\134\\011");
	free(s);
	s = maildir_hostname_sanitise("host.example.org");
	CHECK_STREQ(s, "host.example.org");
	free(s);
}

TEST(test_unique)
{
	time_t s1, s2;
	unsigned long q1, q2;
	maildir_name_next_seq(&s1, &q1);
	maildir_name_next_seq(&s2, &q2);
	CHECK(s2 > s1 || q2 == q1 + 1);
	char *u = maildir_name_unique();
	char *full = maildir_name_build(u, 3, H_INBOX, ':', 0, true);
	struct maildir_name n;
	maildir_name_parse(full, ':', &n);
	CHECK(n.ours);
	CHECK_INTEQ(n.pid, getpid());
	CHECK(n.seconds >= (unsigned long long)s1);
	CHECK(strchr(u, ':') == NULL && strchr(u, '/') == NULL);
	free(full);
	free(u);
}

RUN_TESTS(test_flags, test_fmd5, test_names_40, test_names_40_upper_exact,
	  test_parse_ours, test_uid_limits, test_names_differential,
	  test_build, test_build_parse_roundtrip, test_set_flags,
	  test_hostname, test_unique)
