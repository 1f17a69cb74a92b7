module github.com/duplexws/duplex/autobahn/crosscheck

go 1.25

replace github.com/duplexws/duplex => ../..

require (
	github.com/duplexws/duplex v0.0.0-00010101000000-000000000000
	github.com/gorilla/websocket v1.5.3
	github.com/lxzan/gws v1.8.9
)

require (
	github.com/dolthub/maphash v0.1.0 // indirect
	github.com/klauspost/compress v1.17.9 // indirect
	golang.org/x/sys v0.40.0 // indirect
)
