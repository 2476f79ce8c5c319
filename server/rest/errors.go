package rest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/patchwork-go/patchwork/store"
)

// Messages the clients see verbatim (spec rest.md §3, §10).
const (
	msgNotFound      = "Not found."
	msgInvalidPage   = "Invalid page."
	msgNoCredentials = "Authentication credentials were not provided."
	msgNoPermission  = "You do not have permission to perform this action."
)

// apiError is an HTTP error with the exact JSON body a client expects.
type apiError struct {
	status int
	body   obj
	// retryAfter, in seconds, is sent as Retry-After (a 429).
	retryAfter int
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

// detail builds the common {"detail": "..."} error.
func detail(status int, msg string) *apiError {
	return &apiError{status: status, body: obj{{"detail", msg}}}
}

// fieldError builds a validation error on one field: {"f": ["msg"]}.
func fieldError(name, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, body: obj{{name, []string{msg}}}}
}

// throttled is Django REST framework's answer to a throttled request.
func throttled(seconds int) *apiError {
	e := detail(http.StatusTooManyRequests, fmt.Sprintf("Request was throttled. Expected available in %d second%s.", seconds, plural(seconds)))
	e.retryAfter = seconds
	return e
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func notFound() *apiError { return detail(http.StatusNotFound, msgNotFound) }

func methodNotAllowed(method string) *apiError {
	return detail(http.StatusMethodNotAllowed, fmt.Sprintf("Method %q not allowed.", method))
}

// forbidden is the permission failure: anonymous requests are told to log
// in, authenticated ones that they may not.
func (c *call) forbidden() *apiError {
	if c.user == nil {
		return detail(http.StatusForbidden, msgNoCredentials)
	}
	return detail(http.StatusForbidden, msgNoPermission)
}

// refused logs one line for a request refused with a 400 that a working
// client would not send (hostile or broken input), so that it shows in the
// log without a stack trace or an error level.
func (c *call) refused(reason string, args ...any) {
	c.h.logger.WarnContext(c.ctx, "rest request refused",
		append([]any{"method", c.r.Method, "path", c.r.URL.Path, "reason", reason}, args...)...)
}

// permit turns the service's answer to "may the requester do this?" into
// the request's refusal (403), or nil.
func (c *call) permit(ok bool, err error) error {
	if err != nil {
		return err
	}
	if !ok {
		return c.forbidden()
	}
	return nil
}

// errorResponse is the one place store errors become HTTP answers.
func (c *call) errorResponse(err error) *apiError {
	var ae *apiError
	var fe *store.FieldError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &fe):
		return fieldError(fe.Field, fe.Message)
	case errors.Is(err, store.ErrNotFound):
		return notFound()
	case errors.Is(err, store.ErrForbidden):
		return c.forbidden()
	case errors.Is(err, store.ErrInvalid):
		return &apiError{status: http.StatusBadRequest, body: obj{{"detail", []string{err.Error()}}}}
	case errors.Is(err, store.ErrConflict):
		return detail(http.StatusConflict, err.Error())
	default:
		c.h.logger.ErrorContext(c.ctx, "rest request failed",
			"method", c.r.Method, "path", c.r.URL.Path, "err", err)
		return detail(http.StatusInternalServerError, "A server error occurred.")
	}
}
