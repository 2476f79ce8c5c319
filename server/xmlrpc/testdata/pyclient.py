"""Drive the server the way pwclient's XML-RPC backend does, with Python's
standard xmlrpc.client (the library pwclient is built on), and check every
value the way pwclient reads it.

Run by pyclient_test.go: the fixture (URL, ids, names) arrives as JSON on
stdin. Exit status 0 and a last line "ok N" mean every check passed; any
failure raises, which prints a traceback and exits non-zero.
"""

import json
import os
import subprocess
import sys
import tempfile
import xmlrpc.client as xc

fx = json.load(sys.stdin)
checks = 0


def expect(cond, what):
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)


def eq(got, want, what):
    expect(got == want, "%s: got %r, want %r" % (what, got, want))


class PwclientTransport(xc.Transport):
    """What pwclient's Transport does on plain HTTP: the request target is
    the absolute URL (for proxies), and credentials ride in the connection
    host as user:password@, which xmlrpc.client turns into Basic auth."""

    def __init__(self, scheme):
        super().__init__()
        self.scheme = scheme
        self.credentials = None

    def set_credentials(self, username, password):
        self.credentials = "%s:%s" % (username, password)

    def make_connection(self, host):
        if self.credentials:
            host = self.credentials + "@" + host
        return super().make_connection(host)

    def send_request(self, host, handler, request_body, debug):
        target = "%s://%s%s" % (self.scheme, host, handler)
        return super().send_request(host, target, request_body, debug)


def proxy(user=None, password=None):
    t = PwclientTransport("http")
    if user is not None:
        t.set_credentials(user, password)
    return xc.ServerProxy(fx["url"], transport=t, allow_none=True)


rpc = proxy()


def text(v):
    """pwclient info: Binary values are UTF-8 (str(Binary) would be Latin-1)."""
    if isinstance(v, xc.Binary):
        return str(v.data, "utf-8")
    return v


def fault(fn, *args):
    try:
        fn(*args)
    except xc.Fault as f:
        eq(f.faultCode, 1, "faultCode")
        return f.faultString
    raise AssertionError("no fault from %r%r" % (fn, args))


PATCH_KEYS = sorted(["id", "date", "filename", "msgid", "name", "project", "project_id", "state",
                     "state_id", "archived", "submitter", "submitter_id", "delegate", "delegate_id",
                     "commit_ref", "hash"])
PATCH_TYPES = {"id": int, "date": xc.Binary, "filename": str, "msgid": str, "name": str,
               "project": xc.Binary, "project_id": int, "state": xc.Binary, "state_id": int,
               "archived": bool, "submitter": xc.Binary, "submitter_id": int,
               "delegate": xc.Binary, "delegate_id": int, "commit_ref": str, "hash": str}
CHECK_TYPES = {"id": int, "date": xc.Binary, "patch": xc.Binary, "patch_id": int, "user": xc.Binary,
               "user_id": int, "state": str, "target_url": str, "description": str, "context": str}


def check_patch(p, what):
    eq(sorted(p.keys()), PATCH_KEYS, what + " keys")
    for k, t in PATCH_TYPES.items():
        expect(type(p[k]) is t, "%s[%s] is %s, want %s" % (what, k, type(p[k]).__name__, t.__name__))


def check_check(c, what):
    eq(sorted(c.keys()), sorted(CHECK_TYPES), what + " keys")
    for k, t in CHECK_TYPES.items():
        expect(type(c[k]) is t, "%s[%s] is %s, want %s" % (what, k, type(c[k]).__name__, t.__name__))


def ids(lst):
    return [x["id"] for x in lst]


def project_id(linkname):
    # pwclient project_id_by_name: the exact linkname among the search hits.
    for p in rpc.project_list(linkname, 0):
        if p["linkname"] == linkname:
            return p["id"]
    return 0


def state_id(name):
    # pwclient state_id_by_name: the first state whose name starts with it.
    for s in rpc.state_list(name, 0):
        if s["name"].lower().startswith(name.lower()):
            return s["id"]
    return 0


def person_ids(name):
    return [p["id"] for p in rpc.person_list(name, 0)]


P = fx["patches"]

# pw_rpc_version (not pwclient, kept for scripts)
eq(rpc.pw_rpc_version(), [1, 3, 0], "pw_rpc_version")

# pwclient projects
projects = rpc.project_list("", 0)
eq([p["linkname"] for p in projects], ["libuv", "zlib"], "projects")
for p in projects:
    eq(sorted(p.keys()), ["id", "linkname", "name"], "project keys")
    expect(type(p["id"]) is int and type(p["name"]) is str, "project types %r" % p)
libuv = project_id("libuv")
eq(libuv, fx["libuv"], "project_id_by_name(libuv)")
eq(project_id("lib"), 0, "project_id_by_name(lib) needs the exact linkname")

# pwclient states
states = rpc.state_list("", 0)
expect(len(states) >= 5, "states %r" % states)
for s in states:
    eq(sorted(s.keys()), ["id", "name"], "state keys")
accepted = state_id("acc")
eq(accepted, fx["accepted"], "state_id_by_name(acc)")

# pwclient list -p libuv, and its output line
patches = rpc.patch_list({"project_id": libuv})
eq(ids(patches), [P["a"], P["b"], P["c"], P["d"], P["pull"]], "list -p libuv")
for p in patches:
    check_patch(p, "list entry")
line = "%-7d %-12s %s" % (patches[0]["id"], patches[0]["state"], patches[0]["name"])
eq(line, "%-7d %-12s %s" % (P["a"], "New", "[1/2] test: Add some lorem ipsum"), "list output line")

# list -n / -N
eq(ids(rpc.patch_list({"max_count": 2, "project_id": libuv})), [P["a"], P["b"]], "list -n 2")
eq(ids(rpc.patch_list({"max_count": -2, "project_id": libuv})), [P["d"], P["pull"]], "list -N 2")
# list -s Accepted, -a yes / no
eq(ids(rpc.patch_list({"state_id": state_id("Accepted"), "project_id": libuv})), [P["b"]], "list -s Accepted")
eq(ids(rpc.patch_list({"archived": True, "project_id": libuv})), [P["b"]], "list -a yes")
eq(len(rpc.patch_list({"archived": False, "project_id": libuv})), 4, "list -a no")
# list -w jane: one list per person
people = rpc.person_list("jane", 0)
eq(len(people), 1, "person_list(jane)")
person = rpc.person_get(people[0]["id"])
eq("%s <%s>" % (person["name"], person["email"]), "Jane Doe <jane@example.org>", "Patches submitted by")
eq(text(person["user"]), "sub", "person user")
eq(ids(rpc.patch_list({"project_id": libuv, "submitter_id": person["id"]})), [P["a"], P["b"]], "list -w jane")
# list -d dele [fix]: Person id -> that person's user
dele = person_ids("dele")
eq(len(dele), 1, "person_list(dele)")
eq(ids(rpc.patch_list({"project_id": libuv, "delegate_id": dele[0]})), [P["a"]], "list -d dele")
# list -m, -H, -S, WORD
eq(ids(rpc.patch_list({"msgid": fx["msgid_a"], "project_id": libuv})), [P["a"]], "list -m")
eq(ids(rpc.patch_list({"hash": fx["hash_a"], "project_id": libuv})), [P["a"], P["c"], P["d"]], "list -H")
eq(ids(rpc.patch_list({"series": str(fx["series"]), "project_id": libuv})), [P["a"], P["b"]], "list -S")
eq(ids(rpc.patch_list({"name__icontains": "lorem", "project_id": libuv})), [P["a"]], "list WORD")
eq(rpc.patch_list({"bogus": 1}), [], "unknown filter key")
eq(len(rpc.patch_list(None)), 6, "patch_list(None)")

# pwclient info ID: every key, sorted, Binary decoded as UTF-8
info = rpc.patch_get(P["d"])
check_patch(info, "info")
eq(text(info["date"]), "2017-01-02 03:04:05", "info date")
eq(text(info["state"]), "Under Review", "info state")
eq(text(info["project"]), "libuv project", "info project")
eq(text(info["submitter"]), "Rafał Miłecki <rafal@example.org>", "info submitter (UTF-8)")
eq(text(info["delegate"]), "None", "info delegate")
eq(info["delegate_id"], 0, "info delegate_id")
eq(info["filename"], "Rafa-a-marche", "info filename")
eq(info["name"], "Rafał: ça marche", "info name")
a = rpc.patch_get(P["a"])
eq(text(a["delegate"]), "dele", "a delegate")
eq(a["msgid"], fx["msgid_a"], "msgid with brackets")
eq(rpc.patch_get(99999), {}, "info on a missing patch")
eq(rpc.patch_get(str(P["a"]))["id"], P["a"], "id as a string")

# any -h HASH form
eq(rpc.patch_get_by_project_hash("libuv", fx["hash_a"])["id"], P["d"], "-h: newest of duplicates")
eq(rpc.patch_get_by_project_hash("libuv", "0" * 40), {}, "-h miss")
eq(rpc.patch_get_by_hash(fx["hash_z"])["id"], P["z"], "patch_get_by_hash")

# view / get: patch_get then patch_get_mbox, saved as <filename>.patch
mbox = rpc.patch_get_mbox(P["a"])
expect(isinstance(mbox, str) and "Subject: [1/2] test: Add some lorem ipsum" in mbox, "mbox %r" % mbox[:200])
eq(rpc.patch_get_mbox(99999), "", "mbox of a missing patch")
eq(rpc.patch_get_diff(P["pull"]), "", "diff of a pull request")
with tempfile.TemporaryDirectory() as d:
    fname = os.path.join(d, os.path.basename(a["filename"]) + ".patch")
    with open(fname, "x", encoding="utf-8") as f:
        f.write(mbox)
    eq(os.path.basename(fname), "1-2-test-Add-some-lorem-ipsum.patch", "get file name")
    # git-am: the mbox applies with real git.
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", d], check=True)
    with open(os.path.join(d, "README"), "w") as f:
        f.write("lorem\n")
    subprocess.run(git + ["-C", d, "add", "README"], check=True)
    subprocess.run(git + ["-C", d, "commit", "-qm", "base"], check=True)
    subprocess.run(git + ["-C", d, "am", "-q"], input=mbox.encode("utf-8"), check=True)
    with open(os.path.join(d, "README")) as f:
        eq(f.read(), "lorem\nipsum\n", "README after git am")
    log = subprocess.run(["git", "-C", d, "log", "-1", "--format=%s|%an|%ae"], check=True,
                         capture_output=True).stdout.decode()
    eq(log.strip(), "test: Add some lorem ipsum|Jane Doe|jane@example.org", "git am commit")

# update: patch_get, state_list, patch_set, with Basic auth
maint = proxy("maint", "maint-pw")
eq(maint.patch_get(P["c"])["id"], P["c"], "update: patch_get first")
sid = state_id("Accepted")
eq(maint.patch_set(P["c"], {"state": sid, "commit_ref": "cafebabe"}), True, "update -s -c")
c = rpc.patch_get(P["c"])
eq((text(c["state"]), c["state_id"], c["commit_ref"]), ("Accepted", sid, "cafebabe"), "after update")
eq(maint.patch_set(P["c"], {"archived": True}), True, "update -a yes")
eq(rpc.patch_get(P["c"])["archived"], True, "archived after update")

# update with bad credentials or no rights: the fault pwclient prints
eq(fault(proxy("maint", "wrong").patch_set, P["c"], {"state": 1}),
   "<class 'Exception'>:Invalid username/password", "wrong password")
eq(fault(proxy("ghost", "x").patch_set, P["c"], {"state": 1}),
   "<class 'Exception'>:Invalid username/password", "unknown user")
eq(fault(rpc.patch_set, P["c"], {"state": 1}),
   "<class 'Exception'>:No authentication credentials given", "no credentials")
eq(fault(proxy("other", "other-pw").patch_set, P["c"], {"state": 1}),
   "<class 'Exception'>:No permissions to edit this patch", "no permission")
eq(fault(maint.patch_set, 99999, {"state": 1}),
   "<class 'patchwork.models.Patch.DoesNotExist'>:Patch matching query does not exist.", "missing patch")
eq(fault(maint.patch_set, P["c"], {"state": 99999}),
   "<class 'patchwork.models.State.DoesNotExist'>:State matching query does not exist.", "missing state")
eq(text(rpc.patch_get(P["c"])["state"]), "Accepted", "refused updates changed nothing")

# check-create
eq(maint.check_create(P["c"], "ci/build", "success", "https://ci.example.org/9", "Built"), True, "check-create")
eq(fault(maint.check_create, P["c"], "ci/build", "bogus", "", ""),
   "<class 'Exception'>:Invalid check state: bogus", "check-create bad state")
eq(fault(proxy("maint", "nope").check_create, P["c"], "ci", "success", "", ""),
   "<class 'Exception'>:Invalid username/password", "check-create bad password")

# check-list, check-get, check-info
every = rpc.check_list()  # pwclient 2.x before filters
eq(ids(every), ids(rpc.check_list({})), "check_list() == check_list({})")
for ch in every:
    check_check(ch, "check_list entry")
mine = rpc.check_list({"patch_id": P["c"]})
eq(len(mine), 1, "check-list ID")
ch = rpc.check_get(mine[0]["id"])
check_check(ch, "check-info")
# pwclient prints check dicts through str(Binary) (Latin-1 decoding).
eq((str(ch["user"]), str(ch["patch"]), ch["context"], ch["state"], ch["target_url"], ch["description"]),
   ("maint", "win: shrink fd hash table from 2592k to 162k (#4869)", "ci/build", "success",
    "https://ci.example.org/9", "Built"), "check-info values")
eq(ids(rpc.check_list({"user": "maint"}))[-1], ch["id"], "check-list -u maint")
eq(rpc.check_list({"user": "nobody"}), [], "check-list -u nobody")
eq(rpc.check_get(99999), {}, "check_get miss")
pc = rpc.patch_check_get(P["a"])
eq((pc["state"], pc["total"], len(pc["checks"])), ("fail", 2, 2), "patch_check_get")

# Faults on misuse
eq(fault(rpc.no_such_method), "<class 'Exception'>:method \"no_such_method\" is not supported", "unknown method")
eq(fault(rpc.patch_get, "abc"), "<class 'ValueError'>:Field 'id' expected a number but got 'abc'.", "bad id")

print("ok %d" % checks)
