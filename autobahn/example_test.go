package autobahn_test

import (
	"context"
	"fmt"
	"net"

	"github.com/duplexws/duplex/autobahn"
)

// Run three cases against the library's own echo target and print the verdicts.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go autobahn.Serve(ln)

	cases, _ := autobahn.Select([]string{"1.1.1", "2.2", "6.3.1"}, nil)
	rep, err := autobahn.RunClient(context.Background(), "ws://"+ln.Addr().String(), cases, nil)
	if err != nil {
		panic(err)
	}
	for _, r := range rep.Results {
		fmt.Println(r.ID, r.Behavior, r.BehaviorClose, *r.RemoteCloseCode)
	}
	// Output:
	// 1.1.1 OK OK 1000
	// 2.2 OK OK 1000
	// 6.3.1 OK OK 1007
}

// Select takes the suite's case patterns.
func ExampleSelect() {
	all, _ := autobahn.Select([]string{"*"}, nil)
	core, _ := autobahn.Select([]string{"*"}, []string{"9.*", "12.*", "13.*"})
	utf8, _ := autobahn.Select([]string{"6.*"}, nil)
	fmt.Println(len(all), len(core), len(utf8))
	// Output: 517 247 145
}
