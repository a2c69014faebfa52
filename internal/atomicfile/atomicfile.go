// Package atomicfile writes a file through a temporary file beside it, so
// that a reader never sees half a file: media the engines download and
// the worker stores.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write creates dest's directory (0700), lets fill write a temporary file
// beside dest, and renames it to dest. fill's error is returned as it is;
// the temporary file is removed on any failure.
func Write(dest string, fill func(f *os.File) error) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return fmt.Errorf("create media directory: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(dest), ".part-*")
	if err != nil {
		return fmt.Errorf("create media file: %w", err)
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write media file: %w", err)
	}
	if err := os.Rename(f.Name(), dest); err != nil {
		return fmt.Errorf("store media file: %w", err)
	}
	return nil
}

// WriteBytes writes data to dest as Write does.
func WriteBytes(dest string, data []byte) error {
	return Write(dest, func(f *os.File) error {
		if _, err := f.Write(data); err != nil {
			return fmt.Errorf("write media file: %w", err)
		}
		return nil
	})
}
