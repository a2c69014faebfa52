package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// initBudget is what one of this repository's packages may allocate in
// its package initialisation. Work done there is paid by every start of
// every binary that links the package, before main runs (issue 12): a
// table of regexps or templates belongs behind a sync.OnceValue, built
// at its first use. internal/locale compiling its Arabic templates at
// init, as it once did, allocated about 1 MB.
const initBudget = 128 << 10

// TestOwnPackagesInitLightly runs this test binary again with
// GODEBUG=inittrace=1 and reads what each of our packages allocated while
// initialising (bytes are counted, not time, so the check is the same on
// a loaded machine).
func TestOwnPackagesInitLightly(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run the test binary with inittrace: %v\n%s", err, out)
	}
	seen := 0
	for _, line := range strings.Split(string(out), "\n") {
		// init github.com/…/internal/config @2.1 ms, 0.49 ms clock, 68600 bytes, 550 allocs
		f := strings.Fields(line)
		if len(f) < 10 || f[0] != "init" || !strings.HasPrefix(f[1], "github.com/whatsapp-saas/gateway/") {
			continue
		}
		seen++
		bytes, err := strconv.Atoi(f[7])
		if err != nil || f[8] != "bytes," {
			t.Fatalf("cannot read the inittrace line %q", line)
		}
		if bytes > initBudget {
			t.Errorf("%s allocates %d bytes in its package initialisation, want at most %d: build it at first use", f[1], bytes, initBudget)
		}
	}
	if seen == 0 {
		t.Fatalf("no inittrace line for this repository's packages in:\n%s", out)
	}
}
