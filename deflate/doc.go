// Package deflate implements the permessage-deflate WebSocket extension of RFC 7692:
// "the payload data portion of WebSocket data messages" compressed with DEFLATE, one
// message at a time, under parameters negotiated in the opening handshake.
//
// Use Negotiate (server) to pick the first acceptable offer from a client's
// Sec-WebSocket-Extensions header and build the response. Use Offer and Accept (client) to
// make an offer and check the server's answer. Both give Params, what was agreed.
// Use NewCompressor and NewDecompressor, with Params and the local role, to compress what
// an endpoint sends and inflate what it receives, whole (Compress, Decompress) or streamed
// (Begin, Write/Read, End). Use CompressShared to compress a broadcast message once for
// every connection whose Params.AcceptsShared says it can take it.
//
// It is not for framing: setting RSV1 on the first frame of a compressed message, refusing
// RSV1 on control frames and continuations (RFC 7692 §6.1), and choosing per message
// whether to compress (Params.Threshold) are the connection layer's job (package conn).
// It is not a general-purpose compressor either: it only speaks the RFC 7692 subset of
// DEFLATE streams (sync-flushed, tail removed).
//
// # Negotiation
//
// All four parameters of RFC 7692 §7.1 are supported. A server declines (skips) an offer
// with an unknown, duplicated or ill-valued parameter and moves on to the next offer; a
// client fails the handshake on such a response (Accept returns an error). A server
// never answers client_max_window_bits unless the offer had it (§7.1.2.2).
//
// Window bits: every window from 8 to 15 bits is accepted. A server answers an offer's
// server_max_window_bits, and a client always offers client_max_window_bits. The
// default encoder (LowMemory, below) never refers further back than the agreed window.
// compress/flate levels always use a 32 KiB window, so a connection that agreed a
// smaller one for its sending direction switches to LowMemory (flate.HuffmanOnly, which
// has no back-references, is kept). Decompression accepts any window from 256 bytes to
// 32 KiB.
//
// # Encoders
//
// Options.Level 0 selects LowMemory, this package's own DEFLATE encoder: greedy LZ77
// over an 8192-entry table of 16-bit positions keyed on a 5-byte hash, trying the
// previous match's distance at every position too, blocks of up to 16K tokens, fixed or
// dynamic Huffman codes per block, whichever is smaller. compress/flate levels 1-9 and
// HuffmanOnly remain available. Compressed size on 16 KiB JSON-like messages (50
// different ones in a row), without / with context takeover: LowMemory 15.2% / 14.3%,
// flate BestSpeed 16.5% / 16.3%, flate level 6 13.9% / 12.3% of the input; HuffmanOnly
// about 56%. On the 16 different JSON documents of the bench module's echo
// (TestVariedSize): LowMemory 23.4% / 21.2%, flate BestSpeed 24.3% / 23.1%. A message
// that repeats one already in the window (context takeover) costs LowMemory one 258-byte
// match per 258 bytes: 16 KiB of JSON sent twice in a row is about 130 bytes the second
// time.
//
// Speed, one echo of a 16 KiB JSON message (compress, inflate, compress, inflate; context
// takeover both ways; BenchmarkEcho, CPU time on one core of a shared AMD EPYC): LowMemory
// about 14 µs when the message repeats and 153 µs for 16 different documents in turn;
// with Level flate.BestSpeed 211 µs for the different documents. BenchmarkVaried splits
// the varied case: compressing one document takes LowMemory about 50 µs (flate
// BestSpeed 85 µs), inflating it 25 µs (a fresh flate.NewReaderDict per message: 69 µs).
//
// # Decoder
//
// Inflating uses this package's own DEFLATE decoder, whatever the peer's encoder: it
// accepts and rejects exactly what compress/flate does (FuzzInflateDifferential checks
// the two against each other), decodes from a 64-bit bit buffer kept in registers while
// eight input bytes are at hand (one refill covers a whole length/distance pair, or two
// literals), copies short matches eight bytes a step, builds its Huffman tables in
// place, reads the taken-over window where it lies, and allocates nothing per message.
//
// # Errors
//
// A Decompressor reports an inflated size over the limit as frame.ErrTooBig (close code
// 1009) and data that is not valid DEFLATE as ErrCorrupt, a *frame.Error with close code
// 1007 (RFC 6455 §7.4.1: data inconsistent with the message type). Negotiation errors
// (client side) are plain errors wrapping ErrUnknownParameter, ErrDuplicateParameter,
// ErrInvalidValue, ErrUnsupported or ErrNotDeflate; the handshake layer fails the
// connection on them.
//
// # Limits
//
// The read limit given to Decompress and Begin applies to the inflated size and is
// enforced while inflating: output stops at the limit and the next byte turns into
// frame.ErrTooBig, so a 1 KiB payload that would inflate to gigabytes costs at most the
// limit in memory (Decompress) or one caller buffer (Read). Bytes after a final DEFLATE
// block are read and discarded; the compressed size is the connection layer's to bound.
//
// # Memory
//
// Without context takeover a connection keeps about 180 bytes of compression state when
// idle: encoders and inflaters (~58 KiB each) come from sync.Pools shared by all
// connections and are held only while a message is being compressed or inflated.
//
// With context takeover the costs are per connection, measured on Go 1.26 amd64 with
// TestMemoryPerConnection / BenchmarkMemoryPerConnection after one 16 KiB message each
// way (a server's compressor and decompressor):
//
//	both directions, LowMemory (default)            ~92 KB (57 KB encoder + 32 KiB window)
//	both directions, flate BestSpeed                ~1.24 MB
//	both directions, flate level 6 or 9             ~0.85 MB
//	both directions, flate HuffmanOnly              ~0.77 MB
//	server_no_context_takeover (inflate window only) ~33 KB; ~1.2 KB with client_max_window_bits=10
//
// A compress/flate.Writer is large whatever the level (its hash tables are fixed-size
// arrays), which is why LowMemory is the default. To bound memory further: set
// Options.ServerNoContextTakeover on a server (the response then always carries
// server_no_context_takeover, which RFC 7692 §7.1.1.1 allows), so only the inflate window
// remains; set Options.ClientMaxWindowBits to shrink that window when the client offers
// client_max_window_bits; or share a Limiter through Options.Takeover to cap how many
// connections keep context, the rest negotiating no context takeover both ways.
//
// # Concurrency
//
// Negotiate, Offer, Accept, CompressShared and Limiter are safe for concurrent use; an
// Options value is only read. A Compressor or Decompressor belongs to one connection and
// one goroutine at a time (the connection's writer and reader).
//
// # Allocations
//
// Compress, CompressShared and Decompress allocate nothing in steady state beyond
// growing dst (with a compress/flate level, Compress uses compress/flate's writer, which
// does not allocate once warm either); streamed messages (Begin, Write/Read, End) the
// same.
package deflate
