package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteBytes(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "a", "b", "file.bin")
	if err := WriteBytes(dest, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dest)
	if err != nil || string(got) != "hello" {
		t.Fatalf("got %q, %v, want hello", got, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "a", "b", ".part-*")); len(left) != 0 {
		t.Errorf("got temporary files %v left, want none", left)
	}
}

func TestWriteFailure(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "file.bin")
	boom := errors.New("boom")
	if err := Write(dest, func(*os.File) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the fill's error", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("got %d files after a failed write, want none", len(entries))
	}
}
