# Prints Python's own marshalling of the values codec_test.go builds, one
# response per block, separated by a line "=====". Used to check that our
# encoder is byte-identical to upstream's (Python's xmlrpc.client).
import sys
import xmlrpc.client as x

values = [
    7,
    -2147483648,
    True,
    False,
    "",
    "plain",
    "a <b> & c > d ' \" \u0142\u00e7 \u2603 \t\n",
    x.Binary(b""),
    x.Binary(b"None"),
    x.Binary(b"2016-09-11 22:22:03"),
    x.Binary(bytes(range(256)) * 3),
    [],
    {},
    [1, "two", [x.Binary(b"x")], {"k": 1}],
    {"id": 7, "name": "n&m", "nested": {"a": [True]}, "empty": []},
]
out = sys.stdout
for v in values:
    out.write(x.dumps((v,), methodresponse=True))
    out.write("=====\n")
out.write(x.dumps(x.Fault(1, "<class 'Exception'>:No permissions to edit this patch")))
out.write("=====\n")
