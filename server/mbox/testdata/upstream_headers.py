# What upstream Patchwork (views/utils.py _submission_to_mbox) writes for the
# X-Patchwork-* headers, with the Python email package it runs on.
# stdin: JSON [[name, email, id, delegate email or ""], ...]; stdout: JSON
# [header block, ...].
import sys, json, email.utils
from email.header import Header
from email.mime.nonmultipart import MIMENonMultipart
out = []
for name, addr, pid, delegate in json.load(sys.stdin):
    m = MIMENonMultipart('text', 'plain', charset='utf-8')
    m['X-Patchwork-Submitter'] = email.utils.formataddr((str(Header(name, 'utf-8')), addr))
    m['X-Patchwork-Id'] = str(pid)
    if delegate:
        m['X-Patchwork-Delegate'] = delegate
    text = m.as_bytes(True).decode()
    hdrs = text.split('\n\n', 1)[0].split('\n')
    keep, on = [], False
    for l in hdrs:
        if l.startswith('X-Patchwork-'):
            on = True
        elif not l.startswith((' ', '\t')):
            on = False
        if on:
            keep.append(l)
    out.append('\n'.join(keep) + '\n')
json.dump(out, sys.stdout)
