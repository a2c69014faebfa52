package gateway

// Pagination bounds, the one place the API's parser, the service and the
// stores read them from.
const (
	// DefaultPageLimit is the page size when none is asked for.
	DefaultPageLimit = 20
	// MaxPageLimit is the largest page size; a larger one is clamped.
	MaxPageLimit = 100
	// MaxPage is the largest page number the API accepts, so an offset
	// stays far from overflow and from a scan of the whole table.
	MaxPage = 1_000_000
	// DefaultBatch is how many rows an internal list (queued messages,
	// the event feed, plan history) returns when asked for none.
	DefaultBatch = 100
)

// Page asks for one page of a list: Page from 1, Limit from 1 to
// MaxPageLimit.
type Page struct {
	Page  int
	Limit int
}

// Normalize returns p within the API's bounds: Defaults, and a limit
// clamped to MaxPageLimit. The API and the service apply it, so a caller
// that builds a Page by hand gets the same page as one that came through
// the API.
func (p Page) Normalize() Page {
	p = p.Defaults()
	p.Limit = min(p.Limit, MaxPageLimit)
	return p
}

// Defaults returns p with page 1 and DefaultPageLimit where they are not
// positive, and no cap: the stores apply it, since internal readers (the
// worker's outstanding receipts) ask for more than a client may.
func (p Page) Defaults() Page {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Limit < 1 {
		p.Limit = DefaultPageLimit
	}
	return p
}

// Offset is the number of rows before the page.
func (p Page) Offset() int { return (p.Page - 1) * p.Limit }

// Pages is how many pages of p.Limit rows total rows fill (0 for none).
func (p Page) Pages(total int) int {
	if p.Limit <= 0 {
		return 0
	}
	return (total + p.Limit - 1) / p.Limit
}

// Last reports whether p is the last page (or past it) of total rows, for
// loops that walk a whole list page by page.
func (p Page) Last(total int) bool { return p.Page*p.Limit >= total }

// BatchLimit is limit, or DefaultBatch when limit is not positive.
func BatchLimit(limit int) int {
	if limit <= 0 {
		return DefaultBatch
	}
	return limit
}
