package xmlrpc

import (
	"errors"
	"fmt"
	"strings"
)

// Fault is an XML-RPC fault as upstream reports it: faultCode 1 and a
// faultString "<class 'NAME'>:MESSAGE" mirroring the Python exception.
type Fault struct {
	Class string // Python class name, e.g. "Exception" or "patchwork.models.Patch.DoesNotExist"
	Msg   string
}

func (f *Fault) Error() string { return f.String() }

// String is the faultString.
func (f *Fault) String() string { return "<class '" + f.Class + "'>:" + f.Msg }

func fault(class, format string, a ...any) *Fault {
	return &Fault{Class: class, Msg: fmt.Sprintf(format, a...)}
}

// The fault texts pwclient prints (spec §2, §3).
var (
	errNoCredentials   = &Fault{"Exception", "No authentication credentials given"}
	errSchema          = &Fault{"Exception", "Authentication scheme not supported"}
	errBadCredentials  = &Fault{"Exception", "Invalid authentication credentials"}
	errBadLogin        = &Fault{"Exception", "Invalid username/password"}
	errNoPermission    = &Fault{"Exception", "No permissions to edit this patch"}
	errPatchNotExist   = &Fault{"patchwork.models.Patch.DoesNotExist", "Patch matching query does not exist."}
	errStateNotExist   = &Fault{"patchwork.models.State.DoesNotExist", "State matching query does not exist."}
	errInternal        = &Fault{"Exception", "internal server error"}
	errRequestTooLarge = &Fault{"Exception", "request body too large"}
)

// asFault turns any error of a method into the fault to send; reports
// whether it was a deliberate fault (false: an internal error to log).
func asFault(err error) (*Fault, bool) {
	var f *Fault
	if errors.As(err, &f) {
		return f, true
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return &Fault{Class: de.Class, Msg: de.Msg}, true
	}
	return errInternal, false
}

// refusal is a fault answered to input no working client sends (a
// max_count that cannot be a count): the handler logs it, one line, where
// other deliberate faults are not.
type refusal struct {
	f      *Fault
	reason string
}

func (r *refusal) Error() string { return r.f.Error() }
func (r *refusal) Unwrap() error { return r.f }

func refuse(f *Fault, reason string) error { return &refusal{f, reason} }

// typeError builds Python's argument-count TypeError text for a function
// with the given positional parameters, of which the last optional ones
// have defaults, called with given arguments.
func typeError(name string, params []string, optional, given int) *Fault {
	required := len(params) - optional
	if given < required {
		missing := params[given:required]
		quoted := make([]string, len(missing))
		for i, p := range missing {
			quoted[i] = "'" + p + "'"
		}
		var list string
		switch len(quoted) {
		case 1:
			list = quoted[0]
		case 2:
			list = quoted[0] + " and " + quoted[1]
		default:
			list = strings.Join(quoted[:len(quoted)-1], ", ") + ", and " + quoted[len(quoted)-1]
		}
		return fault("TypeError", "%s() missing %d required positional %s: %s", name, len(missing), plural(len(missing), "argument"), list)
	}
	was := "were"
	if given == 1 {
		was = "was"
	}
	if optional > 0 {
		return fault("TypeError", "%s() takes from %d to %d positional arguments but %d %s given", name, required, len(params), given, was)
	}
	return fault("TypeError", "%s() takes %d positional %s but %d %s given", name, len(params), plural(len(params), "argument"), given, was)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
