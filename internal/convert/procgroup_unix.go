//go:build unix

package convert

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup runs cmd in a process group of its own and, on
// cancellation, kills the whole group: a converter script's children
// (the encoder it starts) die with it instead of running on.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
