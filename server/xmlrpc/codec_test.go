package xmlrpc

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func decodeFile(t *testing.T, name string) *Call {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "requests", name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := DecodeCall(bytes.NewReader(raw), DefaultLimits)
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return c
}

// Every request recorded from Python's xmlrpc.client (what pwclient sends)
// decodes.
func TestDecodePythonRequests(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "requests", "*.xml"))
	if len(files) < 10 {
		t.Fatalf("only %d request files", len(files))
	}
	for _, f := range files {
		c := decodeFile(t, filepath.Base(f))
		if c.Method == "" {
			t.Errorf("%s: no method", f)
		}
	}

	c := decodeFile(t, "patch_list_many.xml")
	want := Struct{
		{"max_count", int64(-5)}, {"project_id", int64(1)}, {"state_id", int64(3)},
		{"archived", false}, {"name__icontains", "fix <&> ł"},
	}
	if c.Method != "patch_list" || len(c.Params) != 1 || !reflect.DeepEqual(c.Params[0], want) {
		t.Errorf("patch_list_many = %q %#v", c.Method, c.Params)
	}
	c = decodeFile(t, "patch_list_none.xml")
	if len(c.Params) != 1 || c.Params[0] != nil {
		t.Errorf("nil param = %#v", c.Params)
	}
	c = decodeFile(t, "check_create.xml")
	wantArgs := []any{int64(7), "ci/build", "success", "https://ci.example.com/1", "Build passed"}
	if !reflect.DeepEqual(c.Params, wantArgs) {
		t.Errorf("check_create params = %#v", c.Params)
	}
}

func TestDecodeAllTypes(t *testing.T) {
	c := decodeFile(t, "types.xml")
	if len(c.Params) != 10 {
		t.Fatalf("params = %#v", c.Params)
	}
	want := []any{
		int64(1), true, 1.5, Binary("\x00\x01binary"), nil,
		[]any{int64(1), []any{int64(2), Struct{{"a", nil}}}}, Struct{}, []any{}, "", "łç",
	}
	dt, ok := c.Params[4].(DateTime)
	if !ok || dt.Text != "20240102T03:04:05" || dt.Time.Format("2006-01-02 15:04:05") != "2024-01-02 03:04:05" {
		t.Errorf("dateTime = %#v", c.Params[4])
	}
	c.Params[4] = nil
	if !reflect.DeepEqual(c.Params, want) {
		t.Errorf("types:\n got %#v\nwant %#v", c.Params, want)
	}

	c = decodeFile(t, "handwritten_types.xml")
	want = []any{
		int64(-7), int64(1 << 40), "bare text", "", nil,
		[]any{true}, Struct{{"k", -2.5}}, Binary("hello"),
	}
	if !reflect.DeepEqual(c.Params, want) {
		t.Errorf("handwritten:\n got %#v\nwant %#v", c.Params, want)
	}
}

func TestDecodeLatin1Declaration(t *testing.T) {
	doc := "<?xml version='1.0' encoding='ISO-8859-1'?><methodCall><methodName>m</methodName><params><param><value>caf\xe9</value></param></params></methodCall>"
	c, err := DecodeCall(strings.NewReader(doc), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if c.Params[0] != "café" {
		t.Errorf("latin-1 = %q", c.Params[0])
	}
}

// Hostile or broken documents give a DecodeError, never a panic and never a
// call.
func TestDecodeHostile(t *testing.T) {
	call := func(v string) string {
		return "<methodCall><methodName>m</methodName><params><param><value>" + v + "</value></param></params></methodCall>"
	}
	deep := strings.Repeat("<array><data><value>", 200) + "1" + strings.Repeat("</value></data></array>", 200)
	wide := "<array><data>" + strings.Repeat("<value><int>1</int></value>", 60_000) + "</data></array>"
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` + call("&lol2;")
	external := `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + call("&xxe;")
	cases := map[string]struct {
		doc   string
		class string
	}{
		"empty":          {"", classExpat},
		"not xml":        {"hello", classExpat},
		"truncated":      {"<methodCall><methodName>m</methodName><params>", classExpat},
		"mismatched":     {"<methodCall><methodName>m</methodCall>", classExpat},
		"junk after":     {call("1") + "<x/>", classExpat},
		"wrong root":     {"<methodResponse/>", classResponse},
		"no method":      {"<methodCall><params/></methodCall>", classResponse},
		"unknown type":   {call("<foo>1</foo>"), classResponse},
		"bad int":        {call("<int>12a</int>"), classValue},
		"huge int":       {call("<int>99999999999999999999999</int>"), "OverflowError"},
		"bad boolean":    {call("<boolean>true</boolean>"), classType},
		"bad double":     {call("<double>x</double>"), classValue},
		"bad base64":     {call("<base64>a</base64>"), classBinascii},
		"two types":      {call("<int>1</int><int>2</int>"), classResponse},
		"member no name": {call("<struct><member><value>1</value></member></struct>"), classResponse},
		"nil with text":  {call("<nil>x</nil>"), classResponse},
		"deep":           {call(deep), classExpat},
		"wide":           {call(wide), classExpat},
		"billion laughs": {laughs, classExpat},
		"external":       {external, classExpat},
		"unknown entity": {call("&foo;"), classExpat},
		"bad encoding":   {"<?xml version='1.0' encoding='EBCDIC'?>" + call("1"), classExpat},
		"invalid utf8":   {call("\xff\xfe"), classExpat},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := DecodeCall(strings.NewReader(tc.doc), DefaultLimits)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got call %#v, err %v; want a DecodeError", c, err)
			}
			if de.Class != tc.class {
				t.Errorf("class = %q (%s), want %q", de.Class, de.Msg, tc.class)
			}
		})
	}
}

func TestDecodeSizeLimit(t *testing.T) {
	body := "<methodCall><methodName>m</methodName><params><param><value>" + strings.Repeat("a", 2000) + "</value></param></params></methodCall>"
	if _, err := DecodeCall(strings.NewReader(body), Limits{MaxBytes: 1000}); err == nil || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Errorf("over limit: %v", err)
	}
	if _, err := DecodeCall(strings.NewReader(body), Limits{MaxBytes: int64(len(body))}); err != nil {
		t.Errorf("exactly at limit: %v", err)
	}
}

// Our encoder writes exactly the bytes Python's marshaller writes.
func TestEncodeMatchesPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("SKIP: python3 not installed; cannot compare with Python's marshaller")
	}
	out, err := exec.Command(py, filepath.Join("testdata", "marshal.py")).Output()
	if err != nil {
		t.Fatalf("marshal.py: %v", err)
	}
	blocks := strings.Split(string(out), "=====\n")
	all := make([]byte, 0, 3*256)
	for range 3 {
		for i := range 256 {
			all = append(all, byte(i))
		}
	}
	values := []any{
		7, -2147483648, true, false, "", "plain",
		"a <b> & c > d ' \" łç ☃ \t\n",
		Binary(""), Binary("None"), Binary("2016-09-11 22:22:03"), Binary(all),
		[]any{}, Struct{},
		[]any{1, "two", []any{Binary("x")}, Struct{{"k", 1}}},
		Struct{{"id", 7}, {"name", "n&m"}, {"nested", Struct{{"a", []any{true}}}}, {"empty", []Struct{}}},
	}
	if len(blocks) != len(values)+2 {
		t.Fatalf("python gave %d blocks for %d values", len(blocks), len(values))
	}
	for i, v := range values {
		var buf bytes.Buffer
		if err := EncodeResponse(&buf, v); err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if buf.String() != blocks[i] {
			t.Errorf("value %d (%#v):\n got %q\nwant %q", i, v, buf.String(), blocks[i])
		}
	}
	var buf bytes.Buffer
	EncodeFault(&buf, 1, "<class 'Exception'>:No permissions to edit this patch")
	if buf.String() != blocks[len(values)] {
		t.Errorf("fault:\n got %q\nwant %q", buf.String(), blocks[len(values)])
	}
}

func TestEncodeRefusesNil(t *testing.T) {
	var buf bytes.Buffer
	if err := EncodeResponse(&buf, Struct{{"x", nil}}); err == nil {
		t.Error("nil marshalled")
	}
	if err := EncodeResponse(&buf, struct{}{}); err == nil {
		t.Error("unknown type marshalled")
	}
}
