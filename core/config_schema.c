/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table of every configuration option we know: section kind, type,
 * default and a one-sentence meaning (SPEC 2.2 and the later options of
 * SPEC 10 that we support), used by config_validate and the docs test. */
#include "config.h"

#define OPT(kind, name, type, def, req, help) \
	{ CONFIG_SEC_##kind, name, CONFIG_##type, def, req, help }

const struct config_option_info config_options[] = {
	/* [general] */
	OPT(GENERAL, "accounts", LIST, NULL, true,
	    "Comma-separated names of the accounts to synchronise; each needs "
	    "an [Account NAME] section (-a overrides it)."),
	OPT(GENERAL, "metadata", PATH, "~/.offlineimap", false,
	    "Directory holding the sync state of every account."),
	OPT(GENERAL, "maxsyncaccounts", INT, "1", false,
	    "How many accounts may synchronise at the same time."),
	OPT(GENERAL, "ui", LIST,
	    "Tk.Blinkenlights,Tk.VerboseUI,Curses.Blinkenlights,TTY.TTYUI,"
	    "Noninteractive.Basic,Noninteractive.Quiet", false,
	    "User interfaces to try in order; the first usable one is taken "
	    "(-u overrides it)."),
	OPT(GENERAL, "ignore-readonly", BOOL, "no", false,
	    "Do not warn when a change cannot be written to a read-only "
	    "folder."),
	OPT(GENERAL, "pythonfile", PATH, NULL, false,
	    "File of Python definitions visible to every Python-expression "
	    "option."),
	OPT(GENERAL, "fsync", BOOL, "yes", false,
	    "Flush state and message files to disk before relying on them."),
	OPT(GENERAL, "socktimeout", INT, "60", false,
	    "Seconds of network silence after which a connection is given "
	    "up."),

	/* [mbnames] */
	OPT(MBNAMES, "enabled", BOOL, "no", false,
	    "Write a file listing every synchronised folder for a mail "
	    "reader."),
	OPT(MBNAMES, "filename", PATH, NULL, false,
	    "The file to write (required when enabled)."),
	OPT(MBNAMES, "header", PYEXPR, NULL, false,
	    "Python string expression written first (required when "
	    "enabled)."),
	OPT(MBNAMES, "peritem", RAW, NULL, false,
	    "Format for each folder with %(accountname)s and %(foldername)s, "
	    "used as written (required when enabled)."),
	OPT(MBNAMES, "sep", PYEXPR, NULL, false,
	    "Python string expression written between items (required when "
	    "enabled)."),
	OPT(MBNAMES, "footer", PYEXPR, NULL, false,
	    "Python string expression written last (required when "
	    "enabled)."),
	OPT(MBNAMES, "folderfilter", PYEXPR, NULL, false,
	    "Python function of account and folder name choosing which "
	    "folders are listed."),

	/* [Account NAME] */
	OPT(ACCOUNT, "localrepository", STRING, NULL, true,
	    "Repository used as the local side (Maildir or IMAP)."),
	OPT(ACCOUNT, "remoterepository", STRING, NULL, true,
	    "Repository used as the remote side (IMAP)."),
	OPT(ACCOUNT, "autorefresh", FLOAT, NULL, false,
	    "Minutes to wait between syncs; unset or zero syncs once (-o "
	    "ignores it)."),
	OPT(ACCOUNT, "allow_mass_delete", BOOL, "no", false,
	    "Let a local folder that lost every synced message delete them "
	    "all on the server (normally refused with a warning)."),
	OPT(ACCOUNT, "utf8foldernames", BOOL, "no", false,
	    "Show IMAP folder names as UTF-8 locally instead of modified "
	    "UTF-7."),
	OPT(ACCOUNT, "presynchook", STRING, NULL, false,
	    "Shell command run before each sync of the account; when it "
	    "fails, that sync is skipped."),
	OPT(ACCOUNT, "postsynchook", STRING, NULL, false,
	    "Shell command run after each sync of the account."),
	OPT(ACCOUNT, "maxage", INT, "0", false,
	    "Only synchronise messages younger than this many days; 0 is no "
	    "limit (other values are not implemented yet)."),
	OPT(ACCOUNT, "quick", INT, "0", false,
	    "Number of quick syncs (new and removed messages only) between "
	    "two full syncs (not implemented yet: 0 only)."),
	OPT(ACCOUNT, "status_backend", STRING, "plain", false,
	    "Format of the sync state files: plain, the 4.0-compatible text "
	    "format, is the only one supported (sqlite is refused)."),

	/* [Repository NAME], any type */
	OPT(REPOSITORY, "type", STRING, NULL, true,
	    "Kind of repository: Maildir or IMAP (case-sensitive)."),
	OPT(REPOSITORY, "maxconnections", INT, "1", false,
	    "Connections to open to an IMAP server, and folders worked on at "
	    "once in this repository."),
	OPT(REPOSITORY, "readonly", BOOL, "no", false,
	    "Never modify this repository, so changes flow only from it to "
	    "the other side (not implemented yet)."),
	OPT(REPOSITORY, "createfolders", BOOL, "yes", false,
	    "Create in this repository folders that exist only on the other "
	    "side (not implemented yet: always yes)."),
	OPT(REPOSITORY, "sync_deletes", BOOL, "yes", false,
	    "Propagate deletions made in this repository to the other "
	    "side (not implemented yet: always yes)."),

	/* [Repository NAME], type = Maildir */
	OPT(REPO_MAILDIR, "localfolders", PATH, NULL, true,
	    "Existing directory at the root of the Maildir tree."),
	OPT(REPO_MAILDIR, "sep", STRING, ".", false,
	    "Hierarchy separator in local folder names; / makes nested "
	    "directories."),
	OPT(REPO_MAILDIR, "restoreatime", BOOL, "no", false,
	    "Put back the access times of new/ and cur/ after each sync."),
	OPT(REPO_MAILDIR, "existsok", BOOL, "no", false,
	    "Allow a folder to be created over an existing directory that is "
	    "not yet a Maildir."),
	OPT(REPO_MAILDIR, "maildir-windows-compatible", BOOL, "no", false,
	    "Use ! instead of : before the flags in message file names."),

	/* [Repository NAME], type = IMAP */
	OPT(REPO_IMAP, "remotehost", STRING, NULL, false,
	    "Server host name (required unless remotehosteval or "
	    "preauthtunnel is set)."),
	OPT(REPO_IMAP, "remotehosteval", PYEXPR, NULL, false,
	    "Python expression giving the host name; wins over remotehost."),
	OPT(REPO_IMAP, "remoteport", INT, NULL, false,
	    "Server TCP port; 993 with ssl, else 143."),
	OPT(REPO_IMAP, "remoteporteval", PYEXPR, NULL, false,
	    "Python expression giving the port; wins over remoteport."),
	OPT(REPO_IMAP, "ssl", BOOL, "no", false,
	    "Speak TLS from the start of the connection (implicit TLS)."),
	OPT(REPO_IMAP, "starttls", BOOL, "yes", false,
	    "On a plain connection, switch to TLS with STARTTLS when the "
	    "server offers it."),
	OPT(REPO_IMAP, "sslcacertfile", PATH, NULL, false,
	    "File of CA certificates to verify the server with; OS-DEFAULT "
	    "means the system store."),
	OPT(REPO_IMAP, "cert_fingerprint", LIST, NULL, false,
	    "Accepted SHA fingerprints of the server certificate, "
	    "comma-separated."),
	OPT(REPO_IMAP, "sslclientcert", PATH, NULL, false,
	    "Client certificate (PEM) presented to the server; needs "
	    "sslclientkey."),
	OPT(REPO_IMAP, "sslclientkey", PATH, NULL, false,
	    "Unencrypted private key (PEM) of sslclientcert."),
	OPT(REPO_IMAP, "tls_level", STRING, "tls_secure", false,
	    "Oldest TLS version and weakest ciphers accepted: tls_secure "
	    "(TLS 1.2 and newer), tls_no_ssl or tls_compat (TLS 1.0 and "
	    "newer)."),
	OPT(REPO_IMAP, "ssl_version", STRING, NULL, false,
	    "Exact TLS protocol version to use: tls1, tls1_1, tls1_2 or "
	    "tls1_3."),
	OPT(REPO_IMAP, "auth_mechanisms", LIST, "CRAM-MD5,PLAIN,LOGIN", false,
	    "SASL mechanisms to try, in order of preference."),
	OPT(REPO_IMAP, "remoteuser", STRING, NULL, false,
	    "Login name (required unless remoteusereval or preauthtunnel is "
	    "set)."),
	OPT(REPO_IMAP, "remoteusereval", PYEXPR, NULL, false,
	    "Python expression giving the login name; wins over "
	    "remoteuser."),
	OPT(REPO_IMAP, "remotepass", STRING, NULL, false,
	    "Password in clear text."),
	OPT(REPO_IMAP, "remotepasseval", PYEXPR, NULL, false,
	    "Python expression giving the password; wins over every other "
	    "source."),
	OPT(REPO_IMAP, "remotepassfile", PATH, NULL, false,
	    "File whose first line is the password."),
	OPT(REPO_IMAP, "preauthtunnel", STRING, NULL, false,
	    "Shell command connected to an already-authenticated IMAP "
	    "server, used instead of a network connection."),
	OPT(REPO_IMAP, "reference", STRING, "\"\"", false,
	    "Reference argument passed verbatim to every LIST command."),
	OPT(REPO_IMAP, "holdconnectionopen", BOOL, "no", false,
	    "Keep connections open between syncs instead of logging out."),
	OPT(REPO_IMAP, "keepalive", INT, "0", false,
	    "Seconds between NOOPs on idle open connections while waiting "
	    "for the next sync; 0 is off."),
	OPT(REPO_IMAP, "expunge", BOOL, "yes", false,
	    "Expunge messages after marking them deleted."),
	OPT(REPO_IMAP, "nametrans", PYEXPR, NULL, false,
	    "Python function mapping each server folder name to its local "
	    "name."),
	OPT(REPO_IMAP, "folderfilter", PYEXPR, NULL, false,
	    "Python function of a server folder name deciding whether it is "
	    "synchronised."),
	OPT(REPO_IMAP, "folderincludes", PYEXPR, NULL, false,
	    "Python list of server folders to synchronise even if not listed "
	    "or filtered out."),
	OPT(REPO_IMAP, "foldersort", PYEXPR, NULL, false,
	    "Python comparison function ordering the folders."),
	OPT(REPO_IMAP, "idlefolders", PYEXPR, "[]", false,
	    "Python list of folders watched with IDLE between syncs (not "
	    "implemented yet: [] only)."),
	OPT(REPO_IMAP, "subscribedonly", BOOL, "no", false,
	    "Synchronise only the folders the user is subscribed to (not "
	    "implemented yet)."),
	OPT(REPO_IMAP, "socktimeout", INT, NULL, false,
	    "Network timeout in seconds for this repository; overrides "
	    "[general] socktimeout."),

	/* [ui.<UI NAME>]: ui.Curses.Blinkenlights and ui.Tk.Blinkenlights */
	OPT(UI, "loglines", INT, "5", false,
	    "Number of log lines shown above the account lights (the Tk "
	    "default; Curses uses every free row when it is unset)."),
	OPT(UI, "bufferlines", INT, "500", false,
	    "Number of log lines kept for scrolling back and redrawing."),
	OPT(UI, "showlog", BOOL, "no", false,
	    "Tk only: show the log window at start."),
	OPT(UI, "fontfamily", STRING, "Helvetica", false,
	    "Tk only: font family of the window."),
	OPT(UI, "fontsize", INT, "8", false,
	    "Tk only: font size of the window."),

	{ 0, NULL, 0, NULL, false, NULL },
};
