package compose

import (
	"mime"
	"net/mail"
	"strings"
)

// Address is a mailbox: a display name (may be "") and an address.
type Address struct {
	Name, Email string
}

// String writes the address for a header: the name quoted or RFC 2047
// encoded as needed.
func (a Address) String() string {
	return (&mail.Address{Name: a.Name, Address: a.Email}).String()
}

// field is one stored header.
type field struct{ name, value string }

// parseStored splits stored headers ("Name: value" lines joined with "\n",
// folds starting with a space or a tab) into unfolded fields.
func parseStored(stored string) []field {
	var fs []field
	for _, line := range strings.Split(stored, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(fs) > 0 {
				fs[len(fs)-1].value += " " + strings.TrimLeft(line, " \t")
			}
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			continue
		}
		fs = append(fs, field{name: strings.TrimSpace(name), value: strings.TrimSpace(value)})
	}
	return fs
}

// get is the first field of that name, "" when there is none.
func get(fs []field, name string) string {
	for _, f := range fs {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

// all is every field of that name, in order.
func all(fs []field, name string) []string {
	var out []string
	for _, f := range fs {
		if strings.EqualFold(f.name, name) {
			out = append(out, f.value)
		}
	}
	return out
}

// decode undoes RFC 2047 words; a value it cannot decode stays as it is.
func decode(v string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// addresses reads an address list leniently: a part that does not parse
// is left out rather than failing the whole list (real lists carry odd
// Cc's, and a reply must still be possible).
func addresses(v string) []Address {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	p := &mail.AddressParser{WordDecoder: new(mime.WordDecoder)}
	if list, err := p.ParseList(v); err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: a.Name, Email: a.Address})
		}
		return out
	}
	var out []Address
	for _, part := range strings.Split(v, ",") {
		if a, err := p.Parse(strings.TrimSpace(part)); err == nil {
			out = append(out, Address{Name: a.Name, Email: a.Address})
		}
	}
	return out
}

// msgIDs reads the message ids of a References or In-Reply-To value.
func msgIDs(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return out
		}
		if id := v[i : i+j+1]; len(id) > 2 && !strings.ContainsAny(id, " \t") {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
}
