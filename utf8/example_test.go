package utf8_test

import (
	"fmt"

	"github.com/duplexws/duplex/utf8"
)

func ExampleValid() {
	fmt.Println(utf8.Valid([]byte("Hello, 世界")))
	fmt.Println(utf8.Valid([]byte{0xED, 0xA0, 0x80})) // U+D800, a surrogate
	// Output:
	// true
	// false
}

// A text message arriving in fragments: the split inside "€" (E2 82 AC) is fine, and the
// validator fails on the fragment that makes the stream impossible, not at the end.
func ExampleValidator() {
	var v utf8.Validator
	fmt.Println(v.Feed([]byte("price: \xE2\x82")), v.Complete())
	fmt.Println(v.Feed([]byte("\xAC 5")), v.Complete())
	fmt.Println(v.Feed([]byte("\xF4\x90")), v.Complete()) // above U+10FFFF, cannot complete
	fmt.Println(v.Feed([]byte("ok")))                     // stays invalid until Reset
	v.Reset()
	fmt.Println(v.Feed([]byte("ok")), v.Complete())
	// Output:
	// true false
	// true true
	// false false
	// false
	// true true
}

func ExampleValidString() {
	fmt.Println(utf8.ValidString("server restarting — サーバー再起動中"))
	fmt.Println(utf8.ValidString("\xC0\xAF")) // overlong "/"
	// Output:
	// true
	// false
}
