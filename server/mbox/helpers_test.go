package mbox

import (
	"flag"
	"strconv"
)

var update = flag.Bool("update", false, "rewrite golden files")

func itoa(i int) string     { return strconv.Itoa(i) }
func quote(s string) string { return strconv.Quote(s) }
