package deploycheck

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-config-inspect/tfconfig"

	"github.com/whatsapp-saas/gateway/internal/config"
)

const root = "../.."

// hclFiles lists the HCL and Terraform files under the deployment folders.
func hclFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"jobs", "terraform"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".hcl") || strings.HasSuffix(p, ".tf")) {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d HCL files: %v", len(out), out)
	}
	return out
}

func TestHCLParsesAndIsFormatted(t *testing.T) {
	for _, p := range hclFiles(t) {
		t.Run(strings.TrimPrefix(p, root+"/"), func(t *testing.T) {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos); diags.HasErrors() {
				t.Fatalf("does not parse: %v", diags)
			}
			if got := hclwrite.Format(src); string(got) != string(src) {
				t.Errorf("not canonically formatted (terraform fmt / nomad fmt would change it)")
			}
		})
	}
}

func TestTerraformModulesLoad(t *testing.T) {
	tests := []struct {
		dir       string
		providers []string
		resources []string
		variables []string
		outputs   []string
	}{
		{
			dir:       "terraform/deploy",
			providers: []string{"nomad", "vault", "consul", "random"},
			resources: []string{"nomad_job.gateway", "nomad_acl_policy.gateway", "nomad_acl_token.gateway", "nomad_namespace.whatsapp",
				"vault_policy.gateway", "vault_kv_secret_v2.gateway", "vault_jwt_auth_backend_role.gateway", "consul_config_entry.worker_intentions"},
			variables: []string{"gateway_image", "instance_image", "vault_addr", "database_url", "redis_url", "secrets_version"},
			outputs:   []string{"namespace", "gateway_job_id"},
		},
		{
			dir:       "terraform/cluster",
			providers: []string{"aws"},
			resources: []string{"aws_instance.server", "aws_instance.client", "aws_security_group.cluster", "aws_iam_instance_profile.node"},
			variables: []string{"allowed_cidrs", "ssh_key_name", "ami_id", "server_count", "client_count", "nomad_version"},
			outputs:   []string{"nomad_addr", "consul_addr", "vault_addr"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := filepath.Join(root, tt.dir)
			mod, diags := tfconfig.LoadModule(dir)
			if diags.HasErrors() || len(diags) > 0 {
				t.Fatalf("diagnostics: %v", diags)
			}
			wantKeys(t, "provider %s not required", mod.RequiredProviders, tt.providers)
			wantKeys(t, "resource %s missing", mod.ManagedResources, tt.resources)
			wantKeys(t, "variable %s missing", mod.Variables, tt.variables)
			wantKeys(t, "output %s missing", mod.Outputs, tt.outputs)
			for name, v := range mod.Variables {
				if v.Description == "" {
					t.Errorf("variable %s has no description", name)
				}
			}
			if len(mod.RequiredCore) == 0 {
				t.Error("no required_version")
			}
		})
	}
}

// TestClusterDocsListEverySetting keeps docs/cluster.md in step with the
// cluster settings.
func TestClusterDocsListEverySetting(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "docs", "cluster.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), config.ClusterMarkdownTable()) {
		t.Error("docs/cluster.md's settings table is not the one internal/config generates; regenerate it with `bin/gateway config --markdown-cluster`")
	}
	for _, s := range config.ClusterDocs() {
		if !strings.Contains(string(raw), "`"+s.Name+"`") {
			t.Errorf("docs/cluster.md does not document %s", s.Name)
		}
	}
}

// TestModuleFilesExist checks every file() and templatefile() target.
func TestModuleFilesExist(t *testing.T) {
	re := regexp.MustCompile(`(?:file|templatefile)\("\$\{path\.module\}/([^"]+)"`)
	n := 0
	for _, p := range hclFiles(t) {
		if !strings.HasSuffix(p, ".tf") {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			n++
			target := filepath.Join(filepath.Dir(p), m[1])
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s reads %s, which does not exist", p, m[1])
			}
		}
	}
	if n < 5 {
		t.Errorf("found only %d file references", n)
	}
}

// TestComposeFile checks docker-compose.dev.yml has the dev stack's
// services, and validates it with `docker-compose config` when installed
// (Debian's docker-compose package works offline).
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.dev.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var services []string
	inServices := false
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "services:") {
			inServices = true
			continue
		}
		if inServices && len(line) > 2 && line[0] != ' ' && line[0] != '#' {
			inServices = false
		}
		if inServices && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") && strings.HasSuffix(strings.TrimSpace(line), ":") {
			services = append(services, strings.TrimSuffix(strings.TrimSpace(line), ":"))
		}
		if strings.Contains(line, "\t") {
			t.Errorf("tab in YAML: %q", line)
		}
	}
	for _, want := range []string{"postgres", "redis", "consul", "vault", "nomad", "gateway"} {
		if !slices.Contains(services, want) {
			t.Errorf("service %s missing (have %v)", want, services)
		}
	}
	if bin, err := exec.LookPath("docker-compose"); err == nil {
		cmd := exec.Command(bin, "-f", "docker-compose.dev.yml", "config", "-q")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("docker-compose config: %v\n%s", err, out)
		}
	} else {
		t.Log("docker-compose not installed: structural checks only")
	}
}

// wantKeys reports, with format, each of names m does not hold.
func wantKeys[V any](t *testing.T, format string, m map[string]V, names []string) {
	t.Helper()
	for _, n := range names {
		if _, ok := m[n]; !ok {
			t.Errorf(format, n)
		}
	}
}
