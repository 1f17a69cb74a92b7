package autobahn

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Verdict is a case outcome in the suite's vocabulary. Behavior takes OK, NON-STRICT,
// INFORMATIONAL, UNIMPLEMENTED or FAILED; close behavior also WRONG CODE, UNCLEAN and
// FAILED BY CLIENT.
type Verdict string

// The verdicts, spelled as the official suite spells them in index.json.
const (
	OK             Verdict = "OK"
	NonStrict      Verdict = "NON-STRICT"
	WrongCode      Verdict = "WRONG CODE"
	Unclean        Verdict = "UNCLEAN"
	FailedByClient Verdict = "FAILED BY CLIENT"
	Informational  Verdict = "INFORMATIONAL"
	Unimplemented  Verdict = "UNIMPLEMENTED"
	Failed         Verdict = "FAILED"
)

// Case is one test case of the suite: its id ("1.1.1"), the suite's description and
// expectation, and the script the harness runs.
type Case struct {
	ID          string
	Description string
	Expectation string

	run func(s *session)
	// offers (client mode) and accepts (server mode) drive permessage-deflate
	// negotiation for the compression cases; both are empty for all others.
	offers  []pmdOffer
	accepts []pmdAccept
}

// Section returns the first component of the case id ("7" for "7.9.3").
func (c *Case) Section() string {
	if i := strings.IndexByte(c.ID, '.'); i >= 0 {
		return c.ID[:i]
	}
	return c.ID
}

var registry []*Case

func register(c *Case) { registry = append(registry, c) }

// idLess orders case ids numerically component by component ("2.10" after "2.9").
func idLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// Cases returns every case the harness implements, in suite order.
func Cases() []*Case {
	out := append([]*Case(nil), registry...)
	sort.SliceStable(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}

// Select returns the cases matched by any include pattern and by no exclude pattern, in
// suite order. Patterns follow the suite: "*" matches any run of characters and a pattern
// with "*" matches from the start of the id ("9.*", "6.4.*"); one without is an exact id.
func Select(include, exclude []string) ([]*Case, error) {
	inc, err := compilePatterns(include)
	if err != nil {
		return nil, err
	}
	exc, err := compilePatterns(exclude)
	if err != nil {
		return nil, err
	}
	var out []*Case
	for _, c := range Cases() {
		if matchAny(inc, c.ID) && !matchAny(exc, c.ID) {
			out = append(out, c)
		}
	}
	return out, nil
}

// SplitPatterns splits a comma-separated pattern list ("1.*,2.*"), dropping empty items.
func SplitPatterns(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func compilePatterns(ps []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range ps {
		var expr string
		if strings.Contains(p, "*") {
			expr = "^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*")
		} else {
			expr = "^" + regexp.QuoteMeta(p) + "$"
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("autobahn: bad case pattern %q: %w", p, err)
		}
		out = append(out, re)
	}
	return out, nil
}

func matchAny(res []*regexp.Regexp, id string) bool {
	for _, re := range res {
		if re.MatchString(id) {
			return true
		}
	}
	return false
}

// Options tunes a run. The zero value (or nil) means the defaults documented per field.
type Options struct {
	// Agent names the implementation under test in reports. Default "duplex".
	Agent string
	// Pace is the length of one suite second of deliberate delay (the suite's
	// continueLater, used by 5.19, 5.20 and 6.4.x). Default 100ms, so those cases take
	// a tenth of the suite's time.
	Pace time.Duration
	// Timeout is the length of one suite second of waiting for the peer (killAfter,
	// closeAfter, the close handshake and server drop timeouts). It only elapses against
	// a peer that does not answer. Default 1s, as the suite.
	Timeout time.Duration
	// CaseTimeout bounds each case from connect to verdict. Default 60s; a case whose own
	// timeout is longer (the suite's WAITSECS of sections 9, 12 and 13, in Timeout units)
	// gets that plus the closing handshake.
	CaseTimeout time.Duration
	// MaxMessage is the largest message the harness buffers from the peer; larger fails
	// the connection with 1009. Default 64 MiB.
	MaxMessage int64
	// Shrink divides the payload sizes and message counts of section 9 (for quick runs
	// under the race detector). 0 or 1 runs the suite's sizes, up to 16 MiB.
	Shrink int
	// Parallel is how many cases run at once in client mode. Default 1, as the suite;
	// cases do not share state, so more only shortens runs (the gates use 4).
	Parallel int
	// OnResult, if set, is called after each case (progress output), never concurrently.
	OnResult func(*Result)
}

func (o *Options) parallel() int {
	if o == nil || o.Parallel < 1 {
		return 1
	}
	return o.Parallel
}

func (o *Options) agent() string {
	if o == nil || o.Agent == "" {
		return "duplex"
	}
	return o.Agent
}

func (o *Options) pace() time.Duration {
	if o == nil || o.Pace <= 0 {
		return 100 * time.Millisecond
	}
	return o.Pace
}

func (o *Options) timeout() time.Duration {
	if o == nil || o.Timeout <= 0 {
		return time.Second
	}
	return o.Timeout
}

func (o *Options) caseTimeout() time.Duration {
	if o == nil || o.CaseTimeout <= 0 {
		return 60 * time.Second
	}
	return o.CaseTimeout
}

func (o *Options) maxMessage() int64 {
	if o == nil || o.MaxMessage <= 0 {
		return defaultMaxMessageLen
	}
	return o.MaxMessage
}

func (o *Options) shrink() int {
	if o == nil || o.Shrink <= 1 {
		return 1
	}
	return o.Shrink
}
