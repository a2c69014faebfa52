package gateway

import "testing"

func TestPageNormalize(t *testing.T) {
	for _, tt := range []struct{ in, want Page }{
		{Page{}, Page{Page: 1, Limit: DefaultPageLimit}},
		{Page{Page: -3, Limit: -1}, Page{Page: 1, Limit: DefaultPageLimit}},
		{Page{Page: 4, Limit: 7}, Page{Page: 4, Limit: 7}},
		{Page{Page: 2, Limit: 5000}, Page{Page: 2, Limit: MaxPageLimit}},
		{Page{Page: 1, Limit: MaxPageLimit}, Page{Page: 1, Limit: MaxPageLimit}},
	} {
		if got := tt.in.Normalize(); got != tt.want {
			t.Errorf("%+v.Normalize() = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestPageDefaultsDoNotCap(t *testing.T) {
	if got := (Page{Limit: 1000}).Defaults(); got != (Page{Page: 1, Limit: 1000}) {
		t.Errorf("Defaults = %+v, want page 1 of 1000", got)
	}
	if got := (Page{}).Defaults(); got != (Page{Page: 1, Limit: DefaultPageLimit}) {
		t.Errorf("Defaults of the zero page = %+v", got)
	}
}

func TestPageArithmetic(t *testing.T) {
	p := Page{Page: 3, Limit: 10}
	if got := p.Offset(); got != 20 {
		t.Errorf("Offset = %d, want 20", got)
	}
	for total, want := range map[int]int{0: 0, 1: 1, 10: 1, 11: 2, 30: 3} {
		if got := p.Pages(total); got != want {
			t.Errorf("Pages(%d) = %d, want %d", total, got, want)
		}
	}
	if (Page{Limit: 0}).Pages(5) != 0 {
		t.Error("a page without a limit has pages")
	}
	if p.Last(31) || !p.Last(30) || !p.Last(5) {
		t.Error("Last: page 3 of 10 is last for 30 and 5 rows, not for 31")
	}
}

func TestBatchLimit(t *testing.T) {
	for in, want := range map[int]int{-1: DefaultBatch, 0: DefaultBatch, 1: 1, 500: 500} {
		if got := BatchLimit(in); got != want {
			t.Errorf("BatchLimit(%d) = %d, want %d", in, got, want)
		}
	}
}
