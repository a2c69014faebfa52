package deploycheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildsCarryNoDynamic: every build of the binaries passes the
// nodynamic tag. Without it github.com/gen2brain/webp (the sticker
// encoder) links purego, which turns a CGO_ENABLED=0 build into a
// dynamically linked binary (it would not start in the scratch images)
// and probes for libwebp.so at every start (about 10 MiB more idle RSS,
// measured with scripts/footprint.sh).
func TestBuildsCarryNoDynamic(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if mk := read("Makefile"); !strings.Contains(mk, "export GOFLAGS += -tags=nodynamic") {
		t.Error("the Makefile does not export GOFLAGS with -tags=nodynamic")
	}
	files := []string{"Dockerfile", "Dockerfile.instance"}
	scripts, err := filepath.Glob(filepath.Join(root, "scripts", "*.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scripts {
		files = append(files, filepath.Join("scripts", filepath.Base(s)))
	}
	builds := 0
	for _, f := range files {
		for i, line := range strings.Split(read(f), "\n") {
			if strings.Contains(line, "go build") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
				builds++
				if !strings.Contains(line, "-tags nodynamic") {
					t.Errorf("%s:%d builds without -tags nodynamic: %s", f, i+1, strings.TrimSpace(line))
				}
			}
		}
	}
	if builds < 3 {
		t.Errorf("found %d go build lines in the Dockerfiles and scripts, want the images' and the measuring scripts'", builds)
	}
}
