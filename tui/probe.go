package tui

// probeMsg asks the running program for its current screen; tests send it
// through tea.Program.Send and read the answer, which avoids parsing the
// renderer's incremental output. It is harmless in production: nothing
// else sends it.
type probeMsg struct{ ch chan string }
