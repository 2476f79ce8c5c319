package service_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

func TestCheckUsername(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"alice", true}, {"a.b-c_d", true}, {"bob@example.org", true}, {"x+y", true}, {"A1", true},
		{strings.Repeat("a", 150), true},
		{"", false}, {strings.Repeat("a", 151), false}, {"a/b", false}, {"a b", false},
		{"-rf", false}, {"é", false}, {"a\n", false},
	} {
		err := service.CheckUsername(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("CheckUsername(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CheckUsername(%q): %v is not ErrInvalid", tc.name, err)
		}
	}
}

func TestParseEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice@example.org", "alice@example.org"},
		{"  alice@example.org ", "alice@example.org"},
		{"<alice@example.org>", "alice@example.org"},
		{"Alice <alice@example.org>", ""},
		{"not an address", ""},
		{"", ""},
		{"alice", ""},
		{strings.Repeat("a", 250) + "@example.org", ""},
	} {
		got, err := service.ParseEmail(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("ParseEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseKey(t *testing.T) {
	key := newKey(t, "laptop")
	k, err := service.ParseKey("  " + key + "\n")
	must(t, err)
	if k.Type != "ssh-ed25519" || k.Comment != "laptop" || !strings.HasPrefix(k.Fingerprint, "SHA256:") || !strings.HasPrefix(key, k.Key) {
		t.Errorf("ParseKey = %+v", k)
	}
	opt, err := service.ParseKey(`command="true" ` + key)
	must(t, err)
	if opt.Fingerprint != k.Fingerprint || opt.Key != k.Key {
		t.Errorf("options changed the key: %+v", opt)
	}
	for _, bad := range []string{"", "ssh-ed25519", "ssh-ed25519 AAAAnotbase64", key + "\n" + newKey(t, "second")} {
		if _, err := service.ParseKey(bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ParseKey(%.30q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"12345678", true}, {strings.Repeat("x", 72), true},
		{"1234567", false}, {strings.Repeat("x", 73), false}, {"two\nlines!", false}, {"", false},
	} {
		if err := service.CheckPassword(tc.pw); (err == nil) != tc.ok {
			t.Errorf("CheckPassword(%q) = %v, want ok=%v", tc.pw, err, tc.ok)
		}
	}
}

func TestValidateCheck(t *testing.T) {
	for _, tc := range []struct {
		c      service.NewCheck
		fields string
	}{
		{service.NewCheck{Context: "build", TargetURL: "https://ci.example.org/1"}, ""},
		{service.NewCheck{Context: "default"}, ""},
		{service.NewCheck{Context: "ci/build"}, "context"},
		{service.NewCheck{Context: "ci/build", FreeContext: true}, ""},
		{service.NewCheck{Context: strings.Repeat("a/", 128), FreeContext: true}, "context"},
		{service.NewCheck{Context: ""}, "context"},
		{service.NewCheck{Context: strings.Repeat("a", 256)}, "context"},
		{service.NewCheck{Context: "x", TargetURL: "javascript:alert(1)"}, "target_url"},
		{service.NewCheck{Context: "x", TargetURL: "ftp://ci.example.org/x"}, ""},
		{service.NewCheck{Context: "x", TargetURL: "http://ci/2"}, "target_url"},
		{service.NewCheck{Context: "x", TargetURL: "/relative"}, "target_url"},
		{service.NewCheck{Context: "x", State: store.CheckState(9)}, "state"},
		{service.NewCheck{Context: "a b", TargetURL: "nope", FreeContext: false}, "context,target_url"},
	} {
		var got []string
		for _, err := range service.ValidateCheck(tc.c) {
			var fe *store.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("ValidateCheck(%+v): %v is no field error", tc.c, err)
			}
			got = append(got, fe.Field)
		}
		if strings.Join(got, ",") != tc.fields {
			t.Errorf("ValidateCheck(%+v) fields %v, want %q", tc.c, got, tc.fields)
		}
	}
}

func TestCheckBundleName(t *testing.T) {
	for _, tc := range []struct{ in, want, msg string }{
		{" todo ", "todo", ""},
		{"", "", service.MsgBundleNameBlank},
		{"   ", "", service.MsgBundleNameBlank},
		{"a/b", "", service.MsgBundleNameSlash},
		{strings.Repeat("é", 50), strings.Repeat("é", 50), ""},
		{strings.Repeat("é", 51), "", service.MsgBundleNameLong},
	} {
		got, err := service.CheckBundleName(tc.in)
		msg := ""
		if err != nil {
			msg = service.Message(err)
		}
		if got != tc.want || msg != tc.msg {
			t.Errorf("CheckBundleName(%q) = %q, %q; want %q, %q", tc.in, got, msg, tc.want, tc.msg)
		}
	}
}

func TestValidateProject(t *testing.T) {
	good := func() store.Project {
		return store.Project{LinkName: "p", Name: "P", ListID: "<p.example.org>", ListEmail: "p@example.org"}
	}
	p := good()
	must(t, service.ValidateProject(&p))
	if p.ListID != "p.example.org" {
		t.Errorf("list id kept its brackets: %q", p.ListID)
	}
	for name, change := range map[string]func(*store.Project){
		"no linkname":   func(p *store.Project) { p.LinkName = "" },
		"bad linkname":  func(p *store.Project) { p.LinkName = "a/b" },
		"no name":       func(p *store.Project) { p.Name = " " },
		"list id @":     func(p *store.Project) { p.ListID = "p@example.org" },
		"named address": func(p *store.Project) { p.ListEmail = "P <p@example.org>" },
		"bad regexp":    func(p *store.Project) { p.SubjectMatch = "(" },
		"no {}":         func(p *store.Project) { p.CommitURLFormat = "https://example.org/c/" },
	} {
		p := good()
		change(&p)
		if err := service.ValidateProject(&p); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}
