package autobahn

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
)

// compressionData is one of the suite's compression test payloads. The suite ships five
// files (a JSON file, the Lena bitmap, Goethe's Faust, an HTML file, a PDF); the harness
// does not redistribute them and generates deterministic stand-ins of the same kind and
// exact size instead. Verdicts depend only on the echo being byte-exact, so the cases
// test the same thing; compression ratios differ from the suite's.
type compressionData struct {
	desc   string
	size   int
	binary bool
	gen    func(size int) []byte
	once   sync.Once
	data   []byte
}

func (d *compressionData) bytes() []byte {
	d.once.Do(func() { d.data = d.gen(d.size) })
	return d.data
}

var compressionSets = []*compressionData{
	{desc: "Large JSON data file", size: 194056, gen: genJSON},
	{desc: "Lena Picture, Bitmap 512x512 bw", size: 263222, binary: true, gen: genBitmap},
	{desc: "Human readable text, Goethe's Faust I (German)", size: 222218, binary: true, gen: genGerman},
	{desc: "Large HTML file", size: 263527, gen: genHTML},
	{desc: "A larger PDF", size: 1042328, binary: true, gen: genPDF},
}

// msgSizes is the suite's MSG_SIZES: (payload length, message count, case timeout in
// seconds, auto-fragment size).
var msgSizes = []struct{ n, count, wait, frag int }{
	{16, 1000, 60, 0}, {64, 1000, 60, 0}, {256, 1000, 120, 0}, {1024, 1000, 240, 0},
	{4096, 1000, 480, 0}, {8192, 1000, 480, 0}, {16384, 1000, 480, 0}, {32768, 1000, 480, 0},
	{65536, 1000, 480, 0}, {131072, 1000, 480, 0},
	{8192, 1000, 480, 256}, {16384, 1000, 480, 256}, {32768, 1000, 480, 256}, {65536, 1000, 480, 256},
	{131072, 1000, 480, 256}, {131072, 1000, 480, 1024}, {131072, 1000, 480, 4096}, {131072, 1000, 480, 32768},
}

// The suite's server accept policies (accept1 .. accept6 of case12_x_x.py).
var (
	accept1 = pmdAccept{}
	accept2 = pmdAccept{requireNoContextOK: true, askNoContext: true}
	accept3 = pmdAccept{requireMaxBitsOK: true, askMaxBits: 8}
	accept4 = pmdAccept{requireMaxBitsOK: true, askMaxBits: 15}
	accept5 = pmdAccept{requireNoContextOK: true, requireMaxBitsOK: true, askNoContext: true, askMaxBits: 8}
	accept6 = pmdAccept{requireNoContextOK: true, requireMaxBitsOK: true, askNoContext: true, askMaxBits: 15}
)

func init() {
	for j, td := range compressionSets {
		for i, m := range msgSizes {
			td, m := td, m
			register(&Case{
				ID:          fmt.Sprintf("12.%d.%d", j+1, i+1),
				Description: fmt.Sprintf("Send %d compressed messages each of payload size %d, auto-fragment to %d octets. Use default permessage-deflate offer. Payload: %s.", m.count, m.n, m.frag, td.desc),
				Expectation: fmt.Sprintf("Receive echo'ed messages (with payload as sent). Timeout case after %d secs.", m.wait),
				offers:      []pmdOffer{{}},
				accepts:     []pmdAccept{accept1},
				run: func(s *session) {
					s.compressionEcho(td, m.n, m.count, m.wait, m.frag)
				},
			})
		}
	}
	params := []struct {
		offers  []pmdOffer
		accepts []pmdAccept
		desc    string
	}{
		{[]pmdOffer{{}}, []pmdAccept{accept1}, "[(False, 0)] / [(False, 0)]"},
		{[]pmdOffer{{requestNoContext: true}}, []pmdAccept{accept2}, "[(True, 0)] / [(True, 0)]"},
		{[]pmdOffer{{requestMaxBits: 8}}, []pmdAccept{accept3}, "[(False, 8)] / [(False, 8)]"},
		{[]pmdOffer{{requestMaxBits: 15}}, []pmdAccept{accept4}, "[(False, 15)] / [(False, 15)]"},
		{[]pmdOffer{{requestNoContext: true, requestMaxBits: 8}}, []pmdAccept{accept5}, "[(True, 8)] / [(True, 8)]"},
		{[]pmdOffer{{requestNoContext: true, requestMaxBits: 15}}, []pmdAccept{accept6}, "[(True, 15)] / [(True, 15)]"},
		{[]pmdOffer{{requestNoContext: true, requestMaxBits: 8}, {requestNoContext: true}, {}},
			[]pmdAccept{accept5, accept2, accept1}, "[(True, 8), (True, 0), (False, 0)] / [(True, 8), (True, 0), (False, 0)]"},
	}
	td := compressionSets[0]
	for j, p := range params {
		for i, m := range msgSizes {
			m := m
			register(&Case{
				ID: fmt.Sprintf("13.%d.%d", j+1, i+1),
				Description: fmt.Sprintf("Send %d compressed messages each of payload size %d, auto-fragment to %d octets. Use permessage-deflate client offers / server accepts (requestNoContextTakeover, requestMaxWindowBits): %s. Offer: %s",
					m.count, m.n, m.frag, p.desc, offersString(p.offers)),
				Expectation: fmt.Sprintf("Receive echo'ed messages (with payload as sent). Timeout case after %d secs.", m.wait),
				offers:      p.offers,
				accepts:     p.accepts,
				run: func(s *session) {
					s.compressionEcho(td, m.n, m.count, m.wait, m.frag)
				},
			})
		}
	}
}

// compressionEcho is the body of 12.x and 13.x: count compressed round trips of n-octet
// slices of the test data, each echo checked by type, length and SHA-1.
func (s *session) compressionEcho(td *compressionData, n, count, waitSecs, frag int) {
	s.reportTime = true
	s.closeNormally()
	if s.pmd == nil {
		s.behavior = Unimplemented
		s.result = "permessage-deflate was not negotiated"
		s.sendClose(closeNormal, "")
		return
	}
	s.wirelogOn = false
	s.behavior = Failed
	s.result = fmt.Sprintf("Case did not finish within %d seconds.", waitSecs)
	s.closeAfter(float64(waitSecs))
	count = max(1, count/s.opts.shrink())
	data := td.bytes()
	ptr, sent := 0, 0
	var want [sha1.Size]byte
	sendOne := func() {
		msg := make([]byte, 0, n)
		for len(msg) < n {
			k := min(n-len(msg), len(data)-ptr)
			msg = append(msg, data[ptr:ptr+k]...)
			ptr = (ptr + k) % len(data)
		}
		want = sha1.Sum(msg)
		s.sendCompressed(msg, td.binary, frag)
		sent++
	}
	s.onMessage = func(msg []byte, isBinary bool) {
		switch {
		case isBinary != td.binary:
			s.behavior = Failed
			s.result = fmt.Sprintf("Echo'ed message type differs from what I sent (got binary %v, expected binary %v).", isBinary, td.binary)
		case len(msg) != n:
			s.behavior = Failed
			s.result = fmt.Sprintf("Echo'ed message length differs from what I sent (got length %d, expected length %d).", len(msg), n)
		case sha1.Sum(msg) != want:
			s.behavior = Failed
			s.result = "Echo'ed message contents differs from what I sent."
		case sent < count:
			sendOne()
			return
		default:
			s.behavior = OK
			s.result = "Ok, received all echo'ed messages in time."
		}
		s.wirelogOn = true
		s.sendClose(closeNormal, "")
	}
	sendOne()
}

// ---- deterministic stand-ins for the suite's test files -----------------------------------

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0xa17b)) }

var words = strings.Fields(`the of and to in is that for it as was with be by on not he this are or his from at
which but have an they you were her she there been one all we their has would when if so no will more
data value server client message frame socket stream buffer window context level header payload`)

var germanWords = strings.Fields(`und der die das ist nicht ein ich zu mit sich des auf für den dem wie
Faust Mephistopheles Gretchen Wagner Geist Erde Himmel Hölle Seele Natur Wissenschaft Buch Nacht Tag
grün grau Theorie Leben goldner Baum Zauber Lust Mühe Träne Gefühl Schöpfung Weisheit Übermut schön
hätte möchte früh spät süß groß Größe Straße Glück Tür über für`)

func genText(size int, r *rand.Rand, vocab []string, line int) []byte {
	var b bytes.Buffer
	col := 0
	for b.Len() < size {
		w := vocab[r.IntN(len(vocab))]
		b.WriteString(w)
		col += len(w) + 1
		if col > line {
			b.WriteByte('\n')
			col = 0
		} else {
			b.WriteByte(' ')
		}
	}
	return b.Bytes()[:size]
}

func genGerman(size int) []byte { return genText(size, seeded(3), germanWords, 60) }

func genJSON(size int) []byte {
	r := seeded(1)
	var b bytes.Buffer
	b.WriteString("[\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `  {"id": %d, "name": "%s %s", "email": "user%d@example.com", "active": %v, "score": %.3f, "tags": ["%s", "%s"], "balance": "%d.%02d"},`+"\n",
			i, words[r.IntN(len(words))], words[r.IntN(len(words))], r.IntN(100000), r.IntN(2) == 0,
			r.Float64()*100, words[r.IntN(len(words))], words[r.IntN(len(words))], r.IntN(10000), r.IntN(100))
	}
	return b.Bytes()[:size] // ASCII only: every slice is valid UTF-8
}

func genHTML(size int) []byte {
	r := seeded(4)
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html><head><title>data</title></head><body>\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "<div class=\"item c%d\"><h2 id=\"h%d\">%s</h2><p>%s</p><a href=\"/page/%d\">%s</a></div>\n",
			r.IntN(10), i, words[r.IntN(len(words))], string(genText(40+r.IntN(120), r, words, 1000)), r.IntN(5000), words[r.IntN(len(words))])
	}
	return b.Bytes()[:size]
}

func genBitmap(size int) []byte {
	r := seeded(2)
	b := make([]byte, 0, size)
	b = append(b, 'B', 'M')
	b = appendLE32(b, uint32(size), 0, 1078, 40, 512, 512)
	b = append(b, 1, 0, 8, 0)
	b = appendLE32(b, 0, 512*512, 2835, 2835, 256, 0)
	for i := 0; i < 256; i++ { // grey palette
		b = append(b, byte(i), byte(i), byte(i), 0)
	}
	for y := 0; y < 512; y++ {
		for x := 0; x < 512; x++ {
			v := (x*x+y*y)/1024 + (x^y)&15 + r.IntN(8)
			b = append(b, byte(v))
		}
	}
	return b[:size]
}

func appendLE32(b []byte, vs ...uint32) []byte {
	for _, v := range vs {
		b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	return b
}

func genPDF(size int) []byte {
	r := seeded(5)
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	for i := 1; b.Len() < size; i++ {
		if i%3 == 0 {
			n := 2048 + r.IntN(8192)
			fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", i, n)
			for k := 0; k < n; k++ {
				b.WriteByte(byte(r.Uint32()))
			}
			b.WriteString("\nendstream\nendobj\n")
			continue
		}
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /Page /Parent 2 0 R /Contents %d 0 R >>\nBT /F1 12 Tf 72 712 Td (%s) Tj ET\nendobj\n",
			i, i+1, genText(200+r.IntN(400), r, words, 1000))
	}
	return b.Bytes()[:size]
}
