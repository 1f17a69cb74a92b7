// Package handshake implements the WebSocket opening handshake of RFC 6455 §4 for both
// roles, and the Sec-WebSocket-Extensions header syntax of RFC 6455 §9.1.
//
// It is not a connection: it knows HTTP requests, responses and header values, and hands
// the caller a validated result. Frames, masking and compression live in other packages.
//
// Use ParseExtensions and AppendExtensions to read and write extension offers and answers.
package handshake
