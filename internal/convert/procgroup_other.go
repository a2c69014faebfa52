//go:build !unix

package convert

import "os/exec"

// ownProcessGroup leaves cmd as it is: on cancellation only the converter
// itself is killed.
func ownProcessGroup(*exec.Cmd) {}
