package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBody bounds request bodies; API writes are small.
const maxBody = 1 << 20

// body is a decoded request body: JSON (pwclient) or form fields (git-pw,
// which spells booleans True/False and repeats keys for lists).
type body struct {
	json map[string]any
	form url.Values
}

// readBody decodes the request body by its Content-Type.
func (c *call) readBody() (*body, error) {
	raw, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody))
	if err != nil {
		return nil, detail(http.StatusBadRequest, "Could not read the request body.")
	}
	ct := c.r.Header.Get("Content-Type")
	if len(bytes.TrimSpace(raw)) == 0 && ct == "" {
		return &body{form: url.Values{}}, nil
	}
	mt, params, _ := mime.ParseMediaType(ct)
	switch mt {
	case "application/json":
		b := &body{}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, detail(http.StatusBadRequest, "JSON parse error - "+err.Error())
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &apiError{status: http.StatusBadRequest, body: obj{{"non_field_errors", []string{"Invalid data. Expected a dictionary, but got " + pyType(v) + "."}}}}
		}
		b.json = m
		return b, nil
	case "application/x-www-form-urlencoded":
		f, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, detail(http.StatusBadRequest, "Malformed form data.")
		}
		return &body{form: f}, nil
	case "multipart/form-data":
		r2 := c.r.Clone(c.ctx)
		r2.Body = io.NopCloser(bytes.NewReader(raw))
		r2.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
		if err := r2.ParseMultipartForm(maxBody); err != nil {
			return nil, detail(http.StatusBadRequest, "Multipart form parse error - "+err.Error())
		}
		return &body{form: r2.MultipartForm.Value}, nil
	}
	return nil, detail(http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request.", ct))
}

// pyType names a JSON value's type as Python would, for DRF's messages.
func pyType(v any) string {
	switch v := v.(type) {
	case string:
		return "str"
	case json.Number:
		if strings.ContainsAny(v.String(), ".eE") {
			return "float"
		}
		return "int"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	case nil:
		return "NoneType"
	}
	return "object"
}

// has reports whether the field was sent.
func (b *body) has(k string) bool {
	if b.json != nil {
		_, ok := b.json[k]
		return ok
	}
	_, ok := b.form[k]
	return ok
}

// hasPrefix reports whether a form field named prefix+something was sent
// (nested fields in form bodies: settings.show_ids).
func (b *body) hasPrefix(prefix string) bool {
	for k := range b.form {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// raw returns the field's value: a JSON value, or a form field's last
// string.
func (b *body) raw(k string) any {
	if b.json != nil {
		return b.json[k]
	}
	v := b.form[k]
	if len(v) == 0 {
		return nil
	}
	return v[len(v)-1]
}

// list returns the field as a list: a JSON array's elements, or every
// value of a repeated form key.
func (b *body) list(k string) []any {
	if b.json != nil {
		switch v := b.json[k].(type) {
		case []any:
			return v
		case nil:
			return nil
		default:
			return []any{v}
		}
	}
	var out []any
	for _, s := range b.form[k] {
		out = append(out, s)
	}
	return out
}

var boolWords = map[string]bool{
	"t": true, "y": true, "yes": true, "true": true, "on": true, "1": true,
	"f": false, "n": false, "no": false, "false": false, "off": false, "0": false,
}

// parseBool accepts JSON booleans, 1/0 and DRF's words in lower,
// Capitalised or UPPER case (True, YES, ...).
func parseBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case json.Number:
		switch x.String() {
		case "1":
			return true, true
		case "0":
			return false, true
		}
	case string:
		lower := strings.ToLower(x)
		b, ok := boolWords[lower]
		if !ok {
			return false, false
		}
		if x == lower || x == strings.ToUpper(x) || x == strings.ToUpper(lower[:1])+lower[1:] {
			return b, true
		}
	}
	return false, false
}

// boolField reads an optional boolean field.
func (b *body) boolField(k string) (*bool, error) {
	if !b.has(k) {
		return nil, nil
	}
	v, ok := parseBool(b.raw(k))
	if !ok {
		return nil, fieldError(k, "Must be a valid boolean.")
	}
	return &v, nil
}

// strField reads an optional string field; a JSON number is turned into
// its text like DRF's CharField does. null gives ("", true, true).
func (b *body) strField(k string) (s string, present, null bool) {
	if !b.has(k) {
		return "", false, false
	}
	switch x := b.raw(k).(type) {
	case nil:
		return "", true, true
	case string:
		return x, true, false
	case json.Number:
		return x.String(), true, false
	case bool:
		if x {
			return "True", true, false
		}
		return "False", true, false
	}
	return fmt.Sprint(b.raw(k)), true, false
}

// stringFields refuses JSON objects, arrays and booleans sent for the
// given string fields, as DRF's CharField does ("Not a valid string.");
// strField would otherwise store their Go formatting ("map[a:1]"). Form
// bodies carry only strings. The refusal is logged (one line): a client
// that sends these is broken or probing.
func (c *call) stringFields(b *body, keys ...string) error {
	if b.json == nil {
		return nil
	}
	var v validation
	for _, k := range keys {
		switch b.json[k].(type) {
		case map[string]any, []any, bool:
			v.add(k, "Not a valid string.")
		}
	}
	if err := v.err(); err != nil {
		c.refused("string field of another JSON type", "fields", keys)
		return err
	}
	return nil
}

// pk turns a primary-key value (int or decimal string) into an id.
func pk(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(x.String(), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}
