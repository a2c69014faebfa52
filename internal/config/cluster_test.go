package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadClusterDefaults(t *testing.T) {
	c, err := LoadCluster(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"driver", c.InstanceDriver, "docker"},
		{"service", c.InstanceService, "wa-worker"},
		{"instance secrets", c.InstanceSecrets, "nomad"},
		{"variable path", c.InstanceVariablePath, "nomad/jobs"},
		{"kv mount", c.VaultKVMount, "secret"},
		{"kv path", c.VaultKVPath, "whatsapp-gateway"},
		{"refresh", c.VaultRefresh, time.Minute},
		{"nomad addr", c.NomadAddr, "http://127.0.0.1:4646"},
		{"datacenters", len(c.NomadDatacenters), 0},
		{"cpu", c.InstanceCPU, 200},
		{"disk", c.InstanceDiskMB, 1024},
		{"start wait", c.InstanceStartWait, 20 * time.Second},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	for _, s := range ClusterDocs() {
		if s.Description == "" {
			t.Errorf("%s has no description", s.Name)
		}
	}
}

func TestLoadClusterValues(t *testing.T) {
	dir := t.TempDir()
	tok := filepath.Join(dir, "token")
	if err := os.WriteFile(tok, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCluster(env(map[string]string{
		"INSTANCE_DRIVER": "RAW_EXEC", "INSTANCE_COMMAND": "/bin/instance", "NOMAD_DATACENTERS": "dc1, dc2",
		"VAULT_TOKEN_FILE": tok, "VAULT_KV_PATH": "wa", "INSTANCE_SECRETS": "vault",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.InstanceDriver != "raw_exec" || strings.Join(c.NomadDatacenters, "|") != "dc1|dc2" || c.VaultToken.Value() != "s3cret" || c.VaultKVPath != "wa" {
		t.Errorf("got %+v", c)
	}
	if strings.Contains(c.VaultToken.String(), "s3cret") {
		t.Error("the token prints")
	}
}

func TestLoadClusterProblems(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"INSTANCE_DRIVER": "raw_exec"}, "INSTANCE_COMMAND"},
		{map[string]string{"INSTANCE_DRIVER": "podman"}, "INSTANCE_DRIVER"},
		{map[string]string{"INSTANCE_SECRETS": "consul"}, "INSTANCE_SECRETS"},
		{map[string]string{"VAULT_ROLE_ID": "r"}, "VAULT_SECRET_ID"},
		{map[string]string{"INSTANCE_CPU": "lots"}, "INSTANCE_CPU"},
		{map[string]string{"INSTANCE_DISK_MB": "0"}, "INSTANCE_DISK_MB"},
		{map[string]string{"VAULT_REFRESH": "0s"}, "VAULT_REFRESH"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := LoadCluster(env(tt.env))
			var cerr *Error
			if err == nil || !errors.As(err, &cerr) || !cerr.Has(tt.want) {
				t.Fatalf("got %v, want a problem with %s", err, tt.want)
			}
		})
	}
}
