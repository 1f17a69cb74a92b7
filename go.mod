module github.com/duplexws/duplex

go 1.25

require (
	github.com/google/go-cmp v0.7.0 // indirect
	golang.org/x/sys v0.40.0 // indirect
)
