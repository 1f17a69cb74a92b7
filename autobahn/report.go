package autobahn

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
)

// SectionNames are the suite's names of its case sections.
var SectionNames = map[string]string{
	"1": "Framing", "2": "Pings/Pongs", "3": "Reserved Bits", "4": "Opcodes",
	"5": "Fragmentation", "6": "UTF-8 Handling", "7": "Close Handling",
	"9": "Limits/Performance", "10": "Misc", "12": "WebSocket Compression (different payloads)",
	"13": "WebSocket Compression (different parameters)",
}

// SectionCount is the verdict tally of one section.
type SectionCount struct {
	Section string
	Name    string
	Cases   int
	// ByBehavior counts the behavior verdicts (OK, NON-STRICT, INFORMATIONAL,
	// UNIMPLEMENTED, FAILED).
	ByBehavior map[Verdict]int
	// CloseNotOK counts cases whose close behavior was neither OK nor INFORMATIONAL nor
	// UNIMPLEMENTED (WRONG CODE, UNCLEAN, FAILED, FAILED BY CLIENT).
	CloseNotOK int
	// Failures counts cases for which Result.Failed is true.
	Failures int
}

// Sections tallies the results per section, in suite order.
func (r *Report) Sections() []SectionCount {
	idx := map[string]*SectionCount{}
	var order []string
	for _, res := range r.Results {
		sec := res.ID
		if i := strings.IndexByte(sec, '.'); i >= 0 {
			sec = sec[:i]
		}
		sc, ok := idx[sec]
		if !ok {
			sc = &SectionCount{Section: sec, Name: SectionNames[sec], ByBehavior: map[Verdict]int{}}
			idx[sec] = sc
			order = append(order, sec)
		}
		sc.Cases++
		sc.ByBehavior[res.Behavior]++
		switch res.BehaviorClose {
		case OK, Informational, Unimplemented:
		default:
			sc.CloseNotOK++
		}
		if res.Failed() {
			sc.Failures++
		}
	}
	sort.Slice(order, func(i, j int) bool { return idLess(order[i], order[j]) })
	out := make([]SectionCount, 0, len(order))
	for _, s := range order {
		out = append(out, *idx[s])
	}
	return out
}

var summaryVerdicts = []Verdict{OK, NonStrict, Informational, Unimplemented, Failed}

// Summary writes a per-section table of verdict counts, then one line per failed case.
func (r *Report) Summary(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "agent %s\tcases\tOK\tNON-STRICT\tINFO\tUNIMPL\tFAILED\tclose!OK\t\n", r.Agent)
	total := SectionCount{ByBehavior: map[Verdict]int{}}
	for _, sc := range r.Sections() {
		fmt.Fprintf(tw, "%s %s\t%d", sc.Section, sc.Name, sc.Cases)
		for _, v := range summaryVerdicts {
			fmt.Fprintf(tw, "\t%d", sc.ByBehavior[v])
			total.ByBehavior[v] += sc.ByBehavior[v]
		}
		fmt.Fprintf(tw, "\t%d\t\n", sc.CloseNotOK)
		total.Cases += sc.Cases
		total.CloseNotOK += sc.CloseNotOK
	}
	fmt.Fprintf(tw, "total\t%d", total.Cases)
	for _, v := range summaryVerdicts {
		fmt.Fprintf(tw, "\t%d", total.ByBehavior[v])
	}
	fmt.Fprintf(tw, "\t%d\t\n", total.CloseNotOK)
	_ = tw.Flush()
	for _, res := range r.Failed() {
		fmt.Fprintf(w, "FAILED %-8s behavior=%s close=%s remoteCloseCode=%s: %s / %s\n",
			res.ID, res.Behavior, res.BehaviorClose, codeString(res.RemoteCloseCode), res.Result, res.ResultClose)
	}
}

// MarkdownTable renders per-section verdict counts of several reports side by side, one
// column per agent, each cell "OK/NON-STRICT/INFO/UNIMPL/FAILED".
func MarkdownTable(reports ...*Report) string {
	var b strings.Builder
	b.WriteString("| section |")
	for _, r := range reports {
		fmt.Fprintf(&b, " %s |", r.Agent)
	}
	b.WriteString("\n|---|")
	for range reports {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	secs := map[string]bool{}
	var order []string
	per := make([]map[string]SectionCount, len(reports))
	for i, r := range reports {
		per[i] = map[string]SectionCount{}
		for _, sc := range r.Sections() {
			per[i][sc.Section] = sc
			if !secs[sc.Section] {
				secs[sc.Section] = true
				order = append(order, sc.Section)
			}
		}
	}
	sort.Slice(order, func(i, j int) bool { return idLess(order[i], order[j]) })
	for _, s := range order {
		fmt.Fprintf(&b, "| %s %s |", s, SectionNames[s])
		for i := range reports {
			sc, ok := per[i][s]
			if !ok {
				b.WriteString(" - |")
				continue
			}
			fmt.Fprintf(&b, " %d/%d/%d/%d/%d |", sc.ByBehavior[OK], sc.ByBehavior[NonStrict],
				sc.ByBehavior[Informational], sc.ByBehavior[Unimplemented], sc.ByBehavior[Failed])
		}
		b.WriteString("\n")
	}
	b.WriteString("\ncells: OK / NON-STRICT / INFORMATIONAL / UNIMPLEMENTED / FAILED (behavior)\n")
	return b.String()
}

func codeString(c *int) string {
	if c == nil {
		return "none"
	}
	return fmt.Sprint(*c)
}

// cleanForFilename lowers s and keeps only [a-z0-9], other runs becoming "_", as the suite.
func cleanForFilename(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.ReplaceAll(strings.TrimSpace(b.String()), " ", "_")
}

func caseFileBase(agent, id string) string {
	return cleanForFilename(agent) + "_case_" + strings.ReplaceAll(id, ".", "_")
}

// indexEntry is one case of index.json, in the suite's shape.
type indexEntry struct {
	Behavior        Verdict `json:"behavior"`
	BehaviorClose   Verdict `json:"behaviorClose"`
	Duration        int64   `json:"duration"`
	RemoteCloseCode *int    `json:"remoteCloseCode"`
	ReportFile      string  `json:"reportfile"`
}

// Dir returns the report directory under outdir: outdir/servers in client mode (the
// harness tested servers), outdir/clients in server mode, as the suite.
func (r *Report) Dir(outdir string) string {
	if r.ServerMode {
		return filepath.Join(outdir, "clients")
	}
	return filepath.Join(outdir, "servers")
}

// WriteFiles writes the report under r.Dir(outdir): one JSON per case, index.json (agent
// -> case id -> {behavior, behaviorClose, duration, remoteCloseCode, reportfile}, merged
// with the other agents already there), an HTML page for this agent and index.html
// linking every agent's page.
func (r *Report) WriteFiles(outdir string) error {
	dir := r.Dir(outdir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	index := map[string]map[string]indexEntry{}
	if b, err := os.ReadFile(filepath.Join(dir, "index.json")); err == nil {
		_ = json.Unmarshal(b, &index)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	entries := map[string]indexEntry{}
	for _, res := range r.Results {
		base := caseFileBase(r.Agent, res.ID)
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, base+".json"), b, 0o644); err != nil {
			return err
		}
		entries[res.ID] = indexEntry{Behavior: res.Behavior, BehaviorClose: res.BehaviorClose,
			Duration: res.Duration, RemoteCloseCode: res.RemoteCloseCode, ReportFile: base + ".json"}
	}
	index[r.Agent] = entries
	b, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), b, 0o644); err != nil {
		return err
	}
	if err := r.writeAgentHTML(filepath.Join(dir, cleanForFilename(r.Agent)+".html")); err != nil {
		return err
	}
	return writeIndexHTML(filepath.Join(dir, "index.html"), index)
}

func (r *Report) writeAgentHTML(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	type row struct {
		*Result
		Exp, Obs string
		Bad      bool
		Close    string
	}
	var rows []row
	for _, res := range r.Results {
		exp, _ := json.Marshal(res.Expected)
		obs, _ := json.Marshal(res.Received)
		ec, _ := json.Marshal(res.ExpectedClose)
		rows = append(rows, row{Result: res, Exp: string(exp) + " close " + string(ec), Obs: string(obs),
			Bad: res.Failed(), Close: codeString(res.RemoteCloseCode)})
	}
	data := struct {
		Agent    string
		Sections []SectionCount
		Rows     []row
		Verdicts []Verdict
	}{r.Agent, r.Sections(), rows, summaryVerdicts}
	err = agentTmpl.Execute(f, data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeIndexHTML(path string, index map[string]map[string]indexEntry) error {
	type agentRow struct {
		Agent, File string
		Counts      map[Verdict]int
		Cases       int
	}
	var rows []agentRow
	for agent, cases := range index {
		ar := agentRow{Agent: agent, File: cleanForFilename(agent) + ".html", Counts: map[Verdict]int{}, Cases: len(cases)}
		for _, e := range cases {
			ar.Counts[e.Behavior]++
		}
		rows = append(rows, ar)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Agent < rows[j].Agent })
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = indexTmpl.Execute(f, struct {
		Rows     []agentRow
		Verdicts []Verdict
	}{rows, summaryVerdicts})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

const css = `body{font-family:sans-serif;font-size:14px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}
.OK{background:#bfb}.NON-STRICT{background:#ffb}.INFORMATIONAL{background:#bdf}.UNIMPLEMENTED{background:#ddd}.FAILED,.UNCLEAN{background:#f99}
.WRONG{background:#fc8}pre{margin:0;font-size:12px;white-space:pre-wrap}.small{font-size:12px;color:#555}`

var indexTmpl = template.Must(template.New("index").Parse(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>Autobahn report</title><style>` + css + `</style></head><body>
<h1>Autobahn conformance report</h1><table><tr><th>agent</th><th>cases</th>{{range .Verdicts}}<th>{{.}}</th>{{end}}</tr>
{{$v := .Verdicts}}{{range .Rows}}{{$r := .}}<tr><td><a href="{{.File}}">{{.Agent}}</a></td><td>{{.Cases}}</td>{{range $v}}<td>{{index $r.Counts .}}</td>{{end}}</tr>{{end}}
</table></body></html>`))

var agentTmpl = template.Must(template.New("agent").Parse(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{.Agent}} - Autobahn report</title><style>` + css + `</style></head><body>
<h1>{{.Agent}}</h1><p><a href="index.html">all agents</a></p>
<table><tr><th>section</th><th>cases</th>{{range .Verdicts}}<th>{{.}}</th>{{end}}<th>close not OK</th></tr>
{{$v := .Verdicts}}{{range .Sections}}{{$s := .}}<tr><td>{{.Section}} {{.Name}}</td><td>{{.Cases}}</td>{{range $v}}<td>{{index $s.ByBehavior .}}</td>{{end}}<td>{{.CloseNotOK}}</td></tr>{{end}}
</table><h2>Cases</h2>
<table><tr><th>case</th><th>behavior</th><th>close</th><th>code</th><th>ms</th><th>description / expected / observed</th></tr>
{{range .Rows}}<tr id="case_{{.ID}}"><td>{{.ID}}</td><td class="{{.Behavior}}">{{.Behavior}}</td><td class="{{.BehaviorClose}}">{{.BehaviorClose}}</td><td>{{.Close}}</td><td>{{.Duration}}</td>
<td><details{{if .Bad}} open{{end}}><summary>{{.Description}}</summary>
<p class="small">Expectation: {{.Expectation}}</p>
<p>Result: {{.Result}}<br>Close: {{.ResultClose}}</p>
<p>Expected:</p><pre>{{.Exp}}</pre><p>Observed:</p><pre>{{.Obs}}</pre>
<p class="small">closedByMe={{.ClosedByMe}} failedByMe={{.FailedByMe}} droppedByMe={{.DroppedByMe}} wasClean={{.WasClean}} {{.WasNotCleanReason}}</p>
{{if .Bad}}<p>Wire log:</p><pre>{{range .Wirelog}}{{.AtMicros}}us {{.Kind}}{{if .Len}} len={{.Len}}{{end}} op={{.Op}} fin={{.Fin}} rsv={{.Rsv}} masked={{.Masked}}{{if .Chop}} chop={{.Chop}}{{end}} {{.Data}} {{.Note}}
{{end}}</pre>{{end}}
</details></td></tr>
{{end}}</table></body></html>`))
