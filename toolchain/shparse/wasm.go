//go:build wasip1

package main

import "unsafe"

// Built with -buildmode=c-shared: a WASI reactor. The host calls alloc for an input buffer, writes the script
// into it, calls parse, and reads the JSON at the returned pointer (high 32 bits) and length (low 32 bits).
// Both buffers stay referenced here until the next call, so the collector does not free them under the host.
var input, output []byte

//go:wasmexport alloc
func alloc(size uint32) uint32 {
	input = make([]byte, size+1)
	return uint32(uintptr(unsafe.Pointer(&input[0])))
}

//go:wasmexport parse
func parse(size uint32) uint64 {
	output = Parse(string(input[:size]))
	if len(output) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&output[0])))<<32 | uint64(len(output))
}

func main() {}
