package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The SSH front end's pool and gate sizes come from the file and the
// environment, and bad values are refused with the key's name.
func TestConfigSSHPoolAndSlots(t *testing.T) {
	file := filepath.Join(t.TempDir(), "patchwork.toml")
	if err := os.WriteFile(file, []byte("db = \"sqlite:x.db\"\n[ssh]\ndb_connections = 6\ntui_slots = 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SSH.DBConnections != 6 || cfg.SSH.TUISlots != 3 {
		t.Errorf("from the file: db_connections %d, tui_slots %d; want 6, 3", cfg.SSH.DBConnections, cfg.SSH.TUISlots)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("valid sizes refused: %v", err)
	}
	if def := DefaultConfig(); def.SSH.DBConnections != 4 || def.SSH.TUISlots != 0 {
		t.Errorf("defaults: db_connections %d, tui_slots %d; want 4, 0", def.SSH.DBConnections, def.SSH.TUISlots)
	}
	for env, want := range map[string]string{
		"PATCHWORK_SSH_DB_CONNECTIONS": "ssh.db_connections",
		"PATCHWORK_SSH_TUI_SLOTS":      "ssh.tui_slots",
	} {
		cfg, err := LoadConfig(file, map[string]string{env: "-1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=-1: %v, want an error naming %s", env, err, want)
		}
	}
}
