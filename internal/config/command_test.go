package config

import (
	"slices"
	"testing"
)

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
		bad  bool
	}{
		{"", nil, false},
		{"ffmpeg -i {in} -c:a libopus {out}", []string{"ffmpeg", "-i", "{in}", "-c:a", "libopus", "{out}"}, false},
		{`"/opt/my tools/conv" --from='{in}' "{out}"`, []string{"/opt/my tools/conv", "--from={in}", "{out}"}, false},
		{"  sox  {in}   -C 5 {out} ", []string{"sox", "{in}", "-C", "5", "{out}"}, false},
		{"ffmpeg -i {in} out.ogg", nil, true},
		{"{in} {out}", nil, true},
		{`ffmpeg "-i {in} {out}`, nil, true},
	} {
		got, err := SplitCommand(tc.line)
		if (err != nil) != tc.bad || !slices.Equal(got, tc.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q (error: %v)", tc.line, got, err, tc.want, tc.bad)
		}
	}
}
