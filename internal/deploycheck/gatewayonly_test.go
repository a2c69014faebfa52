package deploycheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/whatsapp-saas/gateway/internal/config"
)

// settingNames is every variable the gateway reads: the settings table,
// the cluster settings, and NAME_FILE for each secret.
func settingNames() map[string]bool {
	names := map[string]bool{}
	for _, s := range append(config.Docs(), config.ClusterDocs()...) {
		names[s.Name] = true
		if s.Secret {
			names[s.Name+"_FILE"] = true
		}
	}
	return names
}

// sampleSecret is long enough for production's JWT_SECRET check and is no
// seed example.
const sampleSecret = "deploycheck-sample-secret-0123456789-abcdefghij"

// compose is the part of a compose file the checks read.
type compose struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	Healthcheck struct {
		Test     []string `yaml:"test"`
		Interval string   `yaml:"interval"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	StopGracePeriod string `yaml:"stop_grace_period"`
}

// interpolation is compose's ${NAME}, ${NAME:-default} and ${NAME:?message}.
var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// interpolate resolves the file as compose would with an empty .env: a
// default where one is given, sampleSecret where the value is required.
func interpolate(s string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		sub := interpolation.FindStringSubmatch(m)
		switch {
		case strings.HasSuffix(sub[2], "-"):
			return sub[3]
		case strings.HasSuffix(sub[2], "?"):
			return sampleSecret
		}
		return ""
	})
}

// TestProductionCompose checks docker-compose.yml, the gateway-only shape:
// gateway_api, postgres and redis with healthchecks and named volumes,
// every variable it sets or interpolates a real setting, and the
// gateway's environment (required values filled in) passing production's
// configuration checks.
func TestProductionCompose(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	names := settingNames()
	for _, m := range interpolation.FindAllStringSubmatch(string(raw), -1) {
		if !names[m[1]] {
			t.Errorf("docker-compose.yml interpolates ${%s}, which is not a setting of internal/config", m[1])
		}
	}
	var c compose
	if err := yaml.Unmarshal([]byte(interpolate(string(raw))), &c); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	for _, name := range []string{"gateway_api", "postgres", "redis"} {
		s, ok := c.Services[name]
		if !ok {
			t.Errorf("service %s missing", name)
			continue
		}
		if len(s.Healthcheck.Test) < 2 || (s.Healthcheck.Test[0] != "CMD" && s.Healthcheck.Test[0] != "CMD-SHELL") {
			t.Errorf("service %s: got healthcheck test %q, want [CMD …] or [CMD-SHELL …]", name, s.Healthcheck.Test)
		}
		if len(s.Volumes) == 0 {
			t.Errorf("service %s keeps no data in a volume", name)
		}
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if _, ok := c.Volumes[src]; !ok {
				t.Errorf("service %s mounts %q, which is not a named volume of the file", name, src)
			}
		}
	}
	gw := c.Services["gateway_api"]
	if gw.Build == nil || gw.Image == "" {
		t.Errorf("gateway_api: want both build (the Dockerfile) and image")
	}
	for _, dep := range []string{"postgres", "redis"} {
		if got := gw.DependsOn[dep].Condition; got != "service_healthy" {
			t.Errorf("gateway_api depends on %s with condition %q, want service_healthy", dep, got)
		}
	}
	if !slices.Equal(gw.Healthcheck.Test, []string{"CMD", "/usr/local/bin/gateway", "healthcheck"}) {
		t.Errorf("gateway_api healthcheck: got %q, want the binary's own healthcheck (the image has no shell)", gw.Healthcheck.Test)
	}
	for k := range gw.Environment {
		if !names[k] {
			t.Errorf("gateway_api sets %s, which is not a setting of internal/config", k)
		}
	}
	env := gw.Environment
	if env["NODE_ENV"] != "production" {
		t.Errorf("gateway_api: got NODE_ENV %q, want production", env["NODE_ENV"])
	}
	if !slices.ContainsFunc(gw.Volumes, func(v string) bool { return strings.HasSuffix(v, ":"+env["DATA_DIR"]) }) {
		t.Errorf("gateway_api: DATA_DIR %q is not on a volume (%v)", env["DATA_DIR"], gw.Volumes)
	}
	if !slices.ContainsFunc(gw.Ports, func(p string) bool { return strings.HasSuffix(p, ":"+env["PORT"]) }) {
		t.Errorf("gateway_api publishes %v, want the container's PORT %s", gw.Ports, env["PORT"])
	}
	for k, want := range map[string]string{"DB_HOST": "postgres", "REDIS_HOST": "redis"} {
		if env[k] != want {
			t.Errorf("gateway_api: got %s=%q, want the %s service", k, env[k], want)
		}
	}
	pg := c.Services["postgres"].Environment
	if pg["POSTGRES_PASSWORD"] != env["DB_PASSWORD"] || pg["POSTGRES_USER"] != env["DB_USER"] || pg["POSTGRES_DB"] != env["DB_NAME"] {
		t.Errorf("postgres's user, password or database differ from the gateway's DB_USER, DB_PASSWORD, DB_NAME")
	}
	cfg := loadProduction(t, "docker-compose.yml", env)
	checkGrace(t, "gateway_api stop_grace_period", gw.StopGracePeriod, cfg.ShutdownTimeout)

	if bin, err := exec.LookPath("docker-compose"); err == nil {
		cmd := exec.Command(bin, "-f", "docker-compose.yml", "config", "-q")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "JWT_SECRET="+sampleSecret, "DB_PASSWORD=x", "REDIS_PASSWORD=y")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("docker-compose config: %v\n%s", err, out)
		}
	}
}

// loadProduction runs the gateway's configuration checks on env.
func loadProduction(t *testing.T, file string, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		t.Fatalf("%s: the gateway's environment does not load: %v", file, err)
	}
	if !cfg.Production() {
		t.Errorf("%s: the gateway does not run in production mode", file)
	}
	return cfg
}

// checkGrace: the orchestrator's kill comes after the gateway's own
// shutdown timeout, so a stop drains.
func checkGrace(t *testing.T, what, grace string, shutdown time.Duration) {
	t.Helper()
	d, err := time.ParseDuration(grace)
	if err != nil {
		t.Errorf("%s: %q is not a duration", what, grace)
		return
	}
	if d <= shutdown {
		t.Errorf("%s: got %s, want more than SHUTDOWN_TIMEOUT (%s)", what, d, shutdown)
	}
}

// k8sObject is the part of a Kubernetes object the checks read.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		// Deployment.
		Replicas *int `yaml:"replicas"`
		Strategy struct {
			Type string `yaml:"type"`
		} `yaml:"strategy"`
		Selector yaml.Node `yaml:"selector"` // Deployment: {matchLabels}; Service: a map
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				TerminationGracePeriodSeconds *int           `yaml:"terminationGracePeriodSeconds"`
				Containers                    []k8sContainer `yaml:"containers"`
				Volumes                       []struct {
					Name                  string `yaml:"name"`
					PersistentVolumeClaim *struct {
						ClaimName string `yaml:"claimName"`
					} `yaml:"persistentVolumeClaim"`
					EmptyDir any `yaml:"emptyDir"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
		// Service.
		Ports []struct {
			Name       string    `yaml:"name"`
			Port       int       `yaml:"port"`
			TargetPort yaml.Node `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string    `yaml:"path"`
		Port yaml.Node `yaml:"port"`
	} `yaml:"httpGet"`
}

type k8sEnv struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef *struct {
			Name     string `yaml:"name"`
			Key      string `yaml:"key"`
			Optional bool   `yaml:"optional"`
		} `yaml:"secretKeyRef"`
	} `yaml:"valueFrom"`
}

type k8sContainer struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env            []k8sEnv  `yaml:"env"`
	ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
	LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

// portNumber resolves a probe's or Service's port (a number or a container
// port's name) to the container port number.
func portNumber(n yaml.Node, c k8sContainer) (int, error) {
	if p, err := strconv.Atoi(n.Value); err == nil {
		return p, nil
	}
	for _, p := range c.Ports {
		if p.Name == n.Value {
			return p.ContainerPort, nil
		}
	}
	return 0, fmt.Errorf("port %q is neither a number nor a port of container %s", n.Value, c.Name)
}

// TestKubernetesManifest checks k8s/deployment.yaml: a Deployment whose
// selector matches its pods, readiness on /health/ready and liveness on
// /health/live on the container's port, environment names that are real
// settings, secrets taken from a Secret, the data directory on a claimed
// volume, and a Service that selects the pods and targets that port.
func TestKubernetesManifest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "k8s", "deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var objs []k8sObject
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var o k8sObject
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("k8s/deployment.yaml does not parse: %v", err)
		}
		if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
			t.Errorf("an object lacks apiVersion, kind or metadata.name: %+v", o.Metadata)
		}
		objs = append(objs, o)
	}
	byKind := map[string]k8sObject{}
	for _, o := range objs {
		byKind[o.Kind] = o
	}
	dep, ok := byKind["Deployment"]
	if !ok || dep.APIVersion != "apps/v1" {
		t.Fatalf("no apps/v1 Deployment in k8s/deployment.yaml (kinds: %v)", byKind)
	}
	svc, ok := byKind["Service"]
	if !ok || svc.APIVersion != "v1" {
		t.Fatalf("no v1 Service in k8s/deployment.yaml")
	}

	// One pod: the local scheduler runs a session's worker in the pod
	// that started it.
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 1 || dep.Spec.Strategy.Type != "Recreate" {
		t.Errorf("Deployment: want replicas 1 and strategy Recreate (two pods would connect the same sessions)")
	}
	var selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	if err := dep.Spec.Selector.Decode(&selector); err != nil || len(selector.MatchLabels) == 0 {
		t.Fatalf("Deployment: no selector.matchLabels (%v)", err)
	}
	podLabels := dep.Spec.Template.Metadata.Labels
	for k, v := range selector.MatchLabels {
		if podLabels[k] != v {
			t.Errorf("Deployment: selector %s=%s does not match the pod template's labels %v", k, v, podLabels)
		}
	}
	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("Deployment: got %d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image == "" {
		t.Errorf("container %s has no image", c.Name)
	}

	env := map[string]string{}
	names := settingNames()
	for _, e := range c.Env {
		if !names[e.Name] {
			t.Errorf("container sets %s, which is not a setting of internal/config", e.Name)
		}
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if ref.Name == "" || ref.Key == "" {
				t.Errorf("%s: secretKeyRef without name or key", e.Name)
			}
			if !ref.Optional {
				env[e.Name] = sampleValue(e.Name)
			}
		case e.ValueFrom != nil:
			t.Errorf("%s: valueFrom other than secretKeyRef", e.Name)
		default:
			env[e.Name] = e.Value
		}
	}
	for _, s := range []string{"DATABASE_URL", "REDIS_URL", "JWT_SECRET"} {
		found := slices.ContainsFunc(c.Env, func(e k8sEnv) bool {
			return e.Name == s && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil
		})
		if !found {
			t.Errorf("%s does not come from a Secret", s)
		}
	}
	cfg := loadProduction(t, "k8s/deployment.yaml", env)
	if pod.TerminationGracePeriodSeconds == nil {
		t.Errorf("no terminationGracePeriodSeconds")
	} else {
		checkGrace(t, "terminationGracePeriodSeconds", strconv.Itoa(*pod.TerminationGracePeriodSeconds)+"s", cfg.ShutdownTimeout)
	}

	for _, p := range []struct {
		what  string
		probe *k8sProbe
		path  string
	}{{"readinessProbe", c.ReadinessProbe, "/health/ready"}, {"livenessProbe", c.LivenessProbe, "/health/live"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s: want an httpGet probe on %s", p.what, p.path)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s: got path %q, want %s", p.what, p.probe.HTTPGet.Path, p.path)
		}
		port, err := portNumber(p.probe.HTTPGet.Port, c)
		if err != nil {
			t.Errorf("%s: %v", p.what, err)
		} else if port != cfg.Port {
			t.Errorf("%s: probes port %d, the gateway listens on PORT %d", p.what, port, cfg.Port)
		}
	}

	mounted := false
	for _, m := range c.VolumeMounts {
		if m.MountPath != cfg.DataDir {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.PersistentVolumeClaim != nil {
				mounted = true
				claim := v.PersistentVolumeClaim.ClaimName
				if !slices.ContainsFunc(objs, func(o k8sObject) bool { return o.Kind == "PersistentVolumeClaim" && o.Metadata.Name == claim }) {
					t.Errorf("volume %s claims %q, which the manifest does not declare", v.Name, claim)
				}
			}
		}
	}
	if !mounted {
		t.Errorf("DATA_DIR %q is not on a persistent volume", cfg.DataDir)
	}

	var svcSelector map[string]string
	if err := svc.Spec.Selector.Decode(&svcSelector); err != nil || len(svcSelector) == 0 {
		t.Fatalf("Service: no selector (%v)", err)
	}
	for k, v := range svcSelector {
		if podLabels[k] != v {
			t.Errorf("Service: selector %s=%s does not match the pods' labels %v", k, v, podLabels)
		}
	}
	if len(svc.Spec.Ports) == 0 {
		t.Fatalf("Service: no ports")
	}
	for _, p := range svc.Spec.Ports {
		target, err := portNumber(p.TargetPort, c)
		if err != nil {
			t.Errorf("Service port %s: %v", p.Name, err)
		} else if target != cfg.Port {
			t.Errorf("Service port %s: targets %d, the gateway listens on PORT %d", p.Name, target, cfg.Port)
		}
	}
}

// sampleValue stands for a Secret's key when the configuration is loaded.
func sampleValue(name string) string {
	switch name {
	case "DATABASE_URL":
		return "postgres://gateway:" + sampleSecret + "@postgres:5432/whatsapp_saas?sslmode=require"
	case "REDIS_URL":
		return "redis://:" + sampleSecret + "@redis:6379/0"
	}
	return sampleSecret
}
