//go:build !wasip1

package main

import (
	"io"
	"os"
)

// Outside WebAssembly: read a script on stdin, print its JSON (for trying the converter by hand).
func main() {
	src, err := io.ReadAll(os.Stdin)
	if err != nil {
		os.Exit(1)
	}
	os.Stdout.Write(append(Parse(string(src)), '\n'))
}
