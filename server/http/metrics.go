package http

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's request metrics, labelled by route class (not
// by path: ids in paths would make the label set unbounded).
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchwork_http_requests_total",
			Help: "HTTP requests by route class, method and status code.",
		}, []string{"class", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "patchwork_http_request_duration_seconds",
			Help:    "HTTP request latency by route class.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"class"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "patchwork_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.inFlight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(class, method string, code int, d time.Duration) {
	m.requests.WithLabelValues(class, methodLabel(method), strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(class).Observe(d.Seconds())
}

// methodLabel keeps the label set bounded whatever clients send.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// routeClass names the front end a path belongs to.
func routeClass(path string) string {
	switch {
	case path == "/xmlrpc" || strings.HasPrefix(path, "/xmlrpc/"):
		return "xmlrpc"
	case path == "/api" || strings.HasPrefix(path, "/api/"):
		return "api"
	case path == "/healthz":
		return "healthz"
	case path == "/metrics":
		return "metrics"
	case strings.HasPrefix(path, "/static/"):
		return "static"
	}
	return "web"
}

// MetricsHandler serves the server's registry in Prometheus' format.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{
		ErrorLog: slogPrinter{s},
		Registry: s.reg,
	})
}

// slogPrinter adapts the logger to promhttp's Println logger.
type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) {
	p.s.logger.Warn("metrics exposition failed", "error", fmt.Sprint(v...))
}
