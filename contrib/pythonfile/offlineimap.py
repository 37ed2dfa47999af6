# Definitions for the Python expressions of offlineimaprc (its pythonfile
# option).  Install as ~/.offlineimap.py.
#
# foldersort = mycmp puts the folders whose names start with one of these
# prefixes first, in this order; the others follow by name.

prioritized = ['INBOX', 'personal', 'announce', 'list']


def mycmp(x, y):
    for prefix in prioritized:
        xsw = x.startswith(prefix)
        ysw = y.startswith(prefix)
        if xsw and ysw:
            return cmp(x, y)
        elif xsw:
            return -1
        elif ysw:
            return +1
    return cmp(x, y)
