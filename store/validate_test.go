package store

import (
	"strings"
	"testing"
)

// Cases from Django's own URLValidator tests (tests/validators) that bear
// on what CI bots send, plus the ones issue 22.5 names.
func TestValidURL(t *testing.T) {
	valid := []string{
		"http://www.djangoproject.com/", "HTTP://EXAMPLE.COM/", "http://localhost/", "http://localhost:8000/x",
		"http://example.com:8080",
		"http://10.0.0.1/", "http://0.0.0.0/", "http://[::1]:8080/", "http://[2001:db8::ff00:42]/",
		"https://ci.example.org/job/1?x=1#y", "ftp://ftp.example.org/f", "ftps://example.org/",
		"http://user:pass@example.com/", "http://user@example.com", "http://example.com.", "http://xn--7sbb4ac0ad0be6cf.xn--p1ai",
		"http://例え.テスト/", "http://a.b-c.de", "http://example.com/~user/a%20b", "http://a?b@example.com/",
		"http://" + strings.Repeat("a", 63) + ".com",
	}
	invalid := []string{
		"", "javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "mailto:a@example.org", "gopher://example.org",
		"http://ci/2", "http://ci", "http://example", "http://-invalid.com", "http://invalid-.com", "http://inv-.alid-.com",
		"http://example.c", "http://example.123", "http://1.1.1.1.1", "http://256.1.1.1", "http://01.1.1.1", "http://[::1:2::3]/",
		"http://[1.2.3.4]/", "http://[::1", "http://example.com/ space", "http:// example.com", "http://example.com:123456",
		"http://example.com\n", "http://exa\tmple.com", "//example.com", "example.com", "http://.com", "http://a..com",
		"http://" + strings.Repeat("a", 64) + ".com", "http://example.com/" + strings.Repeat("a", 2048), "http://@example.com",
		"http://a:b:c@example.com",
	}
	// Django retries this host as IDNA ("xn--e28h.com") and accepts it;
	// ValidURL does not (its doc comment).
	invalid = append(invalid, "http://😀.com")
	for _, u := range valid {
		if !ValidURL(u) {
			t.Errorf("ValidURL(%q) = false, Django accepts it", u)
		}
	}
	for _, u := range invalid {
		if ValidURL(u) {
			t.Errorf("ValidURL(%q) = true, Django refuses it", u)
		}
	}
	if err := ValidateCheckTargetURL("https://" + strings.Repeat("a", 190) + ".org"); err == nil || !strings.Contains(err.Error(), "200 characters") {
		t.Errorf("201-character URL: %v", err)
	}
	if err := ValidateCheckTargetURL(""); err != nil {
		t.Errorf("empty URL: %v", err)
	}
}
